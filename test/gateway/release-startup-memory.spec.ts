/**
 * The collection the gateway makes once ready (src/server/release-startup-memory.ts): made only with
 * `gc` exposed and on V8 12 or newer, where its last-resort flavor shrinks the young generation; on
 * V8 11 (Node 20) a plain full collection was measured to leave the process larger, so none is made.
 * What it gives back is measured by `npm run bench:idle` (bench/RESULTS.md), not here.
 */
import { describe, expect, it, vi } from 'vitest';
import { releaseStartupMemory } from '../../src/server/release-startup-memory.js';

describe('giving back the start-up memory once ready', () => {
  it("makes one last-resort collection on V8 12 and newer (Node 22's 12.4, Node 24's 13.6)", () => {
    for (const version of ['12.4.254.21-node.33', '13.6.233.10-node.27']) {
      const gc = vi.fn();
      expect(releaseStartupMemory(gc, version)).toBe(true);
      expect(gc.mock.calls).toEqual([[{ type: 'major', execution: 'sync', flavor: 'last-resort' }]]);
    }
  });

  it("makes none on V8 11 (Node 20), nor without --expose-gc's gc", () => {
    const gc = vi.fn();
    expect(releaseStartupMemory(gc, '11.3.244.8-node.33')).toBe(false);
    expect(releaseStartupMemory(undefined, '12.4.254.21-node.33')).toBe(false);
    expect(gc).not.toHaveBeenCalled();
  });

  it("reads this process's V8 and its gc by default (none here: vitest does not expose it)", () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    expect(releaseStartupMemory()).toBe(false);
  });
});
