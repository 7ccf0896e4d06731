/**
 * Cost rule of the upstream contract: `n_epochs × training tokens + n_evals × validation tokens`,
 * billed at a per-model price in USD per million tokens, with a $2.00 minimum per job.
 * Shared by the simulator (which bills) and anything that explains an estimate.
 */

export const MINIMUM_JOB_COST_USD = 2;

/** Default price table, USD per million tokens, keyed by base-model id. Configurable in the simulator. */
export const DEFAULT_PRICE_PER_MILLION_TOKENS: Readonly<Record<string, number>> = {
  'e5f6a7b8-c9d0-1234-efab-567890123456': 0.5, // Meta-Llama-3-8B-Instruct
  'd4e5f6a7-b8c9-0123-defa-456789012345': 0.5, // Meta-Llama-3-8B
  'f6a7b8c9-d0e1-2345-fabc-678901234567': 0.45, // Mistral-7B-Instruct-v0.1
  'a7b8c9d0-e1f2-3456-abcd-789012345678': 0.45, // Mistral-7B-Instruct-v0.2
  'b1432ae3-b4ce-4e12-be53-ab0555d00f93': 0.15, // DeepSeek-R1-Distill-Qwen-1.5B
  'c3d4e5f6-a7b8-9012-cdef-345678901234': 1.2, // DeepSeek-R1-Distill-Qwen-14B
  'a1b2c3d4-e5f6-7890-abcd-ef1234567890': 0.15, // Qwen2-1.5B-Instruct
  'b2c3d4e5-f6a7-8901-bcde-f23456789012': 1.2, // Qwen2.5-14B-Instruct
};

export interface CostInput {
  pricePerMillionTokens: number;
  nEpochs: number;
  nEvals: number;
  trainingTokens: number;
  validationTokens: number;
}

export interface Cost {
  /** Tokens billed: epochs × training tokens + evaluations × validation tokens. */
  tokens: number;
  /** USD, rounded to cents, never below the minimum. */
  cost: number;
  /** Whether the $2.00 minimum decided the cost. */
  minimumApplied: boolean;
}

/**
 * The contract's billing: in cents, with a minimum. Together's (`{ minimumUsd: 0, cents: false }`): no
 * minimum, to the micro-dollar, as its estimate gives it (a cent rounding would make small files free).
 */
export function computeCost(
  input: CostInput,
  { minimumUsd = MINIMUM_JOB_COST_USD, cents = true }: { minimumUsd?: number; cents?: boolean } = {},
): Cost {
  const tokens = input.nEpochs * input.trainingTokens + input.nEvals * input.validationTokens;
  const raw = cents
    ? Math.round(((tokens * input.pricePerMillionTokens) / 1_000_000) * 100) / 100
    : Math.round(tokens * input.pricePerMillionTokens) / 1_000_000;
  const minimumApplied = raw < minimumUsd;
  return { tokens, cost: minimumApplied ? minimumUsd : raw, minimumApplied };
}
