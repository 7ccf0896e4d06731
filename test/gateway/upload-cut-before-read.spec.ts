/**
 * Regression: a body cut too slow (src/server/upload-pace.ts) while busboy was parsing a file part
 * that no field had opened yet failed that part's stream with nobody listening: an uncaught exception,
 * which ends the gateway's process (main.ts exits on one). A part held to no size limit of the
 * gateway's (an operation that only runs `analyzeDataset`) had no other listener. The field that then
 * opened the part (reading it as the analysis does) waited for it forever. Now the part keeps its failure, and the field that opens it
 * gets the refusal, naming its input field. On a bare yoga, so that the field opens the part only
 * once the body has been cut.
 */
import type { Readable } from 'node:stream';
import { GraphQLScalarType } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import type { UploadedFile } from '../../src/resolvers/upload.js';
import { useStreamingUploads } from '../../src/server/use-streaming-uploads.js';

const WINDOW_MS = 200;

/**
 * The bytes of `stream`, read as the analysis reads a part (listeners, not an async iterator, which
 * would see an error emitted before it started); fails when the stream neither ends nor fails in time.
 */
function length(stream: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const timer = setTimeout(() => reject(new Error('the part neither ended nor failed')), 2_000);
    stream
      .on('data', (chunk: Buffer) => (bytes += chunk.length))
      .once('end', () => resolve(bytes))
      .once('error', reject);
    stream.once('close', () => clearTimeout(timer));
  });
}

const yoga = createYoga({
  multipart: false,
  logging: false,
  maskedErrors: false,
  plugins: [
    useStreamingUploads({
      maxFileBytes: 1000,
      maxAnalyzeBytes: 1_000_000, // only `analyzeDataset` runs: the part is held to no limit of the gateway's
      pace: { minBytesPerSecond: 1000, windowMs: WINDOW_MS },
    }),
  ],
  schema: createSchema({
    typeDefs:
      'scalar Upload\ninput AnalyzeDatasetInput { trainingFile: Upload! }\n' +
      'type Query { analyzeDataset(input: AnalyzeDatasetInput!): String }',
    resolvers: {
      Upload: new GraphQLScalarType({ name: 'Upload', parseValue: (value) => value }),
      Query: {
        analyzeDataset: async (_root: unknown, args: { input: { trainingFile: UploadedFile } }) => {
          // Opened only once the stalled body has been cut (a few windows of the pace).
          await new Promise((resolve) => setTimeout(resolve, 5 * WINDOW_MS));
          return String(await length(await args.input.trainingFile.open()));
        },
      },
    },
  }),
});

const BOUNDARY = 'cut-before-read-boundary';
const field = (name: string, value: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

describe('a body cut too slow while a part nobody opened yet is parsed', () => {
  it('ends nothing but the request: the field that opens the part gets the refusal naming trainingFile', async () => {
    const data =
      field(
        'operations',
        JSON.stringify({
          query: 'query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) }',
          variables: { input: { trainingFile: null } },
        }),
      ) +
      field('map', JSON.stringify({ 0: ['variables.input.trainingFile'] })) +
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="0"; filename="t.csv"\r\ncontent-type: text/csv\r\n\r\n` +
      `question,answer\n${'"a question?","an answer."\n'.repeat(40)}`;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode(data)), // then stalls
    });
    const response = await yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(408);
    expect(await response.json()).toEqual({
      data: { analyzeDataset: null },
      errors: [
        expect.objectContaining({
          message: expect.stringMatching(
            /^trainingFile: the upload arrived too slowly and was cut: \d+ bytes in the last 0\.2 s, below the minimum of 1000 bytes\/s/,
          ),
          path: ['analyzeDataset'],
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'trainingFile' }),
        }),
      ],
    });
  });
});
