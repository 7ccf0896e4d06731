/**
 * A proxy in front of the simulator that, when armed, answers the next requests itself with a 400
 * whose message quotes what it received: the JSON body (so a token in it comes back JSON-escaped),
 * the Authorization header raw and base64-encoded, and the body URL-encoded. The worst an upstream
 * could do with an error message.
 */
import type { IncomingMessage } from 'node:http';
import { startSimulatorProxy } from './simulator-proxy.js';

export interface EchoingUpstream {
  /** Base URL to give the upstream client, up to `/api/v1`. */
  apiBaseUrl: string;
  /** The next `n` API requests are answered with an echo instead of reaching the simulator. */
  echoNext(n: number): void;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startEchoingUpstream(simulatorOrigin: string): Promise<EchoingUpstream> {
  let echoes = 0;
  const proxy = await startSimulatorProxy(simulatorOrigin, async (req, res, forward) => {
    const body = await bodyOf(req);
    if (echoes > 0) {
      echoes -= 1;
      const auth = req.headers.authorization ?? '';
      const text = body.toString('utf8').slice(0, 300);
      const message = `cannot process ${text} for ${auth} (${Buffer.from(auth).toString('base64')}) ${encodeURIComponent(text)}`;
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'invalid_argument', message }));
      return;
    }
    forward(req, res, body);
  });
  return {
    ...proxy,
    echoNext(n) {
      echoes = n;
    },
  };
}
