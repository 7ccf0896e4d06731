/**
 * The gateway's advice to developers in the dashboard's words (dashboard/src/user-message.ts): a
 * message that says to send `X-Provider` (over WebSocket, `connectionParams.provider`) says which
 * provider to choose in the page's Provider switch instead. Fed the gateway's own messages, made by
 * its own code (and, for an operation of Nscale's only, asked of the gateway on Together), so that a
 * change of their wording shows here. test/browser/dashboard-provider-links.spec.ts shows one in a page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userMessage } from '../../dashboard/src/user-message.js';
import { upstreamId } from '../../src/providers/provider-ids.js';
import { unknownIdMessage } from '../../src/resolvers/unknown-id.js';
import { startStack, type Stack } from '../harness/stack.js';
import { gatewayAnswer, TOGETHER_HEADERS } from '../harness/together-job.js';

const DEVELOPER_WORDS = /X-Provider|connectionParams|over WebSocket/;
const TOGETHER_JOB = 'together:ft-0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const NSCALE_JOB = 'job-e146b6b4b2b3f5acf782982f';

/** The message of the error `upstreamId` throws for `id` on `provider`. */
function refusal(provider: 'nscale' | 'together', id: string): string {
  try {
    upstreamId(provider, id);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${id} was accepted on ${provider}`);
}

let stack: Stack;
beforeAll(async () => {
  // No Together key of the gateway's own: a Together request without one is refused, naming how to send it.
  stack = await startStack({ gateway: { togetherFallbackToken: null } });
});
afterAll(() => stack.close());

describe('the API’s errors as the dashboard shows them', () => {
  it('says which provider to choose for an id of the other provider', () => {
    const message = refusal('nscale', TOGETHER_JOB);
    expect(message).toMatch(DEVELOPER_WORDS);
    expect(userMessage(message)).toBe(
      `"${TOGETHER_JOB}" is an id of Together AI, and Nscale is picked: ` +
        'choose Together AI in the Provider switch at the top of the page.',
    );
  });

  it('says an id without the prefix may be Nscale’s, asked of Together', () => {
    const message = refusal('together', NSCALE_JOB);
    expect(message).toMatch(DEVELOPER_WORDS);
    expect(userMessage(message)).toBe(
      `"${NSCALE_JOB}" is not an id of Together AI (theirs start with "together:"): if it is one of Nscale's, ` +
        'choose Nscale in the Provider switch at the top of the page.',
    );
  });

  it('says an unknown id of Together’s form, on Nscale, is to be used on Together', () => {
    const own = TOGETHER_JOB.slice('together:'.length);
    const job = unknownIdMessage('nscale', 'job', own);
    expect(job).toMatch(DEVELOPER_WORDS);
    expect(userMessage(job)).toBe(
      `"${own}" is not one of your jobs on Nscale; it has the form of Together AI's ids: ` +
        `choose Together AI in the Provider switch at the top of the page and use "${TOGETHER_JOB}".`,
    );
    const model = unknownIdMessage('nscale', 'baseModel', 'meta-llama/Llama-3.2-3B-Instruct', 'baseModelId');
    expect(userMessage(model)).toBe(
      `"meta-llama/Llama-3.2-3B-Instruct" is not one of the base models on Nscale; it has the form of ` +
        "Together AI's ids: choose Together AI in the Provider switch at the top of the page.",
    );
  });

  it('says an operation of Nscale’s, asked on Together, runs on Nscale', async () => {
    const answer = JSON.parse((await gatewayAnswer(stack.gateway, '{ datasets { id } }', {}, TOGETHER_HEADERS)).text);
    const message = answer.errors[0].message as string;
    expect(message).toMatch(DEVELOPER_WORDS);
    expect(userMessage(message)).toBe(
      'datasets is not available on Together AI: it runs on Nscale only; ' +
        'choose Nscale in the Provider switch at the top of the page.',
    );
    // context.ts's refusal of an operation that needs Nscale's credentials.
    const operation =
      'This operation is not available on provider together yet: it runs on nscale only ' +
      '(send X-Provider: nscale, or over WebSocket connectionParams.provider).';
    expect(userMessage(operation)).toBe(
      'This is not available on Together AI yet: it runs on Nscale only; ' +
        'choose Nscale in the Provider switch at the top of the page.',
    );
  });

  it('drops only the WebSocket advice from a sign-in refusal, and leaves other messages as they are', async () => {
    const answer = JSON.parse(
      (await gatewayAnswer(stack.gateway, '{ jobs(first: 1) { totalCount } }', {}, { 'x-provider': 'together' })).text,
    );
    const message = answer.errors[0].message as string;
    expect(message).toMatch(/connectionParams/);
    expect(userMessage(message)).toBe(message.replace(/ \(over WebSocket[^)]*\)/, ''));
    expect(userMessage(message)).not.toMatch(DEVELOPER_WORDS);

    const own = refusal('together', TOGETHER_JOB.slice('together:'.length)); // Together's own form: no header named
    for (const plain of [own, 'hyperparameters.nEpochs: 0 is not between 1 and 10', 'unknown token'])
      expect(userMessage(plain)).toBe(plain);
  });
});
