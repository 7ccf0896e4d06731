/**
 * `CreateJobInput.fromCheckpoint` naming a job Together does not know, with a step (`<job id>:<step>`):
 * the refusal names the field, the whole value the caller gave (not only its job part, which reads as
 * if the step had been dropped), Together's reason and the rule (regression).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';
import { gatewayGql, uploadQaCsv } from '../harness/together-job.js';

let stack: Stack;
let fileId: string;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
  fileId = (await uploadQaCsv(stack.gateway)).data?.uploadFile.id as string;
});
afterAll(() => stack.close());

const RULE =
  'fromCheckpoint takes `<job id>` or `<job id>:<step>`: a completed job of this account, on the same ' +
  'base model, and with a step one of the checkpoints it saved.';

const ask = (query: string, fromCheckpoint: string) =>
  gatewayGql(stack.gateway, query, {
    i: {
      name: 'continued',
      baseModelId: 'meta-llama/Llama-3.2-3B-Instruct',
      files: { trainingFileId: fileId },
      hyperparameters: { batchSize: 8 },
      fromCheckpoint,
    },
  });

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }';

describe('fromCheckpoint naming a job Together does not know', () => {
  it('with a step: the whole value given, the reason and the rule', async () => {
    const { errors } = await ask(CREATE, 'together:ft-nope:5');
    expect(errors).toEqual([
      expect.objectContaining({
        message:
          'fromCheckpoint: "together:ft-nope:5" cannot be continued from: no fine-tune job or output model ' +
          `"together:ft-nope" exists. ${RULE}`,
        extensions: { code: 'BAD_USER_INPUT', field: 'fromCheckpoint' },
      }),
    ]);
  });

  it('without a step: the value given, the reason and the rule', async () => {
    const { errors } = await ask(CREATE, 'together:ft-nope');
    expect(errors).toEqual([
      expect.objectContaining({
        message:
          'fromCheckpoint: "together:ft-nope" cannot be continued from: no fine-tune job or output model ' +
          `"together:ft-nope" exists. ${RULE}`,
        extensions: { code: 'BAD_USER_INPUT', field: 'fromCheckpoint' },
      }),
    ]);
  });

  it("in Together's own form, step and all: the whole value given, and what to send instead", async () => {
    const { errors } = await ask(CREATE, 'ft-0123abcd-ef45:5');
    expect(errors).toEqual([
      expect.objectContaining({
        message:
          "fromCheckpoint: \"ft-0123abcd-ef45:5\" is Together's own form of an id; the gateway's ids of Together's " +
          'objects start with "together:": send "together:ft-0123abcd-ef45:5"',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'fromCheckpoint' }),
      }),
    ]);
  });

  it('naming no job: the whole value given and the rule', async () => {
    const { errors } = await ask(CREATE, 'together::5');
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'fromCheckpoint: "together::5" names no job: it takes `<job id>` or `<job id>:<step>`',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'fromCheckpoint' }),
      }),
    ]);
  });
});
