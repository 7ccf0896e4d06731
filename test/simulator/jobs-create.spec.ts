import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplateFor } from '../../src/contract/chat-templates.js';
import { countRowTokens } from '../../src/contract/row-tokens.js';
import { loadTokenCounter, type TokenCounter } from '../../src/contract/tokenizers.js';
import { createJobResponseSchema } from '../../src/upstream/schemas.js';
import { MISTRAL_V02, caller, createDataset, jobBody, qaCsv, startSimulator, type Simulator } from './harness.js';

let sim: Simulator;
let datasetId: string;
let mistral: TokenCounter;
beforeAll(async () => {
  mistral = await loadTokenCounter('mistral');
  sim = await startSimulator();
  datasetId = await createDataset(caller(sim));
});
afterAll(() => sim.close());

// The simulator bills each row by the contract's row rule: Mistral's own tokenizer and its chat
// template (9 tokens), no longer the word-based estimate, so the expected figures follow the same rule.
const rowTokens = (i: number): number =>
  countRowTokens(
    mistral,
    chatTemplateFor(MISTRAL_V02)!,
    `What is question ${i}?`,
    `The answer number ${i} is forty two.`,
  ).total;
const sum = (from: number, to: number): number =>
  Array.from({ length: to - from }, (_, k) => rowTokens(from + k)).reduce((a, b) => a + b, 0);

