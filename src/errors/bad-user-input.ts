import type { GraphQLError } from 'graphql';
import { gatewayError } from './gateway-error.js';

/**
 * One problem with the client's input: `field` is its path inside the input (`first`,
 * `hyperparameters.batchSize`), `message` names the field, the value and the rule.
 */
export function badUserInput(field: string, message: string): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, { field });
}
