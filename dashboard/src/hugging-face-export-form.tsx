/**
 * Export a completed job's adapter to Hugging Face. The access token lives only in this form's
 * password field while it is filled in: it is sent once, then the field is emptied; it is never
 * shown back, stored or logged.
 */
import { useState } from 'preact/hooks';
import { ApiError, request } from './api';
import { ExportJob } from './operations';

export function HuggingFaceExportForm({ jobId }: { jobId: string }) {
  const [userId, setUserId] = useState('');
  const [repositoryId, setRepositoryId] = useState('');
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [result, setResult] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const tokenField = form.elements.namedItem('accessToken') as HTMLInputElement;
    const accessToken = tokenField.value;
    tokenField.value = '';
    setBusy(true);
    setProblems({});
    setResult(null);
    try {
      const { exportJobToHuggingFace: e } = await request(ExportJob, {
        input: { jobId, userId, repositoryId, accessToken },
      });
      setResult(`Export to ${e.repositoryId}: ${e.status}.`);
    } catch (error) {
      setProblems(error instanceof ApiError ? error.byField() : { '': [String(error)] });
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (field: string) =>
    problems[field] ? (
      <span class="field-error" id={`export-${field}-error`}>
        {problems[field]!.join(' ')}
      </span>
    ) : null;

  return (
    <form class="card" onSubmit={submit} autocomplete="off">
      <h2>Export to Hugging Face</h2>
      <label>
        Hugging Face user
        <input name="userId" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        {fieldError('userId')}
      </label>
      <label>
        Repository (user/repo)
        <input
          name="repositoryId"
          required
          value={repositoryId}
          onInput={(e) => setRepositoryId(e.currentTarget.value)}
        />
        {fieldError('repositoryId')}
      </label>
      <label>
        Access token (write access; sent once, never stored)
        <input name="accessToken" type="password" required autocomplete="off" spellcheck={false} />
        {fieldError('accessToken')}
      </label>
      {problems[''] ? (
        <p class="error" role="alert">
          {problems['']!.join(' ')}
        </p>
      ) : null}
      {result ? <p role="status">{result}</p> : null}
      <button type="submit" disabled={busy}>
        {busy ? 'Exporting…' : 'Export'}
      </button>
    </form>
  );
}
