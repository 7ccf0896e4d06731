/**
 * Regression: a valid 20 MiB CSV could not be uploaded on the simulator. It echoed each long cell of
 * the first rows whole as a sample value, the File answer outgrew the client's 8 MiB response cap, and
 * the user read `UPSTREAM_ERROR "POST /files: the response is larger than 8388608 bytes."`, with no
 * word on what to do. Sample values are now cut where they are made, and an answer too large to read
 * says whether the request took effect and who can lift the limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_CHARS } from '../../src/simulator/csv-table.js';
import { QA_CSV } from '../harness/fixtures.js';
import { postGraphQL, uploadCsv } from '../harness/http-client.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('answers too large to read', () => {
  it('uploads a valid CSV whose first rows hold multi-megabyte answers, with short sample values', async () => {
    stack = await startStack({
      http: true,
      gateway: { maxUploadBytes: 32 * 1024 * 1024 },
      simulator: { maxUploadBytes: 32 * 1024 * 1024 },
    });
    const long = (i: number) => `${'A long answer, a whole document. '.repeat(64 * 1024)}${i}`; // 2 MiB each
    const csv = `question,answer\n${Array.from({ length: 6 }, (_, i) => `"Question ${i}?","${long(i)}"`).join('\n')}\n`;
    expect(Buffer.byteLength(csv)).toBeGreaterThan(12 * 1024 * 1024);

    const res = await uploadCsv(stack.server!.url, 'documents.csv', csv, DEMO);
    expect(res.errors).toBeUndefined();
    const [question, answer] = res.data!.uploadFile.columns as Array<{ name: string; sampleValues: string[] }>;
    expect(question!.sampleValues).toEqual(['Question 0?', 'Question 1?', 'Question 2?', 'Question 3?', 'Question 4?']);
    expect(answer!.sampleValues).toHaveLength(5);
    for (const value of answer!.sampleValues) {
      expect(Array.from(value)).toHaveLength(SAMPLE_CHARS);
      expect(value).toMatch(/^A long answer, a whole document\. .*…$/);
    }
    expect(res.data!.uploadFile.bytes).toBe(Buffer.byteLength(csv));
  }, 60_000);

  it('says that an upload the service stored was carried out, and who can raise the limit', async () => {
    stack = await startStack({ http: true, client: { maxResponseBytes: 200 } });
    const res = await uploadCsv(stack.server!.url, 'qa.csv', QA_CSV, DEMO);
    expect(res.errors?.[0]).toMatchObject({
      message:
        "POST /files: the response is larger than 200 bytes. The service did carry the request out (HTTP 201): only its answer could not be read, so do not send it again as it is; tell the gateway's operator, who can raise the upstream client's maxResponseBytes.",
      extensions: { code: 'UPSTREAM_ERROR' },
    });
  });

  it('says that a read changed nothing', async () => {
    stack = await startStack({ http: true, client: { maxResponseBytes: 200 } });
    const res = await postGraphQL(stack.server!.url, '{ baseModels { id } }', {}, DEMO);
    expect(res.errors?.[0]?.message).toBe(
      "GET /base-models: the response is larger than 200 bytes. Nothing was changed, and asking again gets the same answer: tell the gateway's operator, who can raise the upstream client's maxResponseBytes.",
    );
  });
});
