/**
 * Regression (tester's trial): an upload to Together whose file was stored was reported failed. The
 * read-back after the bytes arrived (`GET /files/{id}`) failing five times, or dropped, answered
 * UPSTREAM_UNAVAILABLE with no id, and the caller's retry stored the file twice. Now the read-back is
 * tried again within a call's deadline, and if it still fails the error says the file was stored and
 * names it (`extensions.fileId`, the message). And a `POST /files` whose answer was lost after
 * Together received it, or answered 500, said "unreachable": now UPSTREAM_OUTCOME_UNKNOWN. A PUT whose
 * answer was lost and whose clean-up failed too may have stored the file: the same, naming it.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTogetherClient } from '../../src/upstream/together/together-client.js';
import { startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import { gatewayMultipart } from '../harness/together-job.js';

const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
const JSONL = `${JSON.stringify({ prompt: 'What is 2 + 2?', completion: 'It is 4.' })}\n`;
const UPLOAD = 'mutation($file: Upload!) { uploadFile(file: $file) { id name bytes validationError } }';

const upload = (stack: Stack, name = 'qa.jsonl'): Promise<GraphQLResponse> =>
  gatewayMultipart(stack.gateway, UPLOAD, { file: null }, { 'variables.file': new File([JSONL], name) });

async function gql(stack: Stack, query: string, variables: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...TOGETHER },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

interface StoredFile {
  id: string;
  filename: string;
  bytes: number;
  processing_status: string;
}

/** The files the simulator holds for the demo account (asked after the spec has read its stats). */
async function storedFiles(stack: Stack): Promise<StoredFile[]> {
  const res = await fetch(`${stack.togetherSimulator!.apiBaseUrl}/files`, {
    headers: { authorization: 'Bearer demo-token' },
  });
  return ((await res.json()) as { data: StoredFile[] }).data;
}

const calls = (stack: Stack) =>
  Object.fromEntries(Object.entries(stack.togetherSimulator!.stats()).filter(([, n]) => n > 0));

describe('uploadFile on Together: the read-back of a stored file failing', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A short deadline: the read-back is tried again until it passes.
    stack = await startStack({ env: { UPSTREAM_DEADLINE_MS: '2000' } });
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    stack.togetherSimulator!.setFaults({});
    for (const file of await storedFiles(stack))
      await fetch(`${stack.togetherSimulator!.apiBaseUrl}/files/${file.id}`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer demo-token' },
      });
    stack.togetherSimulator!.resetStats();
  });

  it('five 503s to the read-back: the caller gets the file, stored once', async () => {
    stack.togetherSimulator!.setFaults({ route: 'GET /files/{id}', error: { count: 5, status: 503 } });
    const res = await upload(stack);
    expect(res.errors).toBeUndefined();
    expect(res.data?.uploadFile).toMatchObject({ name: 'qa.jsonl', bytes: JSONL.length, validationError: null });
    expect(res.data?.uploadFile.id).toMatch(/^together:file-/);
    // Three attempts of one read, then another read whose third attempt is answered.
    expect(calls(stack)).toEqual({ 'POST /files': 1, 'GET /files/{id}': 6 });
    const files = await storedFiles(stack);
    expect(files.map((f) => `together:${f.id}`)).toEqual([res.data?.uploadFile.id]);
  });

  it.each([
    ['503s', { error: { count: 1000, status: 503 as const } }],
    ['dropped connections', { drop: { count: 1000 } }],
  ])(
    'a read-back that keeps failing (%s): UPSTREAM_OUTCOME_UNKNOWN saying the file was stored, and its id',
    async (_, fault) => {
      stack.togetherSimulator!.setFaults({ route: 'GET /files/{id}', ...fault });
      const res = await upload(stack);
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      const [error] = res.errors!;
      const fileId = error!.extensions?.fileId as string;
      expect(error!.extensions).toMatchObject({
        code: 'UPSTREAM_OUTCOME_UNKNOWN',
        fileId: expect.stringMatching(/^together:file-/),
      });
      expect(error!.message).toContain(`The file was stored at Together as ${fileId} ("qa.jsonl")`);
      expect(error!.message).toContain(`Do not upload it again: ask for it with file(id: "${fileId}")`);
      expect(error!.message).not.toMatch(/(?<!together:)\bfile-[0-9a-f]{8}/);
      const made = calls(stack);
      expect(made['POST /files']).toBe(1);
      expect(made['GET /files/{id}']).toBeGreaterThan(3); // more than one read's three attempts
      expect(made['DELETE /files/{id}']).toBeUndefined();

      const files = await storedFiles(stack);
      expect(files).toEqual([expect.objectContaining({ filename: 'qa.jsonl', bytes: JSONL.length })]);
      expect(`together:${files[0]!.id}`).toBe(fileId);
      stack.togetherSimulator!.setFaults({});
      const read = await gql(stack, 'query($id: ID!) { file(id: $id) { id name validationError } }', { id: fileId });
      expect(read.data?.file).toEqual({ id: fileId, name: 'qa.jsonl', validationError: null });
    },
  );
});

