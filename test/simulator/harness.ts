/**
 * Raw-HTTP helpers for the simulator specs: a started simulator per file, calls as a given tenant,
 * and the fixtures most specs need (an uploaded CSV, a dataset, a valid job body).
 */
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

export interface Answer {
  status: number;
  headers: Headers;
  // Tests read arbitrary JSON fields; the wire shape is asserted by the specs themselves.
  body: any;
}

export interface Caller {
  base: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    init?: { headers?: Record<string, string>; raw?: string },
  ): Promise<Answer>;
  upload(filename: string, content: string | Uint8Array<ArrayBuffer>, field?: string): Promise<Answer>;
}

export async function readAnswer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

/** Calls `sim` as `token` on `/organizations/{org}`; `token: null` sends no Authorization. */
export function caller(sim: Simulator, token: string | null = 'demo-token', org = 'demo-org'): Caller {
  const base = `${sim.apiBaseUrl}/organizations/${encodeURIComponent(org)}`;
  const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return {
    base,
    async call(method, path, body, init = {}) {
      const headers: Record<string, string> = { ...auth, ...init.headers };
      let payload: string | undefined = init.raw;
      if (body !== undefined) {
        payload = JSON.stringify(body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${base}${path}`, { method, headers, body: payload, redirect: 'manual' });
      return readAnswer(res);
    },
    async upload(filename, content, field = 'file') {
      const form = new FormData();
      form.append(field, new Blob([content]), filename);
      return readAnswer(await fetch(`${base}/files`, { method: 'POST', headers: auth, body: form }));
    },
  };
}

export const MISTRAL_V02 = 'a7b8c9d0-e1f2-3456-abcd-789012345678';

/** 40 rows of question/answer: enough for a 1% hold-out of one row and ten steps at batch size 4. */
export function qaCsv(rows = 40, answer = (i: number) => `The answer number ${i} is forty two.`): string {
  const lines = ['question,answer'];
  for (let i = 0; i < rows; i++) lines.push(`What is question ${i}?,${answer(i)}`);
  return `${lines.join('\n')}\n`;
}

export async function createDataset(api: Caller, csv = qaCsv()): Promise<string> {
  const file = await api.upload('train.csv', csv);
  if (file.status !== 201) throw new Error(`upload failed: ${JSON.stringify(file.body)}`);
  const ds = await api.call('POST', '/datasets', { name: 'qa', training_file_id: file.body.id });
  if (ds.status !== 201) throw new Error(`dataset failed: ${JSON.stringify(ds.body)}`);
  return ds.body.id as string;
}

export function jobBody(datasetId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'my job',
    base_model_id: MISTRAL_V02,
    dataset: { id: datasetId, prompt_column: 'question', answer_column: 'answer' },
    hyperparameters: { n_epochs: 1, batch_size: 4 },
    ...overrides,
  };
}

/** A clock tests move by hand. */
export function fakeClock(start = Date.parse('2026-01-14T14:57:45.376Z')): {
  now: () => number;
  advance(seconds: number): void;
} {
  let t = start;
  return { now: () => t, advance: (seconds) => void (t += seconds * 1000) };
}

export { startSimulator, type Simulator, type SimulatorOptions };
