/**
 * Nscale's hyperparameter rules (seed guide + upstream contract, docs/nscale-contract.md), in one place
 * so that the Nscale simulator and the gateway's validation of an Nscale job (validate-job-input.ts)
 * apply them identically. They are not Together's: a Together job is checked against its base model's
 * own limits (resolvers/validate-together-job.ts). The defaults are the gateway's on every provider.
 */

export const TRAINABLE_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type TrainableModule = (typeof TRAINABLE_MODULES)[number];

export const JOB_STATUSES = ['queued', 'starting', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatusWire = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<JobStatusWire> = new Set(['completed', 'failed', 'cancelled']);

/** Nscale's inclusive numeric ranges, and the defaults, as the seed states them. `max: undefined` means unbounded. */
export const HYPERPARAMETER_RULES = {
  nEpochs: { wire: 'n_epochs', integer: true, min: 1, max: 20, default: 1 },
  nEvals: { wire: 'n_evals', integer: true, min: 0, max: 100, default: 0 },
  learningRate: { wire: 'learning_rate', integer: false, min: 1e-8, max: 0.01, default: 1e-5 },
  warmupRatio: { wire: 'warmup_ratio', integer: false, min: 0, max: 1, default: 0 },
  weightDecay: { wire: 'weight_decay', integer: false, min: 0, max: undefined, default: 0 },
} as const satisfies Record<string, NumericRule>;

export const LORA_RULES = {
  r: { wire: 'r', integer: true, min: 1, max: 64, default: 8 },
  alpha: { wire: 'alpha', integer: true, min: 1, max: 64, default: 8 },
  dropout: { wire: 'dropout', integer: false, min: 0, max: 1, default: 0 },
} as const satisfies Record<string, NumericRule>;

export const DEFAULT_BATCH_SIZE = 4;

/** The seed's defaults of the settings that are not numeric ranges. */
export const DEFAULT_BEST_CHECKPOINTS = false;
export const DEFAULT_MASK_PROMPT_LABELS = false;
/** LoRA is on: it is the only kind of fine-tuning offered. */
export const DEFAULT_LORA_ENABLED = true;
/** No module named means every linear layer is adapted. */
export const DEFAULT_TRAINABLE_MODULES: readonly TrainableModule[] = [];

export interface NumericRule {
  wire: string;
  integer: boolean;
  min: number;
  max: number | undefined;
  default: number;
}

/** Human wording of a rule, for messages such as "n_epochs: 25 is not an integer from 1 to 20". */
export function describeRule(rule: NumericRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  return rule.max === undefined ? `${kind} ≥ ${rule.min}` : `${kind} from ${rule.min} to ${rule.max}`;
}

/** Whether `value` satisfies `rule`. */
export function satisfiesRule(rule: NumericRule, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  if (value < rule.min) return false;
  return rule.max === undefined || value <= rule.max;
}

/** "4, 8, 12, …, 32" style listing of allowed batch sizes, short enough for a message. */
export function describeBatchSizes(sizes: readonly number[]): string {
  if (sizes.length <= 4) return sizes.join(', ');
  return `${sizes.slice(0, 3).join(', ')}, …, ${sizes[sizes.length - 1]}`;
}
