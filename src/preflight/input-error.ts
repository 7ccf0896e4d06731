/**
 * Why a file cannot be analysed at all (as opposed to problems in some of its rows, which are report
 * entries). The resolver turns it into BAD_USER_INPUT naming the input field.
 */
export type InputErrorCode =
  'TOO_LARGE' | 'BINARY' | 'NOT_UTF8' | 'EMPTY' | 'NO_DATA_ROWS' | 'BAD_HEADER' | 'NO_SUCH_COLUMN' | 'UNKNOWN_MODEL';

export class AnalysisInputError extends Error {
  constructor(
    readonly code: InputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AnalysisInputError';
  }
}

export function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number(mib.toFixed(1))} MiB (${bytes} bytes)` : `${bytes} bytes`;
}
