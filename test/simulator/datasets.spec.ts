import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetSchema, listSchema } from '../../src/upstream/schemas.js';
import { caller, qaCsv, startSimulator, type Simulator } from './harness.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

describe('datasets', () => {
  it('creates, lists (newest first), gets and deletes datasets', async () => {
    const api = caller(sim);
    const train = await api.upload('train.csv', qaCsv());
    const validation = await api.upload('val.csv', qaCsv(5));
    const first = await api.call('POST', '/datasets', { name: 'first', training_file_id: train.body.id });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      name: 'first',
      training_file_id: train.body.id,
      validation_file_id: null,
      workspace_id: 'demo-org',
    });
    expect(first.body.id).toMatch(/^ds-/);
    expect(() => datasetSchema.parse(first.body)).not.toThrow();

    const second = await api.call('POST', '/datasets', {
      name: 'second',
      training_file_id: train.body.id,
      validation_file_id: validation.body.id,
    });
    expect(second.body.validation_file_id).toBe(validation.body.id);

    const list = await api.call('GET', '/datasets');
    expect(
      listSchema(datasetSchema)
        .parse(list.body)
        .data.map((d) => d.name),
    ).toEqual(['second', 'first']);
    expect((await api.call('GET', `/datasets/${first.body.id}`)).body).toEqual(first.body);

    const deleted = await api.call('DELETE', `/datasets/${first.body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await api.call('GET', `/datasets/${first.body.id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/datasets/${first.body.id}`)).status).toBe(404);
  });

  it.each([
    [{ name: 'x', training_file_id: 'file-nope' }, 'training_file_id: no file "file-nope" in this organization'],
    [{ name: 'x' }, 'training_file_id: required, the id of an uploaded file'],
    [{ training_file_id: 'f' }, 'name: undefined is not a non-empty string'],
    [['not', 'an', 'object'], 'request body must be a JSON object'],
  ])('refuses %j with 400 naming the field', async (body, message) => {
    const res = await caller(sim).call('POST', '/datasets', body);
    expect(res).toMatchObject({ status: 400, body: { code: 'invalid_argument', message } });
  });

  it('refuses an unknown validation file id', async () => {
    const api = caller(sim);
    const train = await api.upload('train.csv', qaCsv());
    const res = await api.call('POST', '/datasets', {
      name: 'x',
      training_file_id: train.body.id,
      validation_file_id: 'file-gone',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('validation_file_id: no file "file-gone" in this organization');
  });

  it('says the body is not JSON when it is not', async () => {
    const res = await caller(sim).call('POST', '/datasets', undefined, {
      raw: '{name: oops',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^request body is not JSON: /);
  });
});
