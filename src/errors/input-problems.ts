import { GraphQLError } from 'graphql';

export interface Problem {
  /** Path inside the input, such as `hyperparameters.batchSize`. */
  field: string;
  /** Sentence naming the field, the value and the rule. */
  message: string;
}

/**
 * Several problems with one input, reported together: the server's `useInputProblems` turns this one
 * error into one GraphQL error per problem, each with its own `extensions.field`.
 */
export class InputProblems extends GraphQLError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(problems.map((p) => p.message).join('; '), { extensions: { code: 'BAD_USER_INPUT' } });
    this.problems = problems;
  }
}
