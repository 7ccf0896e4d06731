/** The upstream base URL: a root URL ("http://h:1", "http://h:1/") must not give `//organizations/…`. */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.js';
import { resolveOptions } from '../../src/upstream/options.js';
import { CREDS, JSON_HEADERS, ORIGIN, wireJob } from './mock-upstream.js';

describe('upstream base URL without a path', () => {
  it.each([
    ['http://h:1', ''],
    ['http://h:1/', ''],
    ['http://h:1//', ''],
    ['http://h:1/api/v1', '/api/v1'],
    ['http://h:1/api/v1/', '/api/v1'],
    ['http://h:1/api/v1///', '/api/v1'],
  ])('%s → base path %j', (baseUrl, basePath) => {
    expect(resolveOptions({ baseUrl }).basePath).toBe(basePath);
  });

  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(() => agent.close());

  it.each([ORIGIN, `${ORIGIN}/`])('%s: requests go to /organizations/…, not //organizations/…', async (baseUrl) => {
    // Only this exact path is answered: any other (`//organizations/…`) fails as an unmatched request.
    agent
      .get(ORIGIN)
      .intercept({ path: '/organizations/demo-org/jobs/job-1', method: 'GET' })
      .reply(200, wireJob(), JSON_HEADERS);
    const client = createUpstreamClient({ baseUrl, dispatcher: agent, retry: { maxAttempts: 1 } });
    expect(await client.getJob(CREDS, 'job-1')).toMatchObject({ id: 'job-1' });
    await client.close();
  });
});
