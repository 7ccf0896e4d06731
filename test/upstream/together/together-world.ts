/**
 * A Together simulator on port 0 with a clock the specs move, and the gateway's Together client
 * pointed at it (no backoff sleeps, so retries are counted, not waited for).
 */
import { Readable } from 'node:stream';
import { startTogetherSimulator, type TogetherSimulator } from '../../../src/simulator/together/index.js';
import { createTogetherClient } from '../../../src/upstream/together/together-client.js';
import type { TogetherClient } from '../../../src/upstream/together/together-client-types.js';

export const JOB_SECONDS = 100;
export const MODEL = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference';
export const ALICE = { token: 'alice-key' };
export const BOB = { token: 'bob-key' };
export const POOR = { token: 'poor-key' };

export interface TogetherWorld {
  sim: TogetherSimulator;
  client: TogetherClient;
  advance(seconds: number): void;
  close(): Promise<void>;
}

export async function startTogetherWorld(): Promise<TogetherWorld> {
  let t = Date.parse('2026-02-02T10:00:00.000Z');
  const sim = await startTogetherSimulator({
    now: () => t,
    jobSeconds: JOB_SECONDS,
    tenants: [
      { token: ALICE.token, accountId: 'alice' },
      { token: BOB.token, accountId: 'bob' },
      { token: POOR.token, accountId: 'poor', balanceUsd: 0.000001 },
    ],
  });
  const client = createTogetherClient({
    baseUrl: sim.apiBaseUrl,
    retry: { maxAttempts: 3 },
    sleep: async () => {},
  });
  return {
    sim,
    client,
    advance: (seconds) => void (t += seconds * 1000),
    close: async () => {
      await client.close();
      await sim.close();
    },
  };
}

/** Instruction rows, Together's `prompt`/`completion` JSONL. */
export function instructionJsonl(rows: number): string {
  return Array.from({ length: rows }, (_, i) =>
    JSON.stringify({ prompt: `What is ${i} + ${i}?`, completion: `It is ${2 * i}.` }),
  ).join('\n');
}

export const streamOf = (text: string): Readable => Readable.from([Buffer.from(text)]);

/** Counts of the simulator's requests for one route (`"GET /fine-tunes/{id}"`). */
export function count(sim: TogetherSimulator, key: string): number {
  return sim.stats()[key] ?? 0;
}
