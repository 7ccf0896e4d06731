/**
 * The organization's datasets and the files they are made of, each with a Delete button: the way to
 * clean up what was made and is not wanted. Deleting a dataset leaves the jobs made from it running.
 * The service has no way to list or delete files (its API has neither), so files are shown only as
 * part of their datasets.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from './api';
import { formatTime } from './format';
import type { DatasetsQuery } from './gql/graphql';
import { Datasets, DeleteDataset } from './operations';

type Dataset = DatasetsQuery['datasets'][number];
type FileOf = Dataset['trainingFile'];

const fileText = (file: FileOf) => (file ? `${file.name} (${file.bytes.toLocaleString()} bytes)` : '—');
const messageOf = (error: unknown) =>
  error instanceof ApiError || error instanceof Error ? error.message : String(error);

export function DatasetsPage() {
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  const load = async () => {
    try {
      setDatasets((await request(Datasets)).datasets);
    } catch (error) {
      setProblem(messageOf(error));
    }
  };
  useEffect(() => void load(), []);

  const remove = async (dataset: Dataset) => {
    setDeleting(dataset.id);
    setProblem(null);
    try {
      await request(DeleteDataset, { id: dataset.id });
      setDatasets((list) => list?.filter((d) => d.id !== dataset.id) ?? null);
    } catch (error) {
      setProblem(`${dataset.name}: ${messageOf(error)}`);
    } finally {
      setDeleting(null);
    }
  };

  return (
    <section aria-labelledby="datasets-title">
      <h1 id="datasets-title">Datasets</h1>
      <p class="muted">Deleting a dataset leaves the jobs made from it running. The service cannot delete files.</p>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
      {datasets === null ? (
        <p role="status">Loading…</p>
      ) : datasets.length === 0 ? (
        <p>No datasets.</p>
      ) : (
        <DatasetsTable datasets={datasets} deleting={deleting} onDelete={(d) => void remove(d)} />
      )}
    </section>
  );
}

function DatasetsTable(props: { datasets: Dataset[]; deleting: string | null; onDelete: (dataset: Dataset) => void }) {
  return (
    <div class="table-wrap">
      <table class="datasets">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Training file</th>
            <th scope="col">Validation file</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.datasets.map((d) => (
            <tr key={d.id} data-testid="dataset-row">
              <td>{d.name}</td>
              <td>
                {/* What GraphiQL's estimate and job tabs ask for (GraphiQL cannot upload a file). */}
                <code class="dataset-id">{d.id}</code>
              </td>
              <td>{fileText(d.trainingFile)}</td>
              <td>{fileText(d.validationFile)}</td>
              <td>{formatTime(d.createdAt)}</td>
              <td>
                <button
                  type="button"
                  disabled={props.deleting !== null}
                  aria-label={`Delete dataset ${d.name}`}
                  onClick={() => props.onDelete(d)}
                >
                  {props.deleting === d.id ? 'Deleting…' : 'Delete'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