describe('POST /jobs', () => {
  it('bills a row by the Mistral tokenizer and template', () => {
    // mistral-tokenizer-js: "▁What ▁is ▁question ▁ 0 ?" (6) + "The ▁answer ▁number ▁ 0 ▁is ▁forty ▁two ." (9) + template (9).
    expect(rowTokens(0)).toBe(24);
  });

  it('creates a job with defaults applied, answering 201 and the estimate', async () => {
    const res = await caller(sim).call('POST', '/jobs', jobBody(datasetId, { hyperparameters: {} }));
    expect(res.status).toBe(201);
    const parsed = createJobResponseSchema.parse(res.body);
    expect(parsed.dryRun).toBe(false);
    expect(res.body.job).toMatchObject({
      name: 'my job',
      base_model_id: MISTRAL_V02,
      base_model_name: 'Mistral-7B-Instruct-v0.2',
      dataset: { id: datasetId, prompt_column: 'question', answer_column: 'answer' },
      hyperparameters: {
        n_epochs: 1,
        n_evals: 0,
        batch_size: 4,
        learning_rate: 0.00001,
        warmup_ratio: 0,
        weight_decay: 0,
        best_checkpoints: false,
        mask_prompt_labels: false,
        lora: { enabled: true, r: 8, alpha: 8, dropout: 0, trainable_modules: [] },
      },
      status: 'queued',
      started_at: null,
      completed_at: null,
      error: null,
    });
    expect(res.body.job.id).toMatch(/^job-/);
    expect(res.body.estimated_usage).toEqual({ cost: 2, tokens: sum(0, 39) });
  });

  it('estimates a dry run (n_epochs × training + n_evals × held-out 1%) and creates nothing', async () => {
    const api = caller(sim);
    const before = (await api.call('GET', '/jobs')).body.total;
    const res = await api.call(
      'POST',
      '/jobs',
      jobBody(datasetId, { dry_run: true, hyperparameters: { n_epochs: 2, n_evals: 3 } }),
    );
    expect(res.status).toBe(200);
    // 40 rows: 39 train, 1 held out for evaluation.
    expect(res.body).toEqual({
      dry_run: true,
      estimated_usage: { cost: 2, tokens: 2 * sum(0, 39) + 3 * rowTokens(39) },
      job: null,
    });
    expect((await api.call('GET', '/jobs')).body.total).toBe(before);
  });

  it('prices with the configured table above the $2 minimum, and uses a validation file when there is one', async () => {
    const priced = await startSimulator({ pricePerMillionTokens: { [MISTRAL_V02]: 10_000 } });
    try {
      const api = caller(priced);
      const train = await api.upload('t.csv', qaCsv());
      const val = await api.upload('v.csv', qaCsv(3));
      const ds = await api.call('POST', '/datasets', {
        name: 'd',
        training_file_id: train.body.id,
        validation_file_id: val.body.id,
      });
      const res = await api.call(
        'POST',
        '/jobs',
        jobBody(ds.body.id, { dry_run: true, hyperparameters: { n_epochs: 3, n_evals: 2 } }),
      );
      const tokens = 3 * sum(0, 40) + 2 * sum(0, 3);
      expect(res.body.estimated_usage).toEqual({ tokens, cost: Math.round(tokens * 0.01 * 100) / 100 });
    } finally {
      await priced.close();
    }
  });

  it('accepts the older evaluation_epochs and warmup_epochs names', async () => {
    const res = await caller(sim).call(
      'POST',
      '/jobs',
      jobBody(datasetId, { hyperparameters: { n_epochs: 4, evaluation_epochs: 2, warmup_epochs: 1 } }),
    );
    expect(res.status).toBe(201);
    expect(res.body.job.hyperparameters).toMatchObject({ n_epochs: 4, n_evals: 2, warmup_ratio: 0.25 });
  });

  it('accepts trainable_modules as a list or a comma-separated string, and ignores unknown fields', async () => {
    const res = await caller(sim).call(
      'POST',
      '/jobs',
      jobBody(datasetId, {
        future_field: 1,
        hyperparameters: { lora: { trainable_modules: 'q_proj, v_proj' }, future: true },
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body.job.hyperparameters.lora.trainable_modules).toEqual(['q_proj', 'v_proj']);
  });

  const hp = (h: Record<string, unknown>) => ({ hyperparameters: { batch_size: 4, ...h } });
  const lora = (l: Record<string, unknown>) => hp({ lora: l });
  it.each([
    [hp({ batch_size: 6 }), 'hyperparameters.batch_size: 6 is not one of 4, 8, 12, …, 32 for Mistral-7B-Instruct-v0.2'],
    [hp({ n_epochs: 0 }), 'hyperparameters.n_epochs: 0 is not an integer from 1 to 20'],
    [hp({ n_epochs: 21 }), 'hyperparameters.n_epochs: 21 is not an integer from 1 to 20'],
    [hp({ n_epochs: 1.5 }), 'hyperparameters.n_epochs: 1.5 is not an integer from 1 to 20'],
    [hp({ n_epochs: '3' }), 'hyperparameters.n_epochs: "3" is not an integer from 1 to 20'],
    [hp({ n_evals: 101 }), 'hyperparameters.n_evals: 101 is not an integer from 0 to 100'],
    [hp({ learning_rate: 0.1 }), 'hyperparameters.learning_rate: 0.1 is not a number from 1e-8 to 0.01'],
    [hp({ warmup_ratio: 1.5 }), 'hyperparameters.warmup_ratio: 1.5 is not a number from 0 to 1'],
    [hp({ weight_decay: -0.1 }), 'hyperparameters.weight_decay: -0.1 is not a number ≥ 0'],
    [hp({ best_checkpoints: 'yes' }), 'hyperparameters.best_checkpoints: "yes" is not a boolean'],
    [hp({ mask_prompt_labels: 1 }), 'hyperparameters.mask_prompt_labels: 1 is not a boolean'],
    [lora({ r: 65 }), 'hyperparameters.lora.r: 65 is not an integer from 1 to 64'],
    [lora({ alpha: 0 }), 'hyperparameters.lora.alpha: 0 is not an integer from 1 to 64'],
    [lora({ dropout: 2 }), 'hyperparameters.lora.dropout: 2 is not a number from 0 to 1'],
    [
      lora({ enabled: false }),
      'hyperparameters.lora.enabled: false is refused: full model fine-tuning is not supported yet; only LoRA',
    ],
    [
      lora({ trainable_modules: ['q_proj', 'lm_head'] }),
      'hyperparameters.lora.trainable_modules[1]: "lm_head" is not one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj',
    ],
    [
      hp({ n_evals: 3, evaluation_epochs: 2 }),
      'hyperparameters.evaluation_epochs: 2 conflicts with n_evals 3 (evaluation_epochs is the older name of n_evals)',
    ],
    [hp({ n_epochs: 2, warmup_epochs: 3 }), 'hyperparameters.warmup_epochs: 3 is not a number from 0 to 2'],
    [{ hyperparameters: [] }, 'hyperparameters: [] is not an object'],
    [{ name: '' }, 'name: "" is not a non-empty string'],
    [{ name: undefined }, 'name: required, a non-empty string'],
    [{ dry_run: 'yes' }, 'dry_run: "yes" is not a boolean'],
    [{ base_model_id: 'gpt-5' }, 'base_model_id: "gpt-5" is not a known base model (see GET /base-models)'],
    [{ dataset: 'ds' }, 'dataset: "ds" is not an object with id and answer_column'],
    [{ dataset: { id: 'ds-nope', answer_column: 'answer' } }, 'dataset.id: no dataset "ds-nope" in this organization'],
  ])('refuses %j with 400 and creates nothing', async (override, message) => {
    const api = caller(sim);
    const before = (await api.call('GET', '/jobs')).body.total;
    const res = await api.call('POST', '/jobs', jobBody(datasetId, override));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'invalid_argument', message });
    expect((await api.call('GET', '/jobs')).body.total).toBe(before);
  });

  it.each([
    [
      { answer_column: 'response' },
      /^dataset\.answer_column: "response" is not a column of the training file file-\w+ \(columns: question, answer\)$/,
    ],
    [
      { answer_column: 'answer', prompt_column: 'prompt' },
      /^dataset\.prompt_column: "prompt" is not a column of the training file/,
    ],
    [{ prompt_column: 'question' }, /^dataset\.answer_column: required, a non-empty string$/],
    [
      { answer_column: 'answer', prompt_column: 'answer' },
      /^dataset\.prompt_column: "answer" is also the answer_column/,
    ],
  ])('refuses dataset columns %j', async (columns, message) => {
    const res = await caller(sim).call('POST', '/jobs', jobBody(datasetId, { dataset: { id: datasetId, ...columns } }));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('accepts a job without prompt_column', async () => {
    const res = await caller(sim).call(
      'POST',
      '/jobs',
      jobBody(datasetId, { dataset: { id: datasetId, answer_column: 'answer' } }),
    );
    expect(res.status).toBe(201);
    expect(res.body.job.dataset).toEqual({ id: datasetId, prompt_column: null, answer_column: 'answer' });
  });

  it('says the body is not JSON', async () => {
    const res = await caller(sim).call('POST', '/jobs', undefined, {
      raw: 'name=x',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^request body is not JSON: /);
    const empty = await caller(sim).call('POST', '/jobs');
    expect(empty.body.message).toBe('request body is not JSON: the body is empty');
  });
});

describe('credit', () => {
  it('refuses with 402 resource_exhausted once the estimate exceeds what is left, deducting per job', async () => {
    const sim2 = await startSimulator({ tenants: [{ token: 'poor', organizationId: 'poor-org', creditUsd: 5 }] });
    try {
      const api = caller(sim2, 'poor', 'poor-org');
      const ds = await createDataset(api);
      expect((await api.call('POST', '/jobs', jobBody(ds))).status).toBe(201);
      expect((await api.call('POST', '/jobs', jobBody(ds))).status).toBe(201);
      const refused = await api.call('POST', '/jobs', jobBody(ds));
      expect(refused.status).toBe(402);
      expect(refused.body).toEqual({
        code: 'resource_exhausted',
        message: 'insufficient credit: the job is estimated at $2.00 and the organization has $1.00 left',
      });
      // A dry run is an estimate only: it answers whatever the balance.
      expect((await api.call('POST', '/jobs', jobBody(ds, { dry_run: true }))).status).toBe(200);
      expect((await api.call('GET', '/jobs')).body.total).toBe(2);
    } finally {
      await sim2.close();
    }
  });
});
