/**
 * The Together simulator over plain HTTP, for what the SDK does not show: the admin routes and
 * request stats, dropped connections, the upload and download links, the metrics filters in a JSON
 * body on GET (the spec's form), simulated failures, and the error envelope of malformed requests.
 */
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherSimulator, type TogetherSimulator } from '../../../src/simulator/together/index.js';
import { fakeClock, readAnswer } from '../harness.js';

const clock = fakeClock();
let sim: TogetherSimulator;
beforeAll(async () => {
  sim = await startTogetherSimulator({ now: clock.now, jobSeconds: 100, failureRate: 0, maxUploadBytes: 4096 });
});
afterEach(() => sim.setFaults({}));
afterAll(() => sim.close());

const ROW = JSON.stringify({ prompt: 'What is 2 + 2?', completion: 'Four.' });

async function call(
  method: string,
  path: string,
  init: { body?: unknown; token?: string | null; raw?: string; contentType?: string } = {},
) {
  const headers: Record<string, string> = init.contentType === undefined ? {} : { 'content-type': init.contentType };
  if (init.token !== null) headers['authorization'] = `Bearer ${init.token ?? 'demo-token'}`;
  let body = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  return readAnswer(await fetch(`${sim.apiBaseUrl}${path}`, { method, headers, body, redirect: 'manual' }));
}

async function twoStepUpload(content: string, token = 'demo-token'): Promise<string> {
  const start = await call('POST', '/files?file_name=data.jsonl&file_type=jsonl&purpose=fine-tune', { token });
  expect(start.status).toBe(302);
  const put = await fetch(start.headers.get('location')!, { method: 'PUT', body: content });
  expect(put.status).toBe(200);
  return start.headers.get('x-together-file-id')!;
}

describe('the two-step upload', () => {
  it('answers 302 with the upload URL and the file id; the file is PENDING until the PUT, then checked', async () => {
    const start = await call('POST', '/files', {
      raw: 'file_name=a.jsonl&purpose=fine-tune&file_type=jsonl',
      contentType: 'application/x-www-form-urlencoded',
    });
    const id = start.headers.get('x-together-file-id');
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toMatch(new RegExp(`^${sim.origin}/__uploads/`));
    expect((await call('GET', `/files/${id}`)).body).toMatchObject({
      processing_status: 'PENDING',
      Processed: false,
      bytes: 0,
    });
    await fetch(start.headers.get('location')!, { method: 'PUT', body: `${ROW}\n${ROW}\n` });
    expect((await call('GET', `/files/${id}`)).body).toMatchObject({
      processing_status: 'COMPLETED',
      bytes: ROW.length * 2 + 2,
    });
    expect((await fetch(start.headers.get('location')!, { method: 'PUT', body: ROW })).status).toBe(404);
  });

  it('expires the upload URL on the clock (410), and refuses a file over the upload limit (413)', async () => {
    const start = await call('POST', '/files?file_name=late.jsonl&purpose=fine-tune');
    clock.advance(301);
    const late = readAnswer(await fetch(start.headers.get('location')!, { method: 'PUT', body: ROW }));
    expect(await late).toMatchObject({ status: 410, body: { error: { type: 'not_found_error' } } });

    const big = await call('POST', '/files?file_name=big.jsonl&purpose=fine-tune');
    const put = await readAnswer(await fetch(big.headers.get('location')!, { method: 'PUT', body: 'x'.repeat(5000) }));
    expect(put.status).toBe(413);
  });

  it('refuses an unknown extension or purpose with 400 naming the parameter', async () => {
    expect((await call('POST', '/files?file_name=data.txt&purpose=fine-tune')).body.error).toMatchObject({
      param: 'file_type',
    });
    expect((await call('POST', '/files?file_name=data.jsonl&purpose=sing')).body.error).toMatchObject({
      param: 'purpose',
    });
  });
});

