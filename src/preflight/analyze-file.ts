/**
 * One CSV file through the analysis: streamed to a worker of the pool, which reads, checks, counts
 * and tallies it (file-analysis.ts); here only the outcome is turned into the file's report, or into
 * the input error that explains why the file cannot be analysed.
 */
import type { Readable } from 'node:stream';
import type { FileAnalysisOptions, FileOutcome } from './file-analysis.js';
import { AnalysisInputError } from './input-error.js';
import type { TokenPool } from './token-pool.js';

export interface AnalyzeFileOptions extends Omit<FileAnalysisOptions, 'holdOut'> {
  pool: TokenPool;
  signal?: AbortSignal;
}

export async function analyzeFile(
  input: Readable,
  options: AnalyzeFileOptions,
  holdOut: boolean,
): Promise<FileOutcome> {
  const { pool, signal, ...fileOptions } = options;
  const outcome = await pool.analyze({ ...fileOptions, holdOut }, input, signal);
  if (outcome.kind === 'input-error') throw new AnalysisInputError(outcome.code, outcome.message);
  if (outcome.kind === 'cancelled') throw new Error(`${options.label}: the analysis was cancelled`);
  return outcome;
}
