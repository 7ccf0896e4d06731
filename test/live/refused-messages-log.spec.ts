/**
 * Operator trial 3: instances that disagree on REDIS_MESSAGE_SECRET refuse every live-update message
 * of each other, and each refusal wrote a warn line with a full stack ("snapshot message: bad
 * signature"): one per message. Now one line, without a stack, for the first, then at most one a
 * minute with the count dropped since the previous line. The subscriber connection is a stand-in
 * (messages are emitted on it as ioredis would) and the clock is moved by hand.
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRedisChannels, REFUSED_LOG_MS } from '../../src/live/redis-channels.js';
import { snapshotCodec } from '../../src/live/snapshot-codec.js';
import type { JobSnapshot } from '../../src/live/snapshot.js';
import { manualClock } from '../harness/manual-clock.js';

const CHANNEL = 'ftgw:live:test:events:{job:demo-org:j1}';
const snapshot = {
  job: { id: 'j1', status: 'running', createdAt: new Date(0), startedAt: null, completedAt: null },
  metrics: null,
  version: 'v1',
} as unknown as JobSnapshot;

/** What ioredis's subscriber connection offers the channels: ready, SUBSCRIBE acknowledged at once. */
function subscriberStandIn(): Redis {
  return Object.assign(new EventEmitter(), {
    status: 'ready',
    subscribe: () => Promise.resolve(1),
    unsubscribe: () => Promise.resolve(0),
  }) as unknown as Redis;
}

/** A logger whose lines (as written, JSON) the spec reads. */
function loggedLines() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('messages refused for their signature (instances on another REDIS_MESSAGE_SECRET)', () => {
  it('are logged in one line without a stack, then once a minute at most with the count dropped since', async () => {
    const subscriber = subscriberStandIn();
    const clock = manualClock(60);
    const { logger, lines } = loggedLines();
    const channels = createRedisChannels({
      subscriber,
      clock,
      logger,
      readyTimeoutMs: 1_000,
      codec: snapshotCodec('the secret of this instance'),
    });
    const heard: JobSnapshot[][] = [];
    await channels.listen(CHANNEL, (snapshots) => heard.push(snapshots));
    const ours = snapshotCodec('the secret of this instance').encode([snapshot], CHANNEL);
    const foreign = snapshotCodec('the secret of another instance').encode([snapshot], CHANNEL);

    for (let i = 0; i < 1_000; i++) subscriber.emit('message', CHANNEL, foreign);
    subscriber.emit('message', CHANNEL, ours);
    expect(heard).toHaveLength(1); // a genuine message still goes through
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      dropped: 1,
      channel: CHANNEL,
      reason: 'snapshot message: bad signature (another secret, or another topic)',
    });
    expect(lines[0]!.msg).toMatch(/REDIS_MESSAGE_SECRET/);
    expect(JSON.stringify(lines[0])).not.toMatch(/stack|"err"/);

    clock.advance(REFUSED_LOG_MS - 1);
    expect(lines).toHaveLength(1);
    clock.advance(1);
    expect(lines.map((line) => line.dropped)).toEqual([1, 999]);

    // A quiet minute: no line; the next refusal is logged at once again.
    clock.advance(2 * REFUSED_LOG_MS);
    expect(lines).toHaveLength(2);
    subscriber.emit('message', CHANNEL, 'not even JSON');
    expect(lines.map((line) => line.dropped)).toEqual([1, 999, 1]);
    expect(lines[2]!.reason).toMatch(/unsigned/);

    // What is counted and not yet logged is logged when the channels close, and no timer is left.
    for (let i = 0; i < 5; i++) subscriber.emit('message', CHANNEL, foreign);
    await channels.close();
    expect(lines.map((line) => line.dropped)).toEqual([1, 999, 1, 5]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
