/**
 * The Together simulator against Together's OpenAPI document where the SDK's types are looser
 * (docs/together-contract.md): a job's `total_price` is an integer of nanodollars while the estimate
 * is in dollars; a file carries `LineCount` and may have any of the spec's seven purposes; every
 * event carries every field `FineTuneEvent` requires; `progress` counts the seconds to the next
 * status; and a refused body is told the rule it breaks and the value it sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherSimulator, type TogetherSimulator } from '../../../src/simulator/together/index.js';
import { fakeClock, readAnswer } from '../harness.js';

const TOKEN = 'wire-token';
const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const clock = fakeClock();
let sim: TogetherSimulator;
beforeAll(async () => {
  sim = await startTogetherSimulator({
    now: clock.now,
    jobSeconds: 100,
    failureRate: 0,
    tenants: [{ token: TOKEN, accountId: 'wire' }],
  });
});
afterAll(() => sim.close());

const rows = (n: number): string =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `What is ${i} + ${i}?`, completion: `${2 * i}.` })).join(
    '\n',
  );

async function call(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.apiBaseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  return readAnswer(res) as Promise<{ status: number; headers: Headers; body: any }>;
}

async function upload(content: string, purpose = 'fine-tune', name = 'data.jsonl'): Promise<string> {
  const start = await call('POST', `/files?file_name=${name}&file_type=jsonl&purpose=${purpose}`);
  expect(start.status).toBe(302);
  expect((await fetch(start.headers.get('location')!, { method: 'PUT', body: content })).status).toBe(200);
  return start.headers.get('x-together-file-id')!;
}

describe('money units on the wire', () => {
  it("sends a job's total_price as an integer of nanodollars: the estimate's dollars times 1e9", async () => {
    const file = await upload(rows(40));
    const estimate = await call('POST', '/fine-tunes/estimate-price', {
      model: MODEL,
      training_file: file,
      n_epochs: 2,
    });
    expect(estimate.body).toMatchObject({ estimation_available: true, user_limit: 100 });
    const dollars = estimate.body.estimated_total_price as number;
    // A 40-row file costs a fraction of a cent: dollars, not nanodollars.
    expect(dollars).toBeGreaterThan(0);
    expect(dollars).toBeLessThan(0.01);

    const created = await call('POST', '/fine-tunes', { model: MODEL, training_file: file, n_epochs: 2 });
    const full = await call('GET', `/fine-tunes/${created.body.id}`);
    const listed = (await call('GET', '/fine-tunes')).body.data.find((j: { id: string }) => j.id === created.body.id);
    for (const price of [created.body.total_price, full.body.total_price, listed.total_price]) {
      expect(typeof price).toBe('number');
      expect(Number.isInteger(price)).toBe(true);
      expect(price).toBe(Math.round(dollars * 1e9));
    }
    // The spec's example has the same proportion: total_price 1500 for token_count 850000.
    expect(full.body.total_price).toBeGreaterThan(full.body.token_count);
  });
});

describe('files as the spec describes them', () => {
  const SPEC_PURPOSES = [
    'fine-tune',
    'eval',
    'eval-sample',
    'eval-output',
    'eval-summary',
    'batch-generated',
    'batch-api',
  ];

  it("sends LineCount, and takes every purpose of the spec's FilePurpose", async () => {
    const objects = Array.from({ length: 3 }, (_, i) => JSON.stringify({ custom_id: `r${i}`, body: { n: i } }));
    for (const purpose of SPEC_PURPOSES) {
      const content = purpose === 'fine-tune' ? rows(3) : objects.join('\n');
      const id = await upload(`${content}\n`, purpose);
      const file = await call('GET', `/files/${id}`);
      expect(file.body).toMatchObject({ id, purpose, LineCount: 3, Processed: true, processing_status: 'COMPLETED' });
    }
    const pending = await call('POST', '/files?file_name=later.jsonl&purpose=eval-summary');
    const before = await call('GET', `/files/${pending.headers.get('x-together-file-id')}`);
    expect(before.body).toMatchObject({ LineCount: 0, Processed: false });
    for (const file of (await call('GET', '/files')).body.data) expect(Number.isInteger(file.LineCount)).toBe(true);
    const unknown = await call('POST', '/files?file_name=data.jsonl&purpose=fun');
    expect(unknown).toMatchObject({ status: 400, body: { error: { param: 'purpose' } } });
    expect(unknown.body.error.message).toContain('eval-sample');
  });

  it('still refuses a file of another purpose as the data of a fine-tuning job', async () => {
    const sample = await upload(rows(8), 'eval-sample');
    const refused = await call('POST', '/fine-tunes', { model: MODEL, training_file: sample });
    expect(refused).toMatchObject({
      status: 400,
      body: {
        error: {
          type: 'invalid_request_error',
          param: 'training_file',
          message: expect.stringContaining('eval-sample, not fine-tune'),
        },
      },
    });
  });
});

describe("events and progress as the spec's FineTuneEvent and the SDK's Progress describe them", () => {
  const REQUIRED = [
    'object',
    'created_at',
    'message',
    'type',
    'param_count',
    'token_count',
    'total_steps',
    'wandb_url',
    'step',
    'checkpoint_path',
    'model_path',
    'training_offset',
    'hash',
  ];
  const INTEGERS = ['param_count', 'token_count', 'total_steps', 'step', 'training_offset'];
  const STRINGS = ['wandb_url', 'checkpoint_path', 'model_path', 'hash'];

  it('sends every required field on every event, with the values of the job', async () => {
    const train = await upload(rows(40));
    const validation = await upload(rows(8), 'fine-tune', 'validation.jsonl');
    const created = await call('POST', '/fine-tunes', {
      model: MODEL,
      training_file: train,
      validation_file: validation,
      n_evals: 2,
      n_checkpoints: 2,
      batch_size: 8,
      wandb_api_key: 'wandb-key',
    });
    expect(created.status).toBe(200);
    const id = created.body.id as string;

    const pending = await call('GET', `/fine-tunes/${id}`);
    expect(pending.body.events).toHaveLength(1);
    expect(pending.body.events[0]).toMatchObject({ type: 'job_pending', total_steps: 0, step: 0 });
    expect(pending.body.progress).toEqual({ estimate_available: false, seconds_remaining: 0 });

    // jobSeconds 100: pending 5 s, queued 5 s, running 75 s (until 85 s), compressing, uploading.
    clock.advance(30);
    const running = await call('GET', `/fine-tunes/${id}`);
    expect(running.body.status).toBe('running');
    expect(running.body.progress).toEqual({ estimate_available: true, seconds_remaining: 55 });

    clock.advance(70);
    const done = await call('GET', `/fine-tunes/${id}`);
    expect(done.body.status).toBe('completed');
    expect(done.body.progress.estimate_available).toBe(false);
    const events = done.body.events as Array<Record<string, unknown>>;
    expect((await call('GET', `/fine-tunes/${id}/events`)).body.data).toEqual(events);
    const steps = (await call('GET', `/fine-tunes/${id}/metrics`)).body.metrics.length as number;
    expect(steps).toBeGreaterThan(0);

    let previousStep = 0;
    for (const event of events) {
      for (const key of REQUIRED) expect(event, `${String(event['type'])} has ${key}`).toHaveProperty(key);
      for (const key of INTEGERS) expect(Number.isInteger(event[key]), `${key} of ${String(event['type'])}`).toBe(true);
      for (const key of STRINGS) expect(typeof event[key], `${key} of ${String(event['type'])}`).toBe('string');
      expect(event).toMatchObject({
        object: 'fine-tune-event',
        param_count: done.body.param_count,
        token_count: done.body.token_count,
        wandb_url: done.body.wandb_url,
      });
      // The steps of the schedule once training started (0 before); the steps done, never going back.
      expect(event['total_steps']).toBe(event['type'] === 'job_pending' ? 0 : steps);
      expect(event['step'] as number).toBeGreaterThanOrEqual(previousStep);
      previousStep = event['step'] as number;
    }
    expect(previousStep).toBe(steps);
    const checkpoint = events.find((e) => e['type'] === 'checkpoint_save')!;
    expect(checkpoint['checkpoint_path']).toMatch(new RegExp(`step-${String(checkpoint['step'])}$`));
    expect(events.at(-1)).toMatchObject({ type: 'job_complete', model_path: done.body.model_output_path });
    expect(events.find((e) => e['type'] === 'job_pending')).toMatchObject({ checkpoint_path: '', model_path: '' });
  });
});

describe('refusals that state the rule and echo the value', () => {
  let file: string;
  beforeAll(async () => {
    file = await upload(rows(16));
  });

  it.each([
    ['batch_size "big"', { batch_size: 'big' }, 'batch_size', 'batch_size must be a number or "max"; got "big".'],
    [
      'a Lora training_type without lora_r',
      { training_type: { type: 'Lora', lora_alpha: 16 } },
      'training_type',
      'training_type.lora_r is required when training_type.type is "Lora" (a number); got none.',
    ],
    ['n_epochs 1.5', { n_epochs: 1.5 }, 'n_epochs', 'n_epochs must be a whole number; got 1.5.'],
    [
      'lora_r 0',
      { training_type: { type: 'Lora', lora_r: 0, lora_alpha: 16 } },
      'training_type.lora_r',
      'training_type.lora_r must be between 1 and 64; got 0.',
    ],
    [
      'lora_r 1000',
      { training_type: { type: 'Lora', lora_r: 1000, lora_alpha: 16 } },
      'training_type.lora_r',
      'training_type.lora_r must be between 1 and 64; got 1000.',
    ],
    [
      'an unknown training method',
      { training_method: { method: 'rlhf' } },
      'training_method.method',
      'training_method.method must be one of "sft", "dpo"; got "rlhf".',
    ],
    ['a suffix of 70 characters', { suffix: 'x'.repeat(70) }, 'suffix', 'suffix must be at most 64 characters long'],
    ['n_evals without a validation file', { n_evals: 2 }, 'n_evals', 'n_evals 2 needs a validation_file'],
  ])('refuses %s with 400 naming the parameter, the rule and the value', async (_, extra, param, message) => {
    const refused = await call('POST', '/fine-tunes', { model: MODEL, training_file: file, ...extra });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(refused.body.error.message).toContain(message);
    expect(refused.body.error.message).not.toMatch(/Invalid input|expected int|Too small|Too big/);
  });

  it('words a missing parameter and a body that is not an object the same way', async () => {
    const missing = await call('POST', '/fine-tunes', { model: MODEL });
    expect(missing.body.error).toMatchObject({
      param: 'training_file',
      message: 'training_file is required (a string); got none.',
    });
    const notObject = await call('POST', '/fine-tunes/estimate-price', ['x']);
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.message).toBe('body must be an object; got ["x"].');
  });
});