describe('admin routes and stats, as the Nscale simulator has them', () => {
  it('counts requests by METHOD /template under /v1, refused ones included, unknown routes not', async () => {
    sim.resetStats();
    await call('GET', '/fine-tunes');
    await call('GET', '/fine-tunes/ft-nope');
    await call('GET', '/fine-tunes', { token: 'bad' });
    await call('GET', '/fine-tunes/models/limits?model_name=google/gemma-3-4b-it');
    await call('GET', '/no-such-route');
    const expected = { 'GET /fine-tunes': 2, 'GET /fine-tunes/{id}': 1, 'GET /fine-tunes/models/limits': 1 };
    expect(sim.stats()).toEqual(expected);
    expect(await (await fetch(`${sim.origin}/__admin/stats`)).json()).toEqual(expected);
    expect((await fetch(`${sim.origin}/__admin/health`)).status).toBe(200);
    expect(sim.recentRequests().map((r) => r.route)).toContain('GET /fine-tunes/models/limits');
  });

  it('sets faults over HTTP: a dropped connection on one route, the others untouched', async () => {
    const set = await fetch(`${sim.origin}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'GET /files', drop: { count: 1 } }),
    });
    expect(set.status).toBe(200);
    await expect(call('GET', '/files')).rejects.toThrow();
    expect((await call('GET', '/files')).status).toBe(200);
    expect((await call('GET', '/models')).status).toBe(200);
  });
});

/** A GET with a JSON body, which `fetch` refuses to send (the spec's form of the metrics filters). */
async function getWithBody(path: string, body: unknown) {
  const res = await request(`${sim.apiBaseUrl}${path}`, {
    method: 'GET',
    headers: { authorization: 'Bearer demo-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

describe('jobs over HTTP', () => {
  it('reads the metrics filters from a JSON body on GET, the query winning over it', async () => {
    const file = await twoStepUpload(Array.from({ length: 40 }, () => ROW).join('\n'));
    const job = await call('POST', '/fine-tunes', { body: { model: 'Qwen/Qwen2.5-7B-Instruct', training_file: file } });
    expect(job.status).toBe(200);
    clock.advance(100);
    const filtered = await getWithBody(`/fine-tunes/${job.body.id}/metrics`, {
      global_step_from: 2,
      global_step_to: 4,
    });
    expect(filtered.body.metrics.map((m: { global_step: number }) => m.global_step)).toEqual([2, 3, 4]);
    const both = await getWithBody(`/fine-tunes/${job.body.id}/metrics?global_step_to=3`, {
      global_step_from: 2,
      global_step_to: 9,
    });
    expect(both.body.metrics.map((m: { global_step: number }) => m.global_step)).toEqual([2, 3]);
    const bad = await call('GET', `/fine-tunes/${job.body.id}/metrics?logged_at_from=yesterday`);
    expect(bad).toMatchObject({ status: 400, body: { error: { param: 'logged_at_from' } } });
  });

  it('ends a job in error, with a job_error event and no charge, when the failure rate says so', async () => {
    const failing = await startTogetherSimulator({ now: clock.now, jobSeconds: 100, failureRate: 1 });
    try {
      const start = await fetch(`${failing.apiBaseUrl}/files?file_name=d.jsonl&purpose=fine-tune`, {
        method: 'POST',
        headers: { authorization: 'Bearer demo-token' },
        redirect: 'manual',
      });
      await fetch(start.headers.get('location')!, {
        method: 'PUT',
        body: Array.from({ length: 20 }, () => ROW).join('\n'),
      });
      const auth = { authorization: 'Bearer demo-token', 'content-type': 'application/json' };
      const body = JSON.stringify({
        model: 'mistralai/Mistral-7B-Instruct-v0.2',
        training_file: start.headers.get('x-together-file-id'),
      });
      const job = (await (
        await fetch(`${failing.apiBaseUrl}/fine-tunes`, { method: 'POST', headers: auth, body })
      ).json()) as { id: string };
      clock.advance(100);
      const seen = (await (await fetch(`${failing.apiBaseUrl}/fine-tunes/${job.id}`, { headers: auth })).json()) as {
        status: string;
        events: Array<{ type: string; level: string }>;
      };
      expect(seen.status).toBe('error');
      expect(seen.events.at(-1)).toMatchObject({ type: 'job_error', level: 'error' });
      expect(seen.events.map((e) => e.type)).not.toContain('training_complete');
      const estimate = await fetch(`${failing.apiBaseUrl}/fine-tunes/estimate-price`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          model: 'mistralai/Mistral-7B-Instruct-v0.2',
          training_file: start.headers.get('x-together-file-id'),
        }),
      });
      expect(((await estimate.json()) as { user_limit: number }).user_limit).toBe(100);
    } finally {
      await failing.close();
    }
  });

  it("answers a body that is not JSON with 400 in Together's envelope", async () => {
    const res = await call('POST', '/fine-tunes', { raw: '{"model":' });
    expect(res).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request_error', message: expect.stringContaining('not JSON') } },
    });
  });
});
