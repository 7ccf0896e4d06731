/**
 * Usable rows sent to the token pool in batches (256 rows or 256 KiB of text), with at most twice the
 * pool's threads of batches in flight, so that a slow pool slows the reading (the upload waits)
 * instead of filling memory. Counts land in the tally as batches come back.
 */
import type { CountTask } from './count-worker.js';
import type { FileTally } from './file-tally.js';
import type { TokenPool } from './token-pool.js';

const BATCH_ROWS = 256;
const BATCH_CHARS = 256 * 1024;

export class CountBatches {
  private readonly inFlight = new Set<Promise<void>>();
  /** A batch that failed (an abort, a worker crash): thrown from the reading loop's next `add`. */
  private failure: unknown;
  private rows: number[] = [];
  private task: CountTask;
  private chars = 0;

  constructor(
    private readonly pool: TokenPool,
    private readonly baseModelId: string,
    private readonly tally: FileTally,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.task = this.emptyTask();
  }

  async add(row: number, prompt: string | null, answer: string): Promise<void> {
    this.rows.push(row);
    this.task.prompts.push(prompt);
    this.task.answers.push(answer);
    this.chars += answer.length + (prompt?.length ?? 0);
    if (this.rows.length >= BATCH_ROWS || this.chars >= BATCH_CHARS) await this.flush();
  }

  /** Sends what is batched; waits while too many batches are in flight. */
  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const batchRows = this.rows;
    const { tally } = this;
    const sent = this.pool.count(this.task, this.signal).then((counts) => {
      batchRows.forEach((row, i) => tally.counted(row, counts[i * 3]!, counts[i * 3 + 1]!, counts[i * 3 + 2]!));
    });
    this.rows = [];
    this.task = this.emptyTask();
    this.chars = 0;
    const tracked: Promise<void> = sent.then(
      () => void this.inFlight.delete(tracked),
      (error: unknown) => {
        this.inFlight.delete(tracked);
        this.failure ??= error;
      },
    );
    this.inFlight.add(tracked);
    if (this.inFlight.size >= this.pool.maxThreads * 2) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Waits for every batch sent (an abort cancels them through the same signal). */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private emptyTask(): CountTask {
    return { baseModelId: this.baseModelId, prompts: [], answers: [] };
  }
}
