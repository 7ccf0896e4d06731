/**
 * Gives back, once the gateway is ready, the memory its start-up allocated and no longer holds. Start-up
 * grows V8's young generation (`--max-semi-space-size=64` lets it), and an idle process keeps it until
 * V8's memory reducer runs, about 25 s later: the production start idled at 105 MiB (remote upstream)
 * and 110 MiB (embedded simulators) 3 s after it was ready on Node 22, the container's runtime. One
 * last-resort collection at ready (`gc({ flavor: 'last-resort' })`, the collection V8 makes under
 * memory pressure, which shrinks the young generation) brings it to 92 and 93 MiB (bench/RESULTS.md,
 * issue 22). It pauses the process once, about 55 ms (two compacting collections, `--trace-gc`), just
 * after it is ready: a request that arrives in that moment waits that much.
 *
 * It needs `gc`, which `--expose-gc` gives (`npm start` and the container's command pass it), and V8 12
 * or newer (Node 22): on V8 11 (Node 20) the same call left the process 3 MiB larger, not smaller, so it
 * is not made there.
 */
type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** The V8 major version from which a last-resort collection shrinks the young generation. */
const FIRST_V8 = 12;

/** Makes the collection when it helps; answers whether it was made. */
export function releaseStartupMemory(
  gc: Gc | undefined = (globalThis as { gc?: Gc }).gc,
  v8Version: string = process.versions.v8,
): boolean {
  if (typeof gc !== 'function' || Number.parseInt(v8Version, 10) < FIRST_V8) return false;
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}
