/**
 * A stack (see stack.ts) whose Together client records what it sends to Together's `POST /fine-tunes`:
 * the JSON body of each job creation, as sent on the wire, for the specs that check what a setting
 * becomes upstream. Jobs run a simulated second. Call at the top level of a spec file: the stack is
 * started before the file and closed after it; before each test the record is emptied and both
 * simulators' statistics are reset.
 */
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createTogetherClient } from '../../src/upstream/together/together-client.js';
import { startStack, type Stack } from './stack.js';

export interface TogetherPostedJobs {
  /** Set once the file's `beforeAll` has run. */
  readonly stack: Stack;
  /** The JSON bodies of the job creations the Together simulator received in this test, in order. */
  readonly created: Array<Record<string, any>>;
}

export function useTogetherPostedJobsStack(): TogetherPostedJobs {
  const created: Array<Record<string, any>> = [];
  const agent = new Agent().compose((dispatch) => (opts: Dispatcher.DispatchOptions, handler) => {
    if (opts.method === 'POST' && opts.path.endsWith('/fine-tunes') && typeof opts.body === 'string')
      created.push(JSON.parse(opts.body) as Record<string, any>);
    return dispatch(opts, handler);
  });
  let stack: Stack | undefined;

  beforeAll(async () => {
    stack = await startStack({
      env: { SIMULATOR_JOB_SECONDS: '1' },
      togetherClient: (options) => createTogetherClient({ ...options, dispatcher: agent }),
    });
  });
  afterAll(async () => {
    await stack?.close();
    await agent.close();
  });
  beforeEach(() => {
    created.length = 0;
    stack!.simulator.resetStats();
    stack!.togetherSimulator!.resetStats();
  });

  return {
    get stack() {
      if (stack === undefined) throw new Error('useTogetherPostedJobsStack: the stack is started in beforeAll');
      return stack;
    },
    created,
  };
}
