/**
 * Request body limits over real HTTP, on the gateway as `npm start` runs it (embedded simulator, whose
 * upload limit follows the gateway's): uploads up to MAX_UPLOAD_BYTES pass with a Content-Length and
 * chunked; past it, and past MAX_REQUEST_BODY_BYTES for a plain JSON request, the client reads an
 * HTTP 413 with BAD_USER_INPUT naming the limit and its setting: never a hang, never a reset.
 *
 * What broke: yoga's own 25 MB body limit answered a 30 MB CSV with 413, and the same upload sent
 * chunked hung until the client gave up; a JSON request body had no limit of its own below 25 MB.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { csvOf, multipartUpload, paddedJson, streamedPost } from '../harness/streamed-post.js';

const MODES = [
  { mode: 'with a Content-Length', chunked: false },
  { mode: 'chunked', chunked: true },
] as const;

function start(env: Record<string, string>): Promise<RunningGateway> {
  return startFromConfig(
    loadConfig({ PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }),
    pino({ level: 'silent' }),
  );
}

describe('at the default limits', () => {
  let running: RunningGateway;
  beforeAll(async () => {
    running = await start({});
  });
  afterAll(() => running.close());

  describe.each(MODES)('$mode', ({ chunked }) => {
    it("uploads a CSV past yoga's 25 MB default (25.1 MB) to the upstream", async () => {
      const csv = csvOf(25_100_000);
      const answer = await streamedPost(running.url, multipartUpload('big.csv', csv), { chunked });
      expect(answer.body.errors).toBeUndefined();
      expect(answer).toEqual({ status: 200, body: { data: { uploadFile: { name: 'big.csv', bytes: csv.bytes } } } });
    }, 60_000);

    it('refuses a JSON request body past 1 MiB with 413 naming MAX_REQUEST_BODY_BYTES', async () => {
      const before = running.simulator!.stats();
      const answer = await streamedPost(running.url, paddedJson(1024 * 1024 + 1), { chunked });
      expect(answer.status).toBe(413);
      expect(answer.body.errors).toEqual([
        {
          message:
            'The request body is larger than the limit of 1048576 bytes (MAX_REQUEST_BODY_BYTES) for a GraphQL request; send files as a multipart upload',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      expect(running.simulator!.stats()).toEqual(before);
    });

    it('answers a JSON request body just under 1 MiB', async () => {
      const answer = await streamedPost(running.url, paddedJson(1024 * 1024 - 100), { chunked });
      expect(answer).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
    });
  });
});

describe('at configured limits', () => {
  // The limit is set to a whole number of CSV rows, so that one file is exactly at it.
  const atLimit = csvOf(256 * 1024);
  let running: RunningGateway;
  beforeAll(async () => {
    running = await start({ MAX_UPLOAD_BYTES: String(atLimit.bytes), MAX_REQUEST_BODY_BYTES: '4096' });
  });
  afterAll(() => running.close());

  describe.each(MODES)('$mode', ({ chunked }) => {
    it('uploads a file of exactly MAX_UPLOAD_BYTES through the embedded simulator, whose limit follows it', async () => {
      const answer = await streamedPost(running.url, multipartUpload('exact.csv', atLimit), { chunked });
      expect(answer).toEqual({
        status: 200,
        body: { data: { uploadFile: { name: 'exact.csv', bytes: atLimit.bytes } } },
      });
    });

    it('refuses a file past MAX_UPLOAD_BYTES with 413 naming the limit and the setting, and reads on', async () => {
      // Eight times the limit: the rest of the body is still arriving when the answer is ready.
      const answer = await streamedPost(running.url, multipartUpload('over.csv', csvOf(8 * atLimit.bytes)), {
        chunked,
      });
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({
        data: null,
        errors: [
          expect.objectContaining({
            message: `file: "over.csv" is larger than the upload limit of ${atLimit.bytes} bytes (MAX_UPLOAD_BYTES)`,
            extensions: { code: 'BAD_USER_INPUT', field: 'file' },
          }),
        ],
      });
      // The connection was drained, not cut: the next upload is answered.
      const next = await streamedPost(running.url, multipartUpload('next.csv', csvOf(1000)), { chunked });
      expect(next.status).toBe(200);
    });

    it('refuses a JSON request body past MAX_REQUEST_BODY_BYTES with 413 naming its setting', async () => {
      const answer = await streamedPost(running.url, paddedJson(5000), { chunked });
      expect(answer).toEqual({
        status: 413,
        body: {
          errors: [
            expect.objectContaining({
              message: expect.stringContaining('limit of 4096 bytes (MAX_REQUEST_BODY_BYTES)'),
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ],
        },
      });
    });
  });
});
