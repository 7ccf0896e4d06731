/**
 * A proxy in front of the simulator that can hold requests back: `hold(pattern, count)` keeps every
 * request whose `METHOD path` matches until `count` of them have arrived, then lets them all through.
 * A query that makes those calls one after the other never gets its first answer, so it can only
 * succeed if all `count` calls were in flight at once: concurrency proved by counting, not by timing.
 */
import { startSimulatorProxy } from './simulator-proxy.js';

export interface GatedUpstream {
  /** The simulator's `apiBaseUrl`, through the proxy. */
  apiBaseUrl: string;
  /** Holds the next `count` requests matching `pattern` until all of them have arrived. */
  hold(pattern: RegExp, count: number): void;
  close(): Promise<void>;
}

export async function startGatedUpstream(simulatorOrigin: string): Promise<GatedUpstream> {
  const gates: Array<{ pattern: RegExp; count: number; waiting: Array<() => void> }> = [];
  const proxy = await startSimulatorProxy(simulatorOrigin, (req, res, forward) => {
    const line = `${req.method} ${req.url}`;
    const gate = gates.find((g) => g.pattern.test(line) && g.waiting.length < g.count);
    if (!gate) return forward(req, res);
    req.pause();
    gate.waiting.push(() => {
      req.resume();
      forward(req, res);
    });
    if (gate.waiting.length === gate.count) {
      gates.splice(gates.indexOf(gate), 1);
      for (const release of gate.waiting) release();
    }
  });
  return {
    ...proxy,
    hold: (pattern, count) => void gates.push({ pattern, count, waiting: [] }),
  };
}
