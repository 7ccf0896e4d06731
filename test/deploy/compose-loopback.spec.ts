/**
 * compose.yaml runs its gateways in single-tenant mode: anyone who reaches the balancer spends the
 * default credentials, since any client can send `Host: localhost` (the Host rule stops web pages, not
 * other clients; trial 3). So every port it publishes is published on loopback only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  ports?: string[];
  environment?: Record<string, string>;
}

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('runs its gateways in single-tenant mode, and publishes every port on 127.0.0.1 only', () => {
    const gateways = Object.entries(compose.services).filter(([name]) => /^gateway-\d+$/.test(name));
    expect(gateways.map(([, s]) => s.environment?.GATEWAY_SINGLE_TENANT)).toEqual(['true', 'true']);
    const published = Object.entries(compose.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((port): [string, string] => [name, String(port)]),
    );
    expect(published).toContainEqual(['lb', '127.0.0.1:8080:8080']);
    expect(published.filter(([, port]) => !port.startsWith('127.0.0.1:'))).toEqual([]);
  });
});
