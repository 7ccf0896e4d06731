/**
 * Shared set-up of the unit suites: a client on an undici MockAgent (no network), wire fixtures in
 * the contract's snake_case, and a sleep that records the delays asked for instead of waiting.
 */
import { inspect } from 'node:util';
import { MockAgent } from 'undici';
import type { Interceptable } from 'undici';
import { createUpstreamClient } from '../../src/upstream/client.js';
import type { ClosableUpstreamClient, UpstreamClientOptions } from '../../src/upstream/client.js';
import type { UpstreamLogger } from '../../src/upstream/options.js';
import type { Credentials } from '../../src/upstream/types.js';

export const ORIGIN = 'http://upstream.test';
export const BASE = `${ORIGIN}/api/v1`;
export const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXBheWxvYWQ.s1gn4tur3-DO-NOT-LEAK';
export const CREDS: Credentials = { token: TOKEN, organizationId: 'demo-org' };
export const ORG_PATH = '/api/v1/organizations/demo-org';

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string | undefined;
}

export interface MockUpstream {
  agent: MockAgent;
  pool: Interceptable;
  client: ClosableUpstreamClient;
  /** Delays the client asked to sleep, in order. */
  delays: number[];
  logs: LogLine[];
  close(): Promise<void>;
}

export function mockUpstream(overrides: Partial<UpstreamClientOptions> = {}): MockUpstream {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  const delays: number[] = [];
  const logs: LogLine[] = [];
  const log =
    (level: string) =>
    (fields: Record<string, unknown>, message?: string): void => {
      logs.push({ level, fields, message });
    };
  const logger: UpstreamLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const client = createUpstreamClient({
    baseUrl: BASE,
    dispatcher: agent,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    logger,
    ...overrides,
  });
  return {
    agent,
    pool,
    client,
    delays,
    logs,
    close: async () => {
      await client.close();
      await agent.close();
    },
  };
}

export const JSON_HEADERS = { headers: { 'content-type': 'application/json' } };

export function wireJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'job-1',
    name: 'my job',
    base_model_id: 'e5f6a7b8-c9d0-1234-efab-567890123456',
    base_model_name: 'Meta-Llama-3-8B-Instruct',
    dataset: { id: 'ds-1', prompt_column: 'question', answer_column: 'answer' },
    hyperparameters: {
      n_epochs: 1,
      n_evals: 0,
      batch_size: 4,
      learning_rate: 0.00001,
      warmup_ratio: 0,
      weight_decay: 0,
      best_checkpoints: false,
      mask_prompt_labels: false,
      lora: { enabled: true, r: 8, alpha: 8, dropout: 0, trainable_modules: [] },
    },
    status: 'queued',
    created_at: '2026-01-14T14:57:45.376538Z',
    started_at: null,
    completed_at: null,
    error: null,
    ...overrides,
  };
}

export const wireDataset = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'ds-1',
  name: 'qa',
  training_file_id: 'file-1',
  validation_file_id: null,
  created_at: '2026-01-14T14:57:45.3Z',
  workspace_id: 'demo-org',
  ...overrides,
});

export const JOB_INPUT = {
  name: 'my job',
  baseModelId: 'e5f6a7b8-c9d0-1234-efab-567890123456',
  dataset: { id: 'ds-1', answerColumn: 'answer' },
};

/** Everything an error could show or serialize, to look for secrets in. */
export function everythingAbout(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [String(e), e.message, e.stack ?? '', JSON.stringify(e), inspect(e, { depth: 6 }), String(e.cause)].join('\n');
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a value');
}
