/**
 * One AbortController per call, aborted by whichever comes first: the call's deadline or the
 * caller's own signal. Every attempt and every retry sleep listens to it, so a hung connect, a slow
 * header, a stalled body or a long pause all end at the deadline, and at once when the caller leaves.
 */

/** The abort reason when the deadline fired. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

export interface CallDeadline {
  /** Aborted by the deadline (reason: a `DeadlineExceeded`) or by the caller (reason: theirs). */
  signal: AbortSignal;
  ms: number;
  /** When the deadline passes, on the clock given. */
  at: number;
  /** The deadline's reason, once it fired (even if the caller aborted first). */
  exceeded(): DeadlineExceeded | undefined;
  /** Whether the deadline, not the caller, aborted `signal`. */
  timedOut(): boolean;
  /** Clears the timer and lets go of the caller's signal. */
  dispose(): void;
}

export function startDeadline(ms: number, now: () => number, callerSignal: AbortSignal | undefined): CallDeadline {
  const at = now() + ms;
  const controller = new AbortController();
  // Made only when the deadline fires: an Error per call (its stack captured) cost 2 % of the CPU
  // of a page that never times out (issue 10).
  let deadline: DeadlineExceeded | undefined;
  const timer = setTimeout(() => controller.abort((deadline = new DeadlineExceeded(ms))), ms);
  const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    ms,
    at,
    exceeded: () => deadline,
    timedOut: () => deadline !== undefined && controller.signal.reason === deadline,
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
