import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chatRows,
  client,
  dataFile,
  LLAMA_8B,
  sdkTenant,
  sdkUpload,
  type SdkWorld,
  type TogetherClient,
} from './sdk-harness.js';

let world: SdkWorld;
let api: TogetherClient;
beforeAll(async () => {
  ({ world, api } = await sdkTenant('files-token'));
});

const multipart = async (fields: Record<string, string>, name: string, content: string) => {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('file', new Blob([content]), name);
  const res = await fetch(`${world.sim.apiBaseUrl}/files/upload`, {
    method: 'POST',
    headers: { authorization: 'Bearer files-token' },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as any };
};

describe('files through the SDK', () => {
  it('uploads with files.upload (its own check, the 302 and the PUT), then lists, retrieves, reads and deletes the file', async () => {
    const path = dataFile('train.jsonl', chatRows(12));
    const uploaded = await sdkUpload(api, path);
    expect(uploaded).toMatchObject({
      object: 'file',
      filename: 'train.jsonl',
      bytes: readFileSync(path).length,
      FileType: 'jsonl',
      purpose: 'fine-tune',
      Processed: true,
      processing_status: 'COMPLETED',
      validation_report: { valid: true, dataset_format: 'CONVERSATION', nlines: 12, file_id: uploaded.id },
    });
    expect(uploaded.id).toMatch(/^file-[0-9a-f-]{36}$/);
    expect(uploaded.created_at).toBe(Math.floor(world.now() / 1000));

    expect((await api.files.list()).data.map((f) => f.id)).toContain(uploaded.id);
    expect(await api.files.retrieve(uploaded.id)).toEqual(uploaded);
    const content = await api.files.content(uploaded.id);
    expect(await content.text()).toBe(readFileSync(path, 'utf8'));

    expect(await api.files.delete(uploaded.id)).toEqual({ id: uploaded.id, deleted: true });
    await expect(api.files.retrieve(uploaded.id)).rejects.toBeInstanceOf(world.Together.NotFoundError);
    expect((await api.files.list()).data.map((f) => f.id)).not.toContain(uploaded.id);
  });

  it("keeps files per account: another key's list does not show them and retrieving one is 404", async () => {
    const mine = await sdkUpload(api, dataFile('mine.jsonl', chatRows(2)));
    const other = client(world, 'errors-token');
    expect((await other.files.list()).data.map((f) => f.id)).not.toContain(mine.id);
    await expect(other.files.retrieve(mine.id)).rejects.toMatchObject({
      status: 404,
      error: { error: { type: 'not_found_error' } },
    });
  });

  it('is refused by the SDK check before sending when a line is not JSON, and kept INVALID_FORMAT when sent unchecked', async () => {
    const path = dataFile('broken.jsonl', [chatRows(1)[0], '{"messages": [', chatRows(1)[0]]);
    // The SDK's own check (lib/check-file) refuses it on the client, naming the line.
    await expect(sdkUpload(api, path)).rejects.toMatch(/line 2/);

    const unchecked = await sdkUpload(api, path, 'fine-tune', false);
    expect(unchecked.processing_status).toBe('INVALID_FORMAT');
    expect(unchecked.validation_report).toMatchObject({
      valid: false,
      error_type: 'INVALID_FORMAT',
      error: expect.stringContaining('line 2'),
    });

    const refused = api.fineTuning.create({ model: LLAMA_8B, training_file: unchecked.id });
    await expect(refused).rejects.toBeInstanceOf(world.Together.BadRequestError);
    await expect(refused).rejects.toMatchObject({
      error: { error: { param: 'training_file', message: expect.stringContaining('failed validation') } },
    });
  });

  it('applies the format rules to each row: one format per file, no extra keys, alternating roles, an assistant turn', async () => {
    const cases: Array<[string, unknown[], string]> = [
      ['mixed.jsonl', [{ text: 'a' }, { prompt: 'p', completion: 'c' }], 'one dataset format'],
      ['extra.jsonl', [{ text: 'a', label: 1 }], 'extra column "label"'],
      [
        'turns.jsonl',
        [
          {
            messages: [
              { role: 'user', content: 'a' },
              { role: 'user', content: 'b' },
            ],
          },
        ],
        'alternate',
      ],
      ['silent.jsonl', [{ messages: [{ role: 'user', content: 'a' }] }], 'assistant'],
      ['numbers.jsonl', [{ prompt: 'p', completion: 3 }], 'expected a string'],
    ];
    for (const [name, rows, message] of cases) {
      const file = await sdkUpload(api, dataFile(name, rows), 'fine-tune', false);
      expect(file.validation_report?.error, name).toContain(message);
    }
  });

  it('accepts a multipart POST /files/upload and refuses a bad one with 400 in the error envelope', async () => {
    const good = await multipart(
      { purpose: 'fine-tune', file_name: 'qa.jsonl' },
      'qa.jsonl',
      '{"prompt":"2+2?","completion":"4"}\n',
    );
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({
      filename: 'qa.jsonl',
      processing_status: 'COMPLETED',
      validation_report: { dataset_format: 'INSTRUCTION' },
    });
    expect((await api.files.retrieve(good.body.id)).id).toBe(good.body.id);

    const bad = await multipart({ purpose: 'fine-tune', file_name: 'bad.jsonl' }, 'bad.jsonl', 'not json\n');
    expect(bad).toEqual({
      status: 400,
      body: {
        error: { message: expect.stringContaining('line 1'), type: 'invalid_request_error', param: 'file', code: null },
      },
    });

    const parquet = await multipart({ purpose: 'fine-tune', file_name: 'data.parquet' }, 'data.parquet', 'PAR1');
    expect(parquet.status).toBe(400);
    expect(parquet.body.error.message).toContain('Parquet');
  });

  it('takes CSV for eval only, as the SDK check does', async () => {
    const csv = dataFile('scores.csv', ['question,answer', 'a,b', 'c,d']);
    expect((await sdkUpload(api, csv, 'eval')).processing_status).toBe('COMPLETED');
    const forTraining = await sdkUpload(api, csv, 'fine-tune', false);
    expect(forTraining.validation_report?.error).toContain('CSV files are not supported for fine-tune');
  });
});
