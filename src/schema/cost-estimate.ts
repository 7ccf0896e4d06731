import { MINIMUM_JOB_COST_USD } from '../contract/pricing.js';
import { builder } from './builder.js';
import { CreateJobInput } from './hyperparameters.js';
import { checkedJob } from '../resolvers/checked-job.js';

interface CostEstimate {
  tokens: number;
  cost: number;
}

const CostEstimateRef = builder.objectRef<CostEstimate>('CostEstimate').implement({
  description: "The upstream's estimate of what a job would cost, made without creating it.",
  fields: (t) => ({
    tokens: t.float({
      description: 'Tokens billed: epochs × training tokens + evaluations × validation tokens (a whole number).',
      resolve: (e) => e.tokens,
    }),
    cost: t.float({
      description: 'Cost in `currency`, never below the $2.00 minimum per job.',
      resolve: (e) => e.cost,
    }),
    currency: t.string({ description: 'ISO 4217 currency of `cost`: always `USD`.', resolve: () => 'USD' }),
    minimumApplied: t.boolean({
      description: 'Whether the $2.00 minimum per job decided the cost (the tokens alone would cost less).',
      // The upstream answers only the billed cost; a bill of exactly the minimum is the minimum applying.
      resolve: (e) => e.cost <= MINIMUM_JOB_COST_USD,
    }),
  }),
});

builder.queryFields((t) => ({
  costEstimate: t.field({
    type: CostEstimateRef,
    description:
      "What a job would cost, from the upstream's dry run. The input is checked exactly as `createJob` checks it; nothing is created. " +
      'To check the data and see how the price is made up before uploading anything, use `analyzeDataset`.',
    args: {
      input: t.arg({
        type: CreateJobInput,
        required: true,
        description: 'The job to estimate, exactly as createJob would take it.',
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const job = await checkedJob(input, ctx);
      return ctx.services.client.estimateJob(ctx.credentials(), job, ctx.call);
    },
  }),
}));
