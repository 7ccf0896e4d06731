/**
 * The Together client seen through `withPublicIds`: its errors name Together's ids as the gateway
 * gives them out (`together:…`), whoever wrote the sentence, Together or the client itself (the
 * CONFLICT of a cancel after a lost attempt, built in upstream/together/job-endpoints.ts, which the
 * GraphQL specs cannot reach without losing an answer).
 */
import { describe, expect, it } from 'vitest';
import { publicIdsInText, withPublicIds } from '../../src/providers/together-public-ids.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import type { TogetherClient } from '../../src/upstream/together/together-client-types.js';

const JOB = 'ft-7dc96862-1f0e-4a54-9c1e-3c0e8b5e4f10';
const FILE = 'file-4ef3e42e-f971-409c-a8a1-ca8170034fff';
const KEY = { token: 'k' };

function failing(error: UpstreamError): TogetherClient {
  const fail = () => Promise.reject(error);
  return {
    cancelJob: fail,
    createJob: fail,
    getModelLimits: fail,
    circuitBreaker: null,
  } as unknown as TogetherClient;
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    return error as UpstreamError;
  }
  throw new Error('expected a failure');
}

describe('withPublicIds', () => {
  it('names the job of the client’s own CONFLICT as the API shows it, the error otherwise the same', async () => {
    const own = new UpstreamError('CONFLICT', `Job "${JOB}" has already ended (completed) and cannot be cancelled.`, {
      status: 400,
      operation: 'POST /fine-tunes/{id}/cancel',
    });
    const error = await failure(withPublicIds(failing(own)).cancelJob(KEY, JOB));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'CONFLICT', status: 400, operation: 'POST /fine-tunes/{id}/cancel' });
    expect(error.message).toBe(`Job "together:${JOB}" has already ended (completed) and cannot be cancelled.`);
  });

  it('names the ids a new job was given, malformed ones included, and keeps the field', async () => {
    const refusal = new UpstreamError(
      'BAD_USER_INPUT',
      'fromCheckpoint: no fine-tune job or output model "ft-nope" exists.',
      { status: 400, upstreamParam: 'from_checkpoint', field: 'fromCheckpoint' },
    );
    const error = await failure(
      withPublicIds(failing(refusal)).createJob(KEY, { model: 'm', trainingFileId: FILE, fromCheckpoint: 'ft-nope:5' }),
    );
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fromCheckpoint', upstreamParam: 'from_checkpoint' });
    expect(error.message).toBe('fromCheckpoint: no fine-tune job or output model "together:ft-nope" exists.');
  });

  it('leaves a model name alone, and an error without ids the very same', async () => {
    const refusal = new UpstreamError('NOT_FOUND', 'Model "ft-nope" is not available for fine-tuning.');
    const error = await failure(withPublicIds(failing(refusal)).getModelLimits(KEY, 'ft-nope'));
    expect(error).toBe(refusal);
  });

  it('is one view per client', () => {
    const client = failing(new UpstreamError('CONFLICT', 'x'));
    expect(withPublicIds(client)).toBe(withPublicIds(client));
    expect(withPublicIds(client).circuitBreaker).toBeNull();
  });
});

describe('publicIdsInText', () => {
  it('prefixes Together’s own ids once, and nothing inside a longer name', () => {
    expect(publicIdsInText(`file ${FILE} holds instruction rows; fine-tune ${JOB}.`)).toBe(
      `file together:${FILE} holds instruction rows; fine-tune together:${JOB}.`,
    );
    expect(publicIdsInText(`already together:${JOB}`)).toBe(`already together:${JOB}`);
    const outputName = `alice/Llama-3.2-3B-Instruct-trial-${JOB}`;
    expect(publicIdsInText(`model ${outputName} exists`)).toBe(`model ${outputName} exists`);
    expect(publicIdsInText('a fine-tune of file-based rows', ['ft-nope'])).toBe('a fine-tune of file-based rows');
  });
});
