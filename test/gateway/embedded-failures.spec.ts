/**
 * SIMULATOR_FAILURE_RATE reaches the gateway's embedded simulators, as it reaches the standalone ones:
 * `npm start` with it set shows a failed job, with its reason, without an account (a dashboard trial
 * could not make one fail). A value out of its range stops the start, naming the rule.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { QA_CSV, QWEN_SMALL } from '../harness/fixtures.js';
import { postGraphQL, uploadCsv } from '../harness/http-client.js';
import { eventually } from '../harness/stack.js';

const ENV = {
  PORT: '0',
  METRICS_PORT: '0',
  HOST: '127.0.0.1',
  SIMULATOR_JOB_SECONDS: '1',
  SIMULATOR_FAILURE_RATE: '1',
  LOG_LEVEL: 'silent',
};

let running: RunningGateway;
beforeAll(async () => {
  running = await startFromConfig(loadConfig(ENV), pino({ level: 'silent' }));
});
afterAll(() => running?.close());

describe('SIMULATOR_FAILURE_RATE on the embedded simulators', () => {
  it("fails every job at 1, with the simulator's reason", async () => {
    const url = running.url;
    const upload = await uploadCsv(url, 'qa.csv', QA_CSV);
    expect(upload.errors).toBeUndefined();
    const dataset = await postGraphQL(
      url,
      'mutation($f: ID!) { createDataset(input: { name: "qa", trainingFileId: $f }) { id } }',
      { f: upload.data?.uploadFile.id },
    );
    const created = await postGraphQL(url, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
      i: {
        name: 'fails',
        baseModelId: QWEN_SMALL,
        dataset: { id: dataset.data?.createDataset.id, promptColumn: 'question', answerColumn: 'answer' },
      },
    });
    expect(created.errors).toBeUndefined();
    const id = created.data?.createJob.id as string;
    const failed = await eventually(async () => {
      const read = await postGraphQL(url, 'query($id: ID!) { job(id: $id) { status error { code message } } }', { id });
      return read.data?.job.status === 'FAILED' ? read.data.job : undefined;
    }, 20_000);
    expect(failed.error.message).toEqual(expect.any(String));
    expect(failed.error.message.length).toBeGreaterThan(10);
  }, 30_000);

  it('is read for both embedded providers, and refused out of its range', () => {
    const config = loadConfig({ SIMULATOR_FAILURE_RATE: '0.25' });
    expect(config.upstream).toMatchObject({ kind: 'embedded', failureRate: 0.25 });
    expect(config.together?.upstream).toMatchObject({ kind: 'embedded', failureRate: 0.25 });
    expect(loadConfig({}).upstream).toMatchObject({ failureRate: 0 });
    for (const bad of ['1.5', '-1', 'often'])
      expect(() => loadConfig({ SIMULATOR_FAILURE_RATE: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ SIMULATOR_FAILURE_RATE: '2' })).toThrow(/SIMULATOR_FAILURE_RATE.*from 0 to 1/);
  });
});
