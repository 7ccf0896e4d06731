/** Percentiles and markdown tables for the benchmark's output. */

/** The p-th percentile (0–100, nearest rank) of the finite values, or NaN when there are none. */
export function percentile(values: Iterable<number>, p: number): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: Iterable<number>): number {
  return percentile(values, 50);
}

/** A number for a table: `digits` decimals below 10, fewer above, thousands separated; "–" for NaN. */
export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '–';
  const d = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? Math.min(digits, 1) : digits;
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${fmt(a / b, 2)}×` : '–';
}

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
