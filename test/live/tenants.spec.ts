/**
 * Another tenant's token never sees a job's events, on either transport, even while the job is
 * being polled for its owner: the refusal comes from the upstream's answer to the caller's own
 * token (NOT_FOUND for a job of another organization, FORBIDDEN for a token used with an
 * organization it does not belong to, UNAUTHENTICATED for a token the upstream does not know), as one
 * coded error and no data, and the owner's subscription goes on. Over the real server.
 */
import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/upstream/types.js';
import { LLAMA_INSTRUCT } from '../harness/fixtures.js';
import { useLiveStack } from '../harness/live-stack.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, OTHER, eventually } from '../harness/stack.js';
import { subscribeWs } from '../harness/ws.js';

const live = useLiveStack({ http: true });
const { clock } = live;

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status name metrics { latest { step } } } }`;

const intruders: Array<[string, Credentials, string]> = [
  ['another organization', OTHER, 'NOT_FOUND'],
  [
    "another organization's token with the owner's organization id",
    { token: OTHER.token, organizationId: DEMO.organizationId },
    'FORBIDDEN',
  ],
  ['an unknown token', { token: 'stolen-or-made-up', organizationId: DEMO.organizationId }, 'UNAUTHENTICATED'],
];

describe('a subscriber with the wrong credentials for a job', () => {
  it('gets one coded error and no event, on WebSocket and SSE, while the owner keeps receiving', async () => {
    const job = await live.stack.client.createJob(DEMO, {
      name: 'confidential',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: live.datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 0.3);
    const url = live.stack.server!.url;
    const ownerClient = live.ws(DEMO);
    const owner = subscribeWs(ownerClient, WATCH, { id: job.id });
    await eventually(() => (owner.events.length > 0 ? true : undefined));
    expect(live.stack.live.pollerCount()).toBe(1);

    const attempts = intruders.flatMap(([who, creds, code]) => {
      const client = live.ws(creds);
      return [
        { who: `${who} (WebSocket)`, code, sub: subscribeWs(client, WATCH, { id: job.id }) },
        { who: `${who} (SSE)`, code, sub: subscribeSse(fetch, url, WATCH, { id: job.id }, creds) },
      ];
    });
    await Promise.all(attempts.map((a) => a.sub.done));
    // No poller was made for the refused callers (pollers are per organization and job): the owner's only.
    expect(live.stack.live.pollerCount()).toBe(1);

    // The job changes and finishes while the refused streams are long over: none of it reaches them.
    clock.at(job, 0.6);
    await eventually(() => (owner.events.length >= 2 ? true : undefined));
    clock.at(job, 1.5);
    await owner.done;
    expect(owner.events.map((e) => e.data?.jobUpdated.status)).toEqual(['RUNNING', 'RUNNING', 'COMPLETED']);

    for (const { who, code, sub } of attempts) {
      expect({ who, events: sub.events }).toEqual({
        who,
        // A job the caller cannot see names the argument, as every job-id field does (resolvers/unknown-job.ts).
        events: [
          {
            data: null,
            errors: [expect.objectContaining({ extensions: code === 'NOT_FOUND' ? { code, field: 'id' } : { code } })],
          },
        ],
      });
      expect(JSON.stringify(sub.events)).not.toContain('confidential');
    }
    expect(live.stack.live.pollerCount()).toBe(0);
  });
});
