/**
 * Regression: `uploadFile` on Together with a CSV under MAX_UPLOAD_BYTES whose JSONL is over the
 * (embedded) Together upload limit answered "file: The file is larger than the 262144-byte upload
 * limit." of a 240 KB file, or a broken connection. Now the answer is BAD_USER_INPUT on `file` naming
 * the CSV→JSONL conversion, the sizes and the limit: at once when the client knows the limit, from
 * Together's 413 otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTogetherClient } from '../../src/upstream/together/together-client.js';
import { startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import { gatewayUpload } from '../harness/together-job.js';

const LIMIT = 256 * 1024;
let told: Stack;
let untold: Stack;
beforeAll(async () => {
  // The gateway's limit is the embedded simulator's, and the gateway hands it to the Together client;
  // `untold` takes it away, as for a remote Together whose limit the client does not know.
  told = await startStack({ gateway: { maxUploadBytes: LIMIT } });
  untold = await startStack({
    gateway: { maxUploadBytes: LIMIT },
    togetherClient: ({ maxUploadBytes: _, ...options }) => createTogetherClient(options),
  });
});
afterAll(async () => {
  await told.close();
  await untold.close();
});

// 1,200 rows of a short prompt and a 100-line answer: 246,014 bytes of CSV, 397,200 of JSONL.
const CSV = `prompt,answer\n${`q,"${'x\n'.repeat(100)}"\n`.repeat(1200)}`;

/** `CSV` uploaded to Together as `grow.csv`, in-process through `stack`'s gateway. */
const upload = (stack: Stack): Promise<GraphQLResponse> => gatewayUpload(stack.gateway, new File([CSV], 'grow.csv'));

describe('uploadFile on Together: a CSV that outgrows the limit once converted', () => {
  it('is BAD_USER_INPUT on file naming the conversion, both sizes and the limit', async () => {
    expect(Buffer.byteLength(CSV)).toBe(246_014);
    const res = await upload(told);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(res.errors![0]!.message).toBe(
      'file: grow.csv: too large once converted to JSONL: its 246,014 bytes of CSV make 397,200 bytes of ' +
        "JSONL, over Together's upload limit of 262,144 bytes. Together fine-tunes on JSONL only, and the " +
        'CSV→JSONL conversion writes each row as {"prompt": …, "completion": …}, escaping quotes, ' +
        'backslashes and line breaks, which makes the file larger; split the CSV into files of at most ' +
        'about 162,364 bytes each.',
    );
  });

  it('without the limit handed to the client, Together’s refusal still names the conversion', async () => {
    const res = await upload(untold);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(res.errors![0]!.message).toMatch(
      /^file: grow\.csv: too large once converted to JSONL: Together refused it as over its upload limit \("The file is larger than the 262144-byte upload limit\."\) once the conversion had made [\d,]+ bytes of JSONL\. Together fine-tunes on JSONL only/,
    );
  });
});
