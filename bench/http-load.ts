/**
 * The load generator of the throughput benchmark: HTTP/1.1 requests over an undici Pool of
 * keep-alive connections, closed loop (each connection sends its next request when the last one is
 * answered: the most the server can do) or open loop (requests sent at a fixed rate whatever the
 * answers, latency counted from when each was due, so a stall is not hidden by fewer requests).
 *
 * Every answer is checked: status 200, and the body either equal to the first answer that passed
 * the target's validator (the upstream's data is fixed, so a correct answer never changes) or, if it
 * differs, passing the validator itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface LoadTarget {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** A problem with an answer's body, or undefined when it is right. */
  validate(body: string): string | undefined;
}

export interface LoadResult {
  requests: number;
  /** Answers checked (all of them, unless the harness itself is wrong). */
  checked: number;
  failures: number;
  firstFailure?: string;
  /** Wall time from the first request to the last answer, in seconds. */
  seconds: number;
  /** Per request, in ms: from sent (closed loop) or due (open loop) to answered. */
  latencies: Float64Array;
}

export interface Checker {
  check(status: number, body: Buffer): string | undefined;
}

export function createChecker(target: LoadTarget): Checker {
  let reference: Buffer | undefined;
  return {
    check(status, body) {
      if (status !== 200) return `status ${status}: ${body.toString().slice(0, 300)}`;
      if (reference?.equals(body)) return undefined;
      const problem = target.validate(body.toString());
      if (problem === undefined) reference ??= body;
      return problem;
    },
  };
}

export function createPool(url: string, connections: number): Pool {
  return new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 });
}

async function once(pool: Pool, target: LoadTarget): Promise<{ status: number; body: Buffer }> {
  const answer = await pool.request({
    method: target.method,
    path: target.path,
    headers: target.headers,
    body: target.body ?? null,
  });
  return { status: answer.statusCode, body: Buffer.from(await answer.body.arrayBuffer()) };
}

class Recorder {
  requests = 0;
  checked = 0;
  failures = 0;
  firstFailure: string | undefined;
  latencies: number[] = [];
  constructor(private readonly checker: Checker) {}
  async send(pool: Pool, target: LoadTarget, since: number): Promise<void> {
    this.requests += 1;
    let problem: string | undefined;
    try {
      const { status, body } = await once(pool, target);
      this.latencies.push(performance.now() - since);
      problem = this.checker.check(status, body);
      this.checked += 1;
    } catch (error) {
      problem = `request failed: ${String(error)}`;
    }
    if (problem !== undefined) {
      this.failures += 1;
      this.firstFailure ??= problem;
    }
  }
  result(seconds: number): LoadResult {
    return {
      requests: this.requests,
      checked: this.checked,
      failures: this.failures,
      ...(this.firstFailure ? { firstFailure: this.firstFailure } : {}),
      seconds,
      latencies: Float64Array.from(this.latencies),
    };
  }
}

/** `connections` loops, each sending its next request as soon as the last is answered, for `durationMs`. */
export async function closedLoop(
  pool: Pool,
  target: LoadTarget,
  checker: Checker,
  connections: number,
  durationMs: number,
): Promise<LoadResult> {
  const recorder = new Recorder(checker);
  const start = performance.now();
  const end = start + durationMs;
  const loop = async () => {
    while (performance.now() < end) await recorder.send(pool, target, performance.now());
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return recorder.result((performance.now() - start) / 1000);
}

/** Requests at `rate` per second for `durationMs`, whatever the answers; latency from when each was due. */
export async function openLoop(
  pool: Pool,
  target: LoadTarget,
  checker: Checker,
  rate: number,
  durationMs: number,
): Promise<LoadResult> {
  const recorder = new Recorder(checker);
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const gap = 1000 / rate;
  const start = performance.now();
  const inFlight: Array<Promise<void>> = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / gap) + 1);
    for (; sent < due; sent += 1) inFlight.push(recorder.send(pool, target, start + sent * gap));
    await sleep(1);
  }
  await Promise.all(inFlight);
  return recorder.result((performance.now() - start) / 1000);
}
