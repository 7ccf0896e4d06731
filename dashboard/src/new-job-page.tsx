/**
 * A new job: upload the CSV files (with upload progress), pick the columns from their preview, pick a
 * base model and its batch size, set hyperparameters (the contract's ranges as hints), see the cost
 * estimate as the inputs settle, and every problem the gateway finds beside its field.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { HYPERPARAMETER_RULES, LORA_RULES } from '../../src/contract/hyperparameters';
import { ApiError, request } from './api';
import { formatMoney } from './format';
import type { BaseModelsQuery, CreateJobInput, EstimateQuery } from './gql/graphql';
import { BaseModels, CreateDataset, CreateJob, Estimate } from './operations';
import { CsvUpload, type UploadedFile } from './csv-upload';

type Problems = Record<string, string[]>;
type Rule = { integer: boolean; min: number; max: number | undefined; default: number };

const HYPER_FIELDS: Array<{ key: string; label: string; rule: Rule }> = [
  { key: 'nEpochs', label: 'Epochs', rule: HYPERPARAMETER_RULES.nEpochs },
  { key: 'nEvals', label: 'Evaluations', rule: HYPERPARAMETER_RULES.nEvals },
  { key: 'learningRate', label: 'Learning rate', rule: HYPERPARAMETER_RULES.learningRate },
  { key: 'warmupRatio', label: 'Warmup ratio', rule: HYPERPARAMETER_RULES.warmupRatio },
  { key: 'weightDecay', label: 'Weight decay', rule: HYPERPARAMETER_RULES.weightDecay },
  { key: 'lora.r', label: 'LoRA rank (r)', rule: LORA_RULES.r },
  { key: 'lora.alpha', label: 'LoRA alpha', rule: LORA_RULES.alpha },
  { key: 'lora.dropout', label: 'LoRA dropout', rule: LORA_RULES.dropout },
];

function hint(rule: Rule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  const range = rule.max === undefined ? `≥ ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  return `${kind} ${range}; default ${rule.default}`;
}

const ESTIMATE_DELAY_MS = 500;

export function NewJobPage() {
  const [models, setModels] = useState<BaseModelsQuery['baseModels']>([]);
  const [training, setTraining] = useState<UploadedFile | null>(null);
  const [validation, setValidation] = useState<UploadedFile | null>(null);
  const [datasetId, setDatasetId] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [promptColumn, setPromptColumn] = useState('');
  const [answerColumn, setAnswerColumn] = useState('');
  const [baseModelId, setBaseModelId] = useState('');
  const [batchSize, setBatchSize] = useState('4');
  const [hyper, setHyper] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Problems>({});
  const [estimate, setEstimate] = useState<EstimateQuery['costEstimate'] | null>(null);
  const [estimating, setEstimating] = useState(false);
  const [starting, setStarting] = useState(false);
  const estimateRun = useRef(0);

  useEffect(() => {
    request(BaseModels)
      .then(({ baseModels }) => {
        setModels(baseModels);
        if (baseModels[0]) setBaseModelId((id) => id || baseModels[0]!.id);
      })
      .catch((e: unknown) => setProblems({ '': [e instanceof Error ? e.message : String(e)] }));
  }, []);

  // The dataset of the files uploaded: made again when they change.
  useEffect(() => {
    setDatasetId(null);
    if (!training) return;
    let current = true;
    const input = { name: training.name.replace(/\.csv$/i, ''), trainingFileId: training.id, validationFileId: validation?.id ?? null };
    request(CreateDataset, { input })
      .then(({ createDataset }) => current && setDatasetId(createDataset.id))
      .catch((e: unknown) => current && setProblems(e instanceof ApiError ? e.byField() : { '': [String(e)] }));
    return () => {
      current = false;
    };
  }, [training?.id, validation?.id]);

  useEffect(() => {
    const columns = training?.columns?.map((c) => c.name) ?? [];
    setAnswerColumn((c) => (columns.includes(c) ? c : (columns.find((n) => /answer|completion|response|output/i.test(n)) ?? columns.at(-1) ?? '')));
    setPromptColumn((c) => (columns.includes(c) ? c : (columns.find((n) => /prompt|question|input|instruction/i.test(n)) ?? '')));
  }, [training?.id]);

  const model = models.find((m) => m.id === baseModelId);
  useEffect(() => {
    if (model && !model.supportedBatchSizes.includes(Number(batchSize))) setBatchSize(String(model.supportedBatchSizes[0] ?? 4));
  }, [model?.id]);

  // The job as GraphQL takes it, or the local problems (a whole number expected) that stop it being sent.
  const built = useMemo((): { input: CreateJobInput | null; local: Problems } => {
    const local: Problems = {};
    const hyperparameters: Record<string, unknown> = { batchSize: Number(batchSize) };
    const lora: Record<string, unknown> = {};
    for (const field of HYPER_FIELDS) {
      const text = hyper[field.key]?.trim();
      if (!text) continue;
      const value = Number(text);
      const path = `hyperparameters.${field.key}`;
      if (!Number.isFinite(value)) local[path] = [`${path}: ${JSON.stringify(text)} is not a number`];
      else if (field.rule.integer && !Number.isInteger(value)) local[path] = [`${path}: ${text} is not a whole number`];
      else if (field.key.startsWith('lora.')) lora[field.key.slice(5)] = value;
      else hyperparameters[field.key] = value;
    }
    if (Object.keys(lora).length) hyperparameters.lora = lora;
    if (!datasetId || !baseModelId || !answerColumn) return { input: null, local };
    return {
      input: {
        name: name.trim() || training?.name.replace(/\.csv$/i, '') || 'job',
        baseModelId,
        dataset: { id: datasetId, answerColumn, promptColumn: promptColumn || null },
        hyperparameters: hyperparameters as CreateJobInput['hyperparameters'],
      },
      local,
    };
  }, [datasetId, baseModelId, answerColumn, promptColumn, name, batchSize, hyper, training?.name]);

  // The estimate follows the inputs once they have settled for ESTIMATE_DELAY_MS; a late answer to older inputs is dropped.
  useEffect(() => {
    setEstimate(null);
    if (!built.input || Object.keys(built.local).length) {
      setProblems(built.local);
      return;
    }
    const run = ++estimateRun.current;
    const timer = setTimeout(async () => {
      setEstimating(true);
      try {
        const { costEstimate } = await request(Estimate, { input: built.input! });
        if (run !== estimateRun.current) return;
        setEstimate(costEstimate);
        setProblems({});
      } catch (e) {
        if (run === estimateRun.current) setProblems(e instanceof ApiError ? e.byField() : { '': [String(e)] });
      } finally {
        if (run === estimateRun.current) setEstimating(false);
      }
    }, ESTIMATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [built]);

  const start = async (event: Event) => {
    event.preventDefault();
    if (!built.input) return;
    setStarting(true);
    try {
      const { createJob } = await request(CreateJob, { input: built.input });
      location.hash = `#/jobs/${encodeURIComponent(createJob.id)}`;
    } catch (e) {
      setProblems(e instanceof ApiError ? e.byField() : { '': [String(e)] });
    } finally {
      setStarting(false);
    }
  };

  const describedBy = (field: string) => (problems[field] ? `problem-${field}` : undefined);
  const problemOf = (field: string) =>
    problems[field] ? (
      <span class="field-error" id={`problem-${field}`} data-field={field} role="alert">
        {problems[field]!.join(' ')}
      </span>
    ) : null;
  const known = new Set(['', 'name', 'baseModelId', 'dataset.id', 'dataset.answerColumn', 'dataset.promptColumn', 'hyperparameters.batchSize', ...HYPER_FIELDS.map((f) => `hyperparameters.${f.key}`)]);
  const elsewhere = Object.entries(problems).filter(([field]) => !known.has(field) || field === '');

  return (
    <form class="new-job" onSubmit={start} noValidate>
      <h1>New job</h1>
      <div class="card">
        <h2>Data</h2>
        <CsvUpload label="Training file (CSV)" onUploaded={setTraining} />
        <CsvUpload label="Validation file (CSV, optional: without it 1 % of the training rows are held out)" onUploaded={setValidation} />
        {problemOf('dataset.id')}
        {/* ANALYZE-DATASET PANEL: the pre-flight report of the training file (Query.analyzeDataset) goes here, once that field is in schema.graphql. */}
        {training?.columns ? (
          <>
            <div class="grid">
              <label>
                Prompt column
                <select value={promptColumn} onChange={(e) => setPromptColumn(e.currentTarget.value)} aria-describedby={describedBy('dataset.promptColumn')}>
                  <option value="">(none)</option>
                  {training.columns.map((c) => (
                    <option value={c.name}>{c.name}</option>
                  ))}
                </select>
                {problemOf('dataset.promptColumn')}
              </label>
              <label>
                Answer column
                <select value={answerColumn} onChange={(e) => setAnswerColumn(e.currentTarget.value)} aria-describedby={describedBy('dataset.answerColumn')}>
                  {training.columns.map((c) => (
                    <option value={c.name}>{c.name}</option>
                  ))}
                </select>
                {problemOf('dataset.answerColumn')}
              </label>
            </div>
          </>
        ) : null}
      </div>

      <div class="card">
        <h2>Model</h2>
        <label>
          Job name
          <input value={name} placeholder={training?.name.replace(/\.csv$/i, '') ?? ''} onInput={(e) => setName(e.currentTarget.value)} aria-describedby={describedBy('name')} />
          {problemOf('name')}
        </label>
        <div class="grid">
          <label>
            Base model
            <select value={baseModelId} onChange={(e) => setBaseModelId(e.currentTarget.value)} aria-describedby={describedBy('baseModelId')}>
              {models.map((m) => (
                <option value={m.id}>
                  {m.name} ({m.organization})
                </option>
              ))}
            </select>
            {problemOf('baseModelId')}
          </label>
          <label>
            Batch size
            <select value={batchSize} onChange={(e) => setBatchSize(e.currentTarget.value)} aria-describedby={describedBy('hyperparameters.batchSize')}>
              {(model?.supportedBatchSizes ?? [4]).map((size) => (
                <option value={String(size)}>{size}</option>
              ))}
            </select>
            {problemOf('hyperparameters.batchSize')}
          </label>
        </div>
      </div>

      <div class="card">
        <h2>Hyperparameters</h2>
        <div class="grid">
          {HYPER_FIELDS.map((field) => {
            const path = `hyperparameters.${field.key}`;
            return (
              <label>
                {field.label}
                <input
                  name={path}
                  inputMode="decimal"
                  placeholder={String(field.rule.default)}
                  value={hyper[field.key] ?? ''}
                  onInput={(e) => setHyper({ ...hyper, [field.key]: e.currentTarget.value })}
                  aria-invalid={problems[path] ? true : undefined}
                  aria-describedby={[`hint-${path}`, describedBy(path)].filter(Boolean).join(' ')}
                />
                <span class="hint" id={`hint-${path}`}>
                  {hint(field.rule)}
                </span>
                {problemOf(path)}
              </label>
            );
          })}
        </div>
      </div>

      <div class="card estimate" aria-live="polite">
        <h2>Cost</h2>
        {estimate ? (
          <p data-testid="estimate">
            {formatMoney(estimate.cost, estimate.currency)} for {estimate.tokens.toLocaleString()} tokens
            {estimate.minimumApplied ? ' (the minimum per job)' : ''}
          </p>
        ) : (
          <p class="muted">{estimating ? 'Estimating…' : training ? 'The estimate appears once the inputs are valid.' : 'Upload a training file first.'}</p>
        )}
        {elsewhere.map(([, messages]) => (
          <p class="error" role="alert">
            {messages.join(' ')}
          </p>
        ))}
        <button type="submit" disabled={!built.input || !estimate || starting}>
          {starting ? 'Starting…' : 'Start the job'}
        </button>
      </div>
    </form>
  );
}
