/**
 * Issue 17, item 7: a trusted document sent by hash alone over WebSocket runs, as the README allows.
 * graphql-ws refused the message (no `query` string) by closing the whole socket with 4400, every
 * other operation on it included. Sent with a plain `ws` socket: graphql-ws's own client refuses to
 * send such a message.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadTrustedDocuments } from '../../src/server/load-trusted-documents.js';
import { sha256Hex } from '../../src/server/sha256-hex.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';

const QUERY = '{ baseModels { id } }';
const HASH = sha256Hex(QUERY);
const byHash = (sha256Hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash } } });

interface Conversation {
  send(message: Record<string, unknown>): void;
  /** The messages received for operation `id`, once it has ended (`complete` or `error`). */
  ended(id: string): Promise<any[]>;
  closeCode: () => number | null;
  socket: WebSocket;
}

async function converse(url: string): Promise<Conversation> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const received: any[] = [];
  let code: number | null = null;
  socket.on('message', (data) => received.push(JSON.parse(String(data))));
  socket.on('close', (c) => (code = c));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(
    JSON.stringify({
      type: 'connection_init',
      payload: { authorization: `Bearer ${DEMO.token}`, organizationId: DEMO.organizationId },
    }),
  );
  await eventually(() => (received.some((m) => m.type === 'connection_ack') ? true : undefined));
  return {
    socket,
    send: (message) => socket.send(JSON.stringify(message)),
    ended: (id) =>
      eventually(
        () => {
          if (code !== null) throw new Error(`socket closed with ${code}`);
          const mine = received.filter((m) => m.id === id);
          return mine.some((m) => m.type === 'complete' || m.type === 'error') ? mine : undefined;
        },
        10_000,
        `the end of operation ${id}`,
      ),
    closeCode: () => code,
  };
}

describe('hash-only operations over WebSocket', () => {
  let trusted: Stack;
  let open: Stack;
  beforeAll(async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'trusted-ws-')), 'trusted-documents.json');
    await writeFile(file, JSON.stringify({ [HASH]: QUERY }));
    trusted = await startStack({ http: true, gateway: { trustedDocuments: await loadTrustedDocuments(file) } });
    open = await startStack({ http: true });
  });
  afterAll(async () => {
    await trusted.close();
    await open.close();
  });

  it('runs a trusted document sent by its hash alone, and refuses an unknown hash without closing the socket', async () => {
    const ws = await converse(trusted.server!.url);
    try {
      ws.send({ id: '1', type: 'subscribe', payload: byHash(HASH) });
      const [next, complete] = await ws.ended('1');
      expect(next.type).toBe('next');
      expect(next.payload.data.baseModels.length).toBeGreaterThan(0);
      expect(complete).toEqual({ id: '1', type: 'complete' });

      ws.send({ id: '2', type: 'subscribe', payload: byHash(sha256Hex('{ datasets { id } }')) });
      const [refused] = await ws.ended('2');
      expect(refused.type).toBe('error');
      expect(refused.payload[0]).toMatchObject({
        message: expect.stringMatching(/^No trusted document has the hash/),
        extensions: { code: 'FORBIDDEN' },
      });

      ws.send({ id: '3', type: 'subscribe', payload: { query: QUERY } });
      expect((await ws.ended('3'))[0].payload).toEqual(next.payload);
      expect(ws.closeCode()).toBeNull();
    } finally {
      ws.socket.close();
    }
  });

  it('outside trusted-documents mode, refuses a hash alone with BAD_USER_INPUT and keeps the socket', async () => {
    const ws = await converse(open.server!.url);
    try {
      ws.send({ id: '1', type: 'subscribe', payload: byHash(HASH) });
      const [refused] = await ws.ended('1');
      expect(refused).toEqual({
        id: '1',
        type: 'error',
        payload: [
          {
            message:
              'Send the operation\'s text in "query": a hash alone (extensions.persistedQuery) runs over WebSocket only in trusted-documents mode (TRUSTED_DOCUMENTS_FILE).',
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
      });
      ws.send({ id: '2', type: 'subscribe', payload: { query: '{ __typename }' } });
      expect((await ws.ended('2'))[0]).toEqual({ id: '2', type: 'next', payload: { data: { __typename: 'Query' } } });
    } finally {
      ws.socket.close();
    }
  });
});
