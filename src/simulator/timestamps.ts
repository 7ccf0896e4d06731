/**
 * Timestamps as the live service wrote them: ISO-8601 with microseconds ("2026-01-14T14:57:45.376538Z").
 * The clock gives milliseconds since the epoch, possibly fractional; the fraction supplies the microseconds.
 */
export function formatTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.floor((ms - whole) * 1000));
  return `${new Date(whole).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/**
 * Default clock: wall time with sub-millisecond precision, so that timestamps carry real microseconds
 * (Date.now would always print "000" in the last three digits). Same epoch and unit as Date.now.
 */
export const systemClock = (): number => performance.timeOrigin + performance.now();
