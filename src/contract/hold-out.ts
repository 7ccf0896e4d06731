/**
 * With no validation file the service holds out 1% of the training rows for evaluation [doc]: the
 * last rows of the file, at least one when there are two or more [ours].
 */
export function heldOutRows(rows: number): number {
  return rows < 2 ? 0 : Math.max(1, Math.round(rows * 0.01));
}
