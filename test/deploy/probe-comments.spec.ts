/**
 * What the Dockerfile's and the Deployment's comments say `/readyz` does is what it does (trial 3):
 * they said it is 503 while Redis cannot be reached, which would have an operator tune probes for an
 * outage that never takes a replica out. It is 503 while the instance drains (or while Redis refuses
 * REDIS_URL's database); while Redis (or the webhook database) cannot be reached it stays 200 and says
 * what is degraded (src/server/readiness-response.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { degradedOnly, readinessResponse } from '../../src/server/readiness-response.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The comment lines right above the first line `line` matches, as one text. */
function commentAbove(file: string, line: RegExp): string {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const at = lines.findIndex((l) => line.test(l));
  expect(at, `${file}: ${line}`).toBeGreaterThan(0);
  const comment: string[] = [];
  for (let i = at - 1; i >= 0 && /^\s*#/.test(lines[i]!); i--) comment.unshift(lines[i]!.replace(/^\s*#\s?/, ''));
  return comment.join(' ');
}

describe("the probes' comments", () => {
  it('/readyz is 200 (degraded) while Redis cannot be reached, 503 while draining', async () => {
    const unreachable = readinessResponse(degradedOnly('Redis (REDIS_URL) cannot be reached.'), [], globalThis);
    expect(unreachable.status).toBe(200);
    expect(await unreachable.json()).toMatchObject({ ready: true, degraded: 'Redis (REDIS_URL) cannot be reached.' });
    expect(readinessResponse('Draining: the gateway is shutting down.', [], globalThis).status).toBe(503);
  });

  it.each([
    ['Dockerfile', /^HEALTHCHECK /],
    ['deploy/kubernetes/deployment.yaml', /^\s*readinessProbe:/],
  ])('%s says so', (file, line) => {
    const comment = commentAbove(file, line);
    expect(comment).not.toMatch(/503 while Redis is\s+unreachable|cannot reach Redis/);
    expect(comment).toMatch(/\/readyz is 503 while the instance drains|while it drains/);
    expect(comment).toMatch(/While Redis[^.]* cannot be reached \/readyz stays 200/);
    expect(comment).toContain('`degraded`');
  });
});
