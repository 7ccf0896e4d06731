/**
 * Together's price rule (documented): tokens processed = n_epochs × training tokens + n_evals ×
 * validation tokens, billed per million at a rate set by the model's size class, the training type
 * (LoRA or Full) and method (SFT or DPO); no minimum price. The rates below are the simulator's,
 * in the shape of Together's public price list (ours: docs/together-contract.md).
 */
import type { FineTuneModel } from './models.js';

export interface TrainingKind {
  type: 'Lora' | 'Full';
  method: 'sft' | 'dpo';
}

/** USD per million tokens: [LoRA SFT, LoRA DPO, Full SFT, Full DPO] by the largest size of each class. */
const RATES: ReadonlyArray<readonly [maxBillions: number, rates: readonly [number, number, number, number]]> = [
  [16, [0.48, 1.2, 0.54, 1.35]],
  [69, [1.5, 3.75, 1.65, 4.12]],
  [Infinity, [2.9, 7.25, 3.2, 8.0]],
];

export function pricePerMillionTokens(model: FineTuneModel, kind: TrainingKind): number {
  const [, rates] = RATES.find(([max]) => model.paramsBillions <= max) ?? RATES[RATES.length - 1]!;
  return rates[(kind.type === 'Full' ? 2 : 0) + (kind.method === 'dpo' ? 1 : 0)]!;
}

export interface PriceInput {
  model: FineTuneModel;
  kind: TrainingKind;
  nEpochs: number;
  nEvals: number;
  /** Tokens of one pass over the training file. */
  trainingTokens: number;
  /** Tokens of one pass over the validation file. */
  validationTokens: number;
}

export interface Price {
  trainTokens: number;
  evalTokens: number;
  /** USD, to the micro-dollar: small test files cost fractions of a cent, and a cent rounding would make them free. */
  total: number;
}

/**
 * A fine-tune's `total_price` on the wire: an integer count of nanodollars (1e-9 USD), as the spec
 * types it (`integer`, example `total_price: 1500` for `token_count: 850000`) and Together's Python
 * SDK reads it (`finetune_price_to_dollars(price) = price / NANODOLLAR`, `NANODOLLAR = 1_000_000_000`).
 * The price estimate, by contrast, is in dollars (`estimated_total_price`, `user_limit`).
 */
export const NANODOLLARS_PER_USD = 1_000_000_000;

export function toNanodollars(usd: number): number {
  return Math.round(usd * NANODOLLARS_PER_USD);
}

export function computePrice(input: PriceInput): Price {
  const trainTokens = input.nEpochs * input.trainingTokens;
  const evalTokens = input.nEvals * input.validationTokens;
  const total = Math.round((trainTokens + evalTokens) * pricePerMillionTokens(input.model, input.kind)) / 1_000_000;
  return { trainTokens, evalTokens, total };
}
