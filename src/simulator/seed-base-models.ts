/**
 * The eight base models of the seed guide, with the seed's ids: the simulator's catalogue. Data of the
 * simulator, not a rule of the contract: the gateway learns the catalogue through `GET /base-models`.
 */
export interface BaseModelSeed {
  id: string;
  organization: string;
  name: string;
  contextLength: number;
  supportedBatchSizes: number[];
  trainingPrecision: string;
}

const BATCH_SIZES = [4, 8, 12, 16, 20, 24, 28, 32];

function model(id: string, organization: string, name: string): BaseModelSeed {
  return {
    id,
    organization,
    name,
    contextLength: 8192,
    supportedBatchSizes: [...BATCH_SIZES],
    trainingPrecision: 'float16',
  };
}

export const SEED_BASE_MODELS: readonly BaseModelSeed[] = [
  model('e5f6a7b8-c9d0-1234-efab-567890123456', 'Meta', 'Meta-Llama-3-8B-Instruct'),
  model('d4e5f6a7-b8c9-0123-defa-456789012345', 'Meta', 'Meta-Llama-3-8B'),
  model('f6a7b8c9-d0e1-2345-fabc-678901234567', 'Mistral AI', 'Mistral-7B-Instruct-v0.1'),
  model('a7b8c9d0-e1f2-3456-abcd-789012345678', 'Mistral AI', 'Mistral-7B-Instruct-v0.2'),
  model('b1432ae3-b4ce-4e12-be53-ab0555d00f93', 'Deepseek', 'DeepSeek-R1-Distill-Qwen-1.5B'),
  model('c3d4e5f6-a7b8-9012-cdef-345678901234', 'Deepseek', 'DeepSeek-R1-Distill-Qwen-14B'),
  model('a1b2c3d4-e5f6-7890-abcd-ef1234567890', 'Qwen', 'Qwen2-1.5B-Instruct'),
  model('b2c3d4e5-f6a7-8901-bcde-f23456789012', 'Qwen', 'Qwen2.5-14B-Instruct'),
];
