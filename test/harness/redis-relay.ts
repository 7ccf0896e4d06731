/** A TCP relay (tcp-relay.ts) to the real Redis at REDIS_URL, with the URL to reach it through. */
import { REDIS_URL } from './redis-available.js';
import { tcpRelay, type TcpRelay } from './tcp-relay.js';

export function redisRelay(): TcpRelay & { url(): string } {
  const target = new URL(REDIS_URL);
  const relay = tcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
  return { ...relay, url: () => `redis://127.0.0.1:${relay.port()}` };
}
