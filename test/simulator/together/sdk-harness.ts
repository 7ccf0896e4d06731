/**
 * Together's own SDK (`together-ai`) pointed at a Together simulator, for the conformance specs.
 *
 * One simulator serves every SDK spec of a worker process, because the SDK's `files.upload` does
 * not use the client's `baseURL`: it reads `TOGETHER_API_BASE_URL` once, when its module loads, so
 * the first simulator's URL is the only one it will ever use in that process. Each spec works as
 * its own tenant (token), so their files and jobs never meet; the simulator's clock is a fake one
 * the specs move forward (never back).
 *
 * Two more facts of together-ai 0.52.0 shape this file:
 * - its ESM build cannot upload at all (the upload helper loads `fs` with `require`, which ESM
 *   lacks, and reports "File does not exists"): the SDK is loaded through its CommonJS build;
 * - its upload PUTs a Node stream through the global `fetch` without `duplex: 'half'`, which
 *   Node's fetch refuses ("duplex option is required"): `sdkUpload` adds that option for the
 *   duration of the call only, and restores `fetch` afterwards.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type TogetherDefault from 'together-ai';
import type { FilePurpose, FileResponse } from 'together-ai/resources/files';
import { startTogetherSimulator, type TogetherSimulator } from '../../../src/simulator/together/index.js';

export type TogetherModule = typeof TogetherDefault;
export type TogetherClient = InstanceType<TogetherModule>;

export interface SdkWorld {
  sim: TogetherSimulator;
  Together: TogetherModule;
  /** Seconds a job takes from creation to completion (when it trains all its steps). */
  jobSeconds: number;
  advance(seconds: number): void;
  now(): number;
}

const JOB_SECONDS = 100;

/** Tokens of the specs' tenants; `poor-token`'s account can afford almost nothing. */
const TENANTS = [
  { token: 'files-token', accountId: 'files' },
  { token: 'conformance-token', accountId: 'conformance' },
  { token: 'lifecycle-token', accountId: 'lifecycle' },
  { token: 'errors-token', accountId: 'errors' },
  { token: 'errors-other-token', accountId: 'errors-other' },
  { token: 'poor-token', accountId: 'poor', balanceUsd: 0.000001 },
];

async function start(): Promise<SdkWorld> {
  let t = Date.parse('2026-01-14T14:57:45.376Z');
  const sim = await startTogetherSimulator({ now: () => t, jobSeconds: JOB_SECONDS, tenants: TENANTS });
  process.env['TOGETHER_API_BASE_URL'] = sim.apiBaseUrl;
  const Together = (createRequire(import.meta.url)('together-ai') as { default: TogetherModule }).default;
  return { sim, Together, jobSeconds: JOB_SECONDS, now: () => t, advance: (seconds) => void (t += seconds * 1000) };
}

const WORLD = Symbol.for('fine-tuning-gateway.together-sdk-world');

export function sdkWorld(): Promise<SdkWorld> {
  const holder = globalThis as { [WORLD]?: Promise<SdkWorld> };
  return (holder[WORLD] ??= start());
}

export function client(world: SdkWorld, token: string, maxRetries = 0): TogetherClient {
  return new world.Together({ apiKey: token, baseURL: world.sim.apiBaseUrl, maxRetries });
}

/** A spec's tenant: the worker's world, a client of the tenant's token, and each uploaded file's id by its name. */
export type SdkTenant<K extends string> = { world: SdkWorld; api: TogetherClient } & Record<K, string>;

/**
 * The SDK specs' setup, for their `beforeAll`: the worker's world, a client of the tenant `token`, and
 * each of `uploads` (a file name and its rows, see `dataFile`) uploaded through the SDK, in turn.
 */
export async function sdkTenant<K extends string = never>(
  token: string,
  uploads: Record<K, [name: string, lines: ReadonlyArray<unknown>]> = {} as never,
): Promise<SdkTenant<K>> {
  const world = await sdkWorld();
  const api = client(world, token);
  const files = {} as Record<K, string>;
  for (const [key, [name, lines]] of Object.entries(uploads) as Array<[K, [string, ReadonlyArray<unknown>]]>)
    files[key] = (await sdkUpload(api, dataFile(name, lines))).id;
  return { ...files, world, api };
}

export async function sdkUpload(
  api: TogetherClient,
  path: string,
  purpose: FilePurpose = 'fine-tune',
  check = true,
): Promise<FileResponse> {
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const streaming =
      init?.body !== undefined && init.body !== null && typeof (init.body as { pipe?: unknown }).pipe === 'function';
    return realFetch(input, streaming ? ({ ...init, duplex: 'half' } as RequestInit) : init);
  }) as typeof fetch;
  try {
    return await api.files.upload(path, purpose, check);
  } finally {
    globalThis.fetch = realFetch;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'together-sdk-'));

/** Writes `lines` (objects as JSON, strings as they are) to a file named `name`, and returns its path. */
export function dataFile(name: string, lines: ReadonlyArray<unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return path;
}

/** `count` chat rows: a user question and an assistant answer. */
export function chatRows(count: number, salt = ''): Array<{ messages: Array<{ role: string; content: string }> }> {
  return Array.from({ length: count }, (_, i) => ({
    messages: [
      { role: 'user', content: `What is question ${i}${salt}?` },
      { role: 'assistant', content: `The answer to question ${i} is forty two.` },
    ],
  }));
}

export function preferenceRows(count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => ({
    input: { messages: [{ role: 'user', content: `Say something kind about ${i}.` }] },
    preferred_output: [{ role: 'assistant', content: `${i} is a lovely number.` }],
    non_preferred_output: [{ role: 'assistant', content: `${i} is dull.` }],
  }));
}

export const LLAMA_8B = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference';
