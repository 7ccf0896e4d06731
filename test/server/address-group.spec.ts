/**
 * Per-address limits count an IPv6 client by its /64: one host is routinely given a whole /64, and
 * counted by exact address it could open MAX_CONNECTIONS_PER_ADDRESS connections from each of 2^64
 * addresses, and spend a fresh rate-limit quota from each. IPv4 clients, and the IPv4-mapped addresses
 * a dual-stack listener reports for them, stay apart.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressGroup } from '../../src/server/address-group.js';
import { limitConnections } from '../../src/server/connection-limits.js';
import { addressKey } from '../../src/server/rate-limit-key.js';

describe('addressGroup', () => {
  it.each([
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::7', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0:0:0:1', '2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::1.2.3.4', '64:ff9b:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
    ['unknown', 'unknown'],
  ])('%s → %s', (address, group) => expect(addressGroup(address)).toBe(group));
});

/** A socket as the server's `connection` listeners see it. */
function socketFrom(remoteAddress: string) {
  const socket = Object.assign(new EventEmitter(), { remoteAddress, destroyed: false, destroy: () => {} });
  socket.destroy = () => {
    socket.destroyed = true;
    socket.emit('close');
  };
  return socket;
}

describe('MAX_CONNECTIONS_PER_ADDRESS', () => {
  const limits = {
    maxConnections: 100,
    maxConnectionsPerAddress: 2,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 300_000,
    bodyTimeoutMs: 15_000,
    unauthenticatedSocketIdleMs: 30_000,
  };

  it('counts the addresses of one IPv6 /64 together; another /64 and IPv4-mapped clients apart', () => {
    const server = createServer();
    const refused: string[] = [];
    const count = limitConnections(server, limits, (limit) => refused.push(limit));
    const connect = (address: string) => {
      const socket = socketFrom(address);
      server.emit('connection', socket as unknown as Socket);
      return socket;
    };
    const first = [connect('2001:db8:1:2::1'), connect('2001:db8:1:2:ffff::9')];
    const third = connect('2001:db8:1:2:abcd::42');
    expect(first.map((s) => s.destroyed)).toEqual([false, false]);
    expect(third.destroyed).toBe(true);
    expect(refused).toEqual(['max_connections_per_address']);

    const others = [connect('2001:db8:1:3::1'), connect('::ffff:127.0.0.1'), connect('::ffff:127.0.0.2')];
    expect(others.map((s) => s.destroyed)).toEqual([false, false, false]);
    expect(count.open()).toBe(5);

    first[0]!.destroy(); // one of the /64's closes: it may connect again
    expect(connect('2001:db8:1:2::77').destroyed).toBe(false);
    server.close();
  });
});

describe('the rate limit and per-caller bounds of callers without a token', () => {
  it('key an IPv6 client by its /64, from the socket or a trusted X-Forwarded-For', () => {
    const key = (remoteAddress: string, forwardedFor?: string) =>
      addressKey({ token: null, remoteAddress, forwardedFor }, forwardedFor !== undefined);
    expect(key('2001:db8:1:2::1')).toBe(key('2001:db8:1:2:ffff::9'));
    expect(key('2001:db8:1:2::1')).not.toBe(key('2001:db8:1:3::1'));
    expect(key('10.0.0.1', '198.51.100.7, 2001:db8:9:9::5')).toBe(key('2001:db8:9:9:1::1'));
    expect(key('127.0.0.1')).not.toBe(key('127.0.0.2'));
  });
});
