import { MINIMUM_JOB_COST_USD } from '../contract/pricing.js';
import { badUserInput } from '../errors/bad-user-input.js';
import { InputProblems } from '../errors/input-problems.js';
import { builder } from './builder.js';
import { CreateJobInput } from './hyperparameters.js';
import { checkedJob } from '../resolvers/checked-job.js';
import { togetherSession } from '../resolvers/together-session.js';
import { validateTogetherJob } from '../resolvers/validate-together-job.js';

/** Both providers' estimates: what one does not say is null (Together's token split and verdict). */
interface CostEstimate {
  tokens: number;
  cost: number;
  minimumApplied: boolean;
  trainingTokens?: number | null;
  validationTokens?: number | null;
  allowedToProceed?: boolean | null;
  reason?: string | null;
}

const CostEstimateRef = builder.objectRef<CostEstimate>('CostEstimate').implement({
  description: "The upstream's estimate of what a job would cost, made without creating it.",
  fields: (t) => ({
    tokens: t.float({
      description: 'Tokens billed: epochs × training tokens + evaluations × validation tokens (a whole number).',
      resolve: (e) => e.tokens,
    }),
    cost: t.float({
      description: 'Cost in `currency`; on Nscale never below the $2.00 minimum per job (Together has no minimum).',
      resolve: (e) => e.cost,
    }),
    currency: t.string({ description: 'ISO 4217 currency of `cost`: always `USD`.', resolve: () => 'USD' }),
    minimumApplied: t.boolean({
      description:
        "Whether Nscale's $2.00 minimum per job decided the cost (the tokens alone would cost less); " +
        'always false on Together, which has no minimum.',
      resolve: (e) => e.minimumApplied,
    }),
    trainingTokens: t.float({
      nullable: true,
      description:
        "Together: the tokens billed for training (epochs × the training file's tokens). Null on Nscale, " +
        'whose estimate gives the total only.',
      resolve: (e) => e.trainingTokens ?? null,
    }),
    validationTokens: t.float({
      nullable: true,
      description:
        "Together: the tokens billed for evaluation (evaluations × the validation file's tokens). Null on Nscale.",
      resolve: (e) => e.validationTokens ?? null,
    }),
    allowedToProceed: t.boolean({
      nullable: true,
      description:
        "Together: whether the account's balance covers the job (createJob would be refused otherwise); " +
        '`reason` says why not. Null on Nscale, whose estimate does not say (createJob answers INSUFFICIENT_CREDIT).',
      resolve: (e) => e.allowedToProceed ?? null,
    }),
    reason: t.string({
      nullable: true,
      description: 'Why the job may not proceed, when `allowedToProceed` is false; null otherwise.',
      resolve: (e) => e.reason ?? null,
    }),
  }),
});

builder.queryFields((t) => ({
  costEstimate: t.field({
    type: CostEstimateRef,
    description:
      "What a job would cost, from the upstream's dry run (Together: its estimate-price). The input is " +
      'checked exactly as `createJob` checks it; nothing is created. ' +
      'To check the data and see how the price is made up before uploading anything, use `analyzeDataset`.',
    args: {
      input: t.arg({
        type: CreateJobInput,
        required: true,
        description: 'The job to estimate, exactly as createJob would take it.',
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const together = togetherSession(ctx);
      if (together) {
        const checked = await validateTogetherJob(input, ctx);
        if (!checked.ok) throw new InputProblems(checked.problems);
        const e = await together.client.estimatePrice(together.creds, checked.job, ctx.call);
        // Together cannot price a job whose files it has not checked yet: that is the caller's to wait for.
        if (!e.available)
          throw badUserInput('files.trainingFileId', `files.trainingFileId: no estimate yet: ${e.reason}`);
        return {
          tokens: e.trainTokens + e.evalTokens,
          cost: e.totalPriceUsd,
          minimumApplied: false,
          trainingTokens: e.trainTokens,
          validationTokens: e.evalTokens,
          allowedToProceed: e.allowedToProceed,
          reason: e.reason,
        };
      }
      const job = await checkedJob(input, ctx);
      const estimate = await ctx.services.client.estimateJob(ctx.credentials(), job, ctx.call);
      // The upstream answers only the billed cost; a bill of exactly the minimum is the minimum applying.
      return { ...estimate, minimumApplied: estimate.cost <= MINIMUM_JOB_COST_USD };
    },
  }),
}));
