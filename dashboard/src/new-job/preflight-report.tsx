/**
 * The pre-flight report of a new job's files: rows read and unusable (with their row numbers),
 * duplicates, tokens by the base model's own tokenizer (totals, histogram, largest rows, rows over the
 * context), the training/validation split, and the cost with its arithmetic beside the upstream's figure.
 */
import { formatMoney } from '../format';
import type { FileAnalysisPartsFragment } from '../gql/graphql';
import type { Analysis } from './use-dataset-analysis';

const n = (value: number) => value.toLocaleString();
const plural = (count: number, one: string, many = `${one}s`) => `${n(count)} ${count === 1 ? one : many}`;

function FileReport({
  file,
  title,
  context,
  id,
}: {
  file: FileAnalysisPartsFragment;
  title: string;
  context: number;
  id: string;
}) {
  return (
    <section class="file-report" aria-labelledby={`${id}-title`} data-testid={`preflight-${id}`}>
      <h3 id={`${id}-title`}>
        {title}: {file.fileName}
      </h3>
      <dl>
        <dt>Rows read</dt>
        <dd data-testid={`${id}-rows-read`}>{n(file.rowsRead)}</dd>
        <dt>Usable rows</dt>
        <dd>{n(file.usableRows)}</dd>
        <dt>Unusable rows</dt>
        <dd data-testid={`${id}-unusable`}>
          {file.problemCount === 0 ? 'none' : n(file.problemCount)}
          {file.problems.length ? (
            <ul class="compact">
              {file.problems.map((p) => (
                <li key={`${p.row}:${p.kind}`}>{p.message}</li>
              ))}
              {file.problemCount > file.problems.length ? (
                <li>… and {n(file.problemCount - file.problems.length)} more</li>
              ) : null}
            </ul>
          ) : null}
        </dd>
        {file.stoppedAt ? (
          <>
            <dt>Reading stopped</dt>
            <dd class="error">
              at row {file.stoppedAt.row}: {file.stoppedAt.message}
            </dd>
          </>
        ) : null}
        <dt>Duplicates</dt>
        <dd>
          {file.duplicateCount === 0 ? 'none' : n(file.duplicateCount)}
          {file.duplicates.length
            ? ` (${file.duplicates.map((d) => `row ${d.row} repeats row ${d.duplicateOf}`).join('; ')}${file.duplicateCount > file.duplicates.length ? '; …' : ''})`
            : ''}
        </dd>
        <dt>Tokens</dt>
        <dd data-testid={`${id}-tokens`}>
          {n(file.tokens.total)}{' '}
          <span class="muted">
            (prompts {n(file.tokens.prompt)}, answers {n(file.tokens.answer)}, chat template {n(file.tokens.template)})
          </span>
        </dd>
        <dt>Largest rows</dt>
        <dd>
          {file.largestRows.length ? file.largestRows.map((r) => `row ${r.row}: ${n(r.tokens)}`).join(', ') : '—'}
        </dd>
        <dt>Over the context</dt>
        <dd class={file.overContextCount ? 'error' : undefined}>
          {file.overContextCount === 0
            ? `none over ${n(context)} tokens`
            : `${plural(file.overContextCount, 'row')} over ${n(context)} tokens: `}
          {file.overContext.map((r) => `row ${r.row} (${n(r.tokens)})`).join(', ')}
          {file.overContextCount > file.overContext.length ? ', …' : ''}
        </dd>
      </dl>
      <TokenHistogram file={file} />
    </section>
  );
}

/** Usable rows by token count, as a table with bars; nothing when no row is usable. */
function TokenHistogram({ file }: { file: FileAnalysisPartsFragment }) {
  const widest = Math.max(1, ...file.histogram.map((b) => b.rows));
  const buckets = file.histogram.filter((b) => b.rows > 0);
  if (!buckets.length) return null;
  return (
    <table class="histogram">
      <caption>Usable rows by tokens</caption>
      <thead>
        <tr>
          <th scope="col">Tokens</th>
          <th scope="col">Rows</th>
        </tr>
      </thead>
      <tbody>
        {buckets.map((b) => (
          <tr key={b.fromTokens}>
            <th scope="row">
              {b.toTokens === null ? `over ${n(b.fromTokens - 1)}` : `${n(b.fromTokens)}–${n(b.toTokens)}`}
            </th>
            <td>
              <span class="bar" style={{ width: `${(b.rows / widest) * 12}rem` }} aria-hidden="true" />
              {n(b.rows)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PreflightReport({ analysis }: { analysis: Analysis }) {
  const { split, cost, upstreamEstimate: upstream } = analysis;
  return (
    <div class="preflight" data-testid="preflight">
      <p class="muted">
        Counted with {analysis.tokenizer.packageName}: {analysis.tokenizer.vocabulary};{' '}
        {plural(analysis.tokenizer.templateTokens, 'chat-template token')} per row.
      </p>
      <div class="grid">
        <FileReport file={analysis.training} title="Training" context={analysis.contextLength} id="training" />
        {analysis.validation ? (
          <FileReport file={analysis.validation} title="Validation" context={analysis.contextLength} id="validation" />
        ) : null}
      </div>
      <h3>Split</h3>
      <p data-testid="preflight-split">
        Training: {plural(split.trainingRows, 'row')}, {plural(split.trainingTokens, 'token')} per epoch. Validation:{' '}
        {plural(split.validationRows, 'row')}, {plural(split.validationTokens, 'token')} per evaluation
        {split.validationSource === 'HOLD_OUT'
          ? `, the last ${plural(split.heldOutRows, 'training row')} held out by the service.`
          : ', from the validation file.'}
      </p>
      <h3>Cost</h3>
      <p data-testid="preflight-cost">
        <strong>{formatMoney(cost.cost, 'USD')}</strong> for {plural(cost.tokens, 'token')}
        {cost.minimumApplied ? ' (the minimum per job)' : ''}. {cost.explanation}
      </p>
      <p class="muted">{cost.priceSource}</p>
      {upstream ? (
        <p data-testid="preflight-upstream">
          The service's own dry run for the uploaded dataset: {formatMoney(upstream.cost, 'USD')} for{' '}
          {plural(upstream.tokens, 'token')}
          {upstream.matchesLocal ? ': the same.' : ': it differs from the count above.'}
        </p>
      ) : null}
    </div>
  );
}
