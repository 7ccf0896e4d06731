/** The pre-flight check's card: its upload progress, then the report of the chosen files (`analyzeDataset`). */
import { PreflightReport } from './preflight-report';
import type { AnalysisState } from './use-dataset-analysis';

export function PreflightCard({ preflight }: { preflight: AnalysisState }) {
  const { sending, analysis, problems } = preflight;
  return (
    <div class="card" aria-live="polite" aria-busy={sending !== null}>
      <h2>Pre-flight check</h2>
      {sending !== null ? (
        <p class="progress">
          <progress max={100} value={Math.round(sending * 100)} aria-label="Sending the files for the check" />
          <span class="progress-text">
            {sending < 1 ? `Sending the files for the check: ${Math.round(sending * 100)} %` : 'Counting tokens…'}
          </span>
        </p>
      ) : null}
      {analysis ? (
        <PreflightReport analysis={analysis} />
      ) : sending === null ? (
        <p class="muted">
          {Object.keys(problems).length
            ? 'The check found problems: see beside the fields above.'
            : 'The check runs once the file is uploaded and the columns are chosen.'}
        </p>
      ) : null}
    </div>
  );
}