describe('uploadFile on Together: the start (POST /files) answered or lost after Together received it', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.togetherSimulator!.setFaults({});
    stack.togetherSimulator!.resetStats();
  });

  it.each([
    [
      'a dropped connection',
      { drop: { count: 1, after: true } },
      /the request was sent but no answer came back \(\w+\)/,
    ],
    [
      'a 500',
      { error: { count: 1, status: 500 as const, after: true } },
      /answered HTTP 500 after receiving the request/,
    ],
  ])('%s is UPSTREAM_OUTCOME_UNKNOWN, not "unreachable", and nothing is retried', async (_, fault, how) => {
    const before = (await storedFiles(stack)).length;
    stack.togetherSimulator!.resetStats();
    stack.togetherSimulator!.setFaults({ route: 'POST /files', ...fault });
    const res = await upload(stack);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_OUTCOME_UNKNOWN' });
    expect(res.errors![0]!.message).toMatch(how);
    expect(res.errors![0]!.message).toMatch(
      /^POST \/files: .*may or may not have taken effect\. None of the file was sent/,
    );
    expect(res.errors![0]!.message).not.toMatch(/unreachable|Check `jobs`/);
    expect(calls(stack)).toEqual({ 'POST /files': 1 });
    // Together made the entry before the answer was lost: empty and pending, as the message says.
    const files = await storedFiles(stack);
    expect(files).toHaveLength(before + 1);
    expect(files.at(-1)).toMatchObject({ bytes: 0, processing_status: 'PENDING' });
  });
});

/**
 * A proxy in front of the Together simulator that loses the answer to the upload's PUT after the
 * simulator stored the bytes (the simulator's faults do not reach its upload URL). It sends the
 * upload URL through itself by rewriting the `Location` of `POST /files`.
 */
async function startPutDropper(): Promise<{ server: Server; origin: string; target: { origin: string } }> {
  const target = { origin: '' };
  const server = createServer((req, res) => {
    const to = new URL(req.url ?? '/', target.origin);
    const upstream = request(to, { method: req.method, headers: req.headers }, (answer) => {
      if (req.method === 'PUT') {
        answer.resume();
        answer.once('end', () => req.socket.destroy());
        return;
      }
      const headers = { ...answer.headers };
      if (typeof headers.location === 'string') headers.location = headers.location.replace(target.origin, origin);
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, target };
}

describe('uploadFile on Together: the PUT’s answer lost after the bytes were stored', () => {
  let stack: Stack;
  let proxy: Awaited<ReturnType<typeof startPutDropper>>;
  beforeAll(async () => {
    proxy = await startPutDropper();
    stack = await startStack({
      togetherClient: (options) => {
        const simulator = new URL(options.baseUrl);
        proxy.target.origin = simulator.origin;
        return createTogetherClient({ ...options, baseUrl: `${proxy.origin}${simulator.pathname}` });
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    proxy.server.closeAllConnections();
    await new Promise((resolve) => proxy.server.close(resolve));
  });
  beforeEach(() => {
    stack.togetherSimulator!.setFaults({});
    stack.togetherSimulator!.resetStats();
  });

  it('the clean-up failing too: UPSTREAM_OUTCOME_UNKNOWN naming the file, which is stored', async () => {
    stack.togetherSimulator!.setFaults({ route: 'DELETE /files/{id}', error: { count: 3, status: 503 } });
    const res = await upload(stack, 'lost-put.jsonl');
    expect(res.errors).toHaveLength(1);
    const [error] = res.errors!;
    const fileId = error!.extensions?.fileId as string;
    expect(error!.extensions).toMatchObject({
      code: 'UPSTREAM_OUTCOME_UNKNOWN',
      fileId: expect.stringMatching(/^together:file-/),
    });
    expect(error!.message).toMatch(
      /^PUT \/files\/\{id\}\/upload-url: .*\(\w+\)\. Deleting the file at Together afterwards failed too/,
    );
    expect(error!.message).toContain(`it may hold the upload, as ${fileId}. Check it with file(id: "${fileId}")`);
    expect(calls(stack)).toEqual({ 'POST /files': 1, 'DELETE /files/{id}': 3 });
    const stored = (await storedFiles(stack)).filter((f) => f.filename === 'lost-put.jsonl');
    expect(stored).toEqual([expect.objectContaining({ bytes: JSONL.length, processing_status: 'COMPLETED' })]);
    expect(`together:${stored[0]!.id}`).toBe(fileId);
  });

  it('the clean-up done: nothing is kept, and the message says so', async () => {
    const res = await upload(stack, 'deleted-put.jsonl');
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(res.errors![0]!.message).toMatch(/nothing is kept, and uploading the file again is safe\.$/);
    expect(calls(stack)).toEqual({ 'POST /files': 1, 'DELETE /files/{id}': 1 });
    expect((await storedFiles(stack)).filter((f) => f.filename === 'deleted-put.jsonl')).toEqual([]);
  });
});
