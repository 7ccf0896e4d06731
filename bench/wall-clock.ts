/**
 * Wall time in milliseconds since the epoch, with the sub-millisecond precision of the monotonic
 * clock: the fleet benchmark's processes (load generator, upstream) stamp events with it, and the
 * stamps of one machine's processes compare.
 */
export const wallNow = (): number => performance.timeOrigin + performance.now();
