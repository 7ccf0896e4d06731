/**
 * Shared fixtures of the poller transition tables (test/subscriptions/poller-transition-*.spec.ts):
 * one row per transition, a state and an event in, the next state and its effects out.
 */
import { expect, it } from 'vitest';
import { HEALTHY } from '../../src/live/poll-failure-policy.js';
import type { PollerEffect, PollerEnv, PollerEvent, PollerState } from '../../src/live/poller-state.js';
import { pollerTransition } from '../../src/live/poller-transition.js';

export const NOW = 1_000_000;

export type TransitionRow = [
  name: string,
  state: PollerState,
  event: PollerEvent,
  expected: { state: PollerState; effects: PollerEffect[] },
];

/** The environment of a poller whose base interval is `baseDelayMs`, at NOW, with one token. */
export function pollerEnv(baseDelayMs: number, standbyRecheckMs = 60_000): PollerEnv {
  return {
    now: NOW,
    baseDelayMs,
    intervals: { maxBackoffMs: 30_000, giveUpAfterMs: 300_000, standbyRecheckMs },
    tokens: 1,
  };
}

/** Healthy progress (last re-check at `lastRecheck`), and the ticking and waiting states built on it. */
export function healthyStates(lastRecheck: number) {
  const progress = { fresh: false, record: HEALTHY, lastRecheck };
  return {
    progress,
    ticking: (extra: object = {}): PollerState => ({ phase: 'ticking', woken: false, ...progress, ...extra }),
    waiting: (extra: object = {}): PollerState => ({ phase: 'waiting', ...progress, ...extra }),
  };
}

/** One test per row: the transition gives exactly the expected state and effects. */
export function itTransitions(rows: TransitionRow[], env: PollerEnv): void {
  it.each(rows)('%s', (_name, state, event, expected) => {
    expect(pollerTransition(state, event, env)).toEqual(expected);
  });
}
