/**
 * A new job: upload the CSV files (with upload progress), pick the columns from their preview, pick a
 * base model and its batch size, set hyperparameters (the contract's ranges as hints), see the cost
 * estimate as the inputs settle, the pre-flight report of the files (`analyzeDataset`), and every
 * problem the gateway finds beside its field.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { HYPERPARAMETER_RULES, LORA_RULES } from '../../src/contract/hyperparameters';
import { ApiError, request } from './api';
import { formatMoney } from './format';
import type { BaseModelsQuery, CreateJobInput, EstimateQuery } from './gql/graphql';
import { BaseModels, CreateDataset, CreateJob, Estimate } from './operations';
import { CsvUpload, type UploadedFile } from './csv-upload';
import { PreflightReport } from './preflight-report';
import { useDatasetAnalysis, type AnalysisRequest } from './use-dataset-analysis';

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
  const [files, setFiles] = useState<{ training: File | null; validation: File | null }>({
    training: null,
    validation: null,
  });
  const [datasetId, setDatasetId] = useState<string | null>(null);
  const [datasetSettled, setDatasetSettled] = useState(false);
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
    setDatasetSettled(false);
    if (!training) return;
    let current = true;
    const input = {
      name: training.name.replace(/\.csv$/i, ''),
      trainingFileId: training.id,
      validationFileId: validation?.id ?? null,
    };
    request(CreateDataset, { input })
      .then(({ createDataset }) => current && setDatasetId(createDataset.id))
      .catch((e: unknown) => current && setProblems(e instanceof ApiError ? e.byField() : { '': [String(e)] }))
      .finally(() => current && setDatasetSettled(true));
    return () => {
      current = false;
    };
  }, [training?.id, validation?.id]);

  useEffect(() => {
    const columns = training?.columns?.map((c) => c.name) ?? [];
    setAnswerColumn((c) =>
      columns.includes(c)
        ? c
        : (columns.find((n) => /answer|completion|response|output/i.test(n)) ?? columns.at(-1) ?? ''),
    );
    setPromptColumn((c) =>
      columns.includes(c) ? c : (columns.find((n) => /prompt|question|input|instruction/i.test(n)) ?? ''),
    );
  }, [training?.id]);

  const model = models.find((m) => m.id === baseModelId);
  useEffect(() => {
    if (model && !model.supportedBatchSizes.includes(Number(batchSize)))
      setBatchSize(String(model.supportedBatchSizes[0] ?? 4));
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

  // The pre-flight check, once the dataset is made (its upstream dry run is shown beside the local figure).
  const analysisRequest = useMemo((): AnalysisRequest | null => {
    const count = (key: string) => (hyper[key]?.trim() ? Number(hyper[key]) : undefined);
    if (!files.training || !training || !datasetSettled || !baseModelId || !answerColumn) return null;
    if (built.local['hyperparameters.nEpochs'] || built.local['hyperparameters.nEvals']) return null;
    return {
      training: files.training,
      validation: validation ? files.validation : null,
      baseModelId,
      promptColumn: promptColumn || null,
      answerColumn,
      nEpochs: count('nEpochs'),
      nEvals: count('nEvals'),
      compareWithDatasetId: datasetId,
    };
  }, [
    files,
    training,
    validation,
    datasetSettled,
    datasetId,
    baseModelId,
    promptColumn,
    answerColumn,
    hyper,
    built.local,
  ]);
  const preflight = useDatasetAnalysis(analysisRequest, Number(batchSize));

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

  // The form's problems and the pre-flight check's, each message once.
  const shown: Problems = { ...problems };
  for (const [field, messages] of Object.entries(preflight.problems))
    shown[field] = [...new Set([...(shown[field] ?? []), ...messages])];
  const describedBy = (field: string) => (shown[field] ? `problem-${field}` : undefined);
  const problemOf = (field: string) =>
    shown[field] ? (
      <span class="field-error" id={`problem-${field}`} data-field={field} role="alert">
        {shown[field]!.join(' ')}
      </span>
    ) : null;
  const columnOption = (name: string) => (
    <option value={name}>
      {validation?.columns && !validation.columns.some((c) => c.name === name)
        ? `${name} (not in the validation file)`
        : name}
    </option>
  );
  const known = new Set([
    '',
    'name',
    'trainingFile',
    'validationFile',
    'baseModelId',
    'dataset.id',
    'dataset.answerColumn',
    'dataset.promptColumn',
    'hyperparameters.batchSize',
    ...HYPER_FIELDS.map((f) => `hyperparameters.${f.key}`),
  ]);
  const elsewhere = Object.entries(shown).filter(([field]) => !known.has(field) || field === '');

  return (
    <form class="new-job" onSubmit={start} noValidate>
      <h1>New job</h1>
      <div class="card">
        <h2>Data</h2>
        <CsvUpload
          label="Training file (CSV)"
          problem={problemOf('trainingFile')}
          problemId={describedBy('trainingFile')}
          onUploaded={(file, chosen) => {
            setTraining(file);
            setFiles((f) => ({ ...f, training: chosen }));
          }}
        />
        <CsvUpload
          label="Validation file (CSV, optional: without it 1 % of the training rows are held out)"
          problem={problemOf('validationFile')}
          problemId={describedBy('validationFile')}
          onUploaded={(file, chosen) => {
            setValidation(file);
            setFiles((f) => ({ ...f, validation: chosen }));
          }}
        />
        {problemOf('dataset.id')}
        {training?.columns ? (
          <>
            <div class="grid">
              <label>
                Prompt column
                <select
                  value={promptColumn}
                  onChange={(e) => setPromptColumn(e.currentTarget.value)}
                  aria-describedby={describedBy('dataset.promptColumn')}
                >
                  <option value="">(none)</option>
                  {training.columns.map((c) => columnOption(c.name))}
                </select>
                {problemOf('dataset.promptColumn')}
              </label>
              <label>
                Answer column
                <select
                  value={answerColumn}
                  onChange={(e) => setAnswerColumn(e.currentTarget.value)}
                  aria-describedby={describedBy('dataset.answerColumn')}
                >
                  {training.columns.map((c) => columnOption(c.name))}
                </select>
                {problemOf('dataset.answerColumn')}
              </label>
            </div>
          </>
        ) : null}
      </div>

      {/* ANALYZE-DATASET PANEL: the pre-flight report of the chosen files (Query.analyzeDataset). */}
      {files.training ? (
        <div class="card" aria-live="polite" aria-busy={preflight.sending !== null}>
          <h2>Pre-flight check</h2>
          {preflight.sending !== null ? (
            <p class="progress">
              <progress
                max={100}
                value={Math.round(preflight.sending * 100)}
                aria-label="Sending the files for the check"
              />
              <span class="progress-text">
                {preflight.sending < 1
                  ? `Sending the files for the check: ${Math.round(preflight.sending * 100)} %`
                  : 'Counting tokens…'}
              </span>
            </p>
          ) : null}
          {preflight.analysis ? (
            <PreflightReport analysis={preflight.analysis} />
          ) : preflight.sending === null ? (
            <p class="muted">
              {Object.keys(preflight.problems).length
                ? 'The check found problems: see beside the fields above.'
                : 'The check runs once the file is uploaded and the columns are chosen.'}
            </p>
          ) : null}
        </div>
      ) : null}

      <div class="card">
        <h2>Model</h2>
        <label>
          Job name
          <input
            value={name}
            placeholder={training?.name.replace(/\.csv$/i, '') ?? ''}
            onInput={(e) => setName(e.currentTarget.value)}
            aria-describedby={describedBy('name')}
          />
          {problemOf('name')}
        </label>
        <div class="grid">
          <label>
            Base model
            <select
              value={baseModelId}
              onChange={(e) => setBaseModelId(e.currentTarget.value)}
              aria-describedby={describedBy('baseModelId')}
            >
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
            <select
              value={batchSize}
              onChange={(e) => setBatchSize(e.currentTarget.value)}
              aria-describedby={describedBy('hyperparameters.batchSize')}
            >
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
                  aria-invalid={shown[path] ? true : undefined}
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
          <p class="muted">
            {estimating
              ? 'Estimating…'
              : training
                ? 'The estimate appears once the inputs are valid.'
                : 'Upload a training file first.'}
          </p>
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
