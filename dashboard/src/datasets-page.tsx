/**
 * The organization's datasets and the files they are made of, each with a Delete button: the way to
 * clean up what was made and is not wanted. Deleting a dataset leaves the jobs made from it running.
 * The service has no way to list or delete files (its API has neither), so files are shown only as
 * part of their datasets. Names are the user's, each isolated (`<bdi>`: a U+202E in one must not turn
 * the page's own words around it), and on a narrow screen each dataset is a card (styles.css), its
 * Delete button in reach.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from './api';
import { formatTime } from './format';
import type { DatasetsQuery } from './gql/graphql';
import { Datasets, DeleteDataset } from './operations';

type Dataset = DatasetsQuery['datasets'][number];
type FileOf = Dataset['trainingFile'];

function FileText({ file }: { file: FileOf }) {
  if (!file) return <>—</>;
  // One element: the cell is a grid on narrow screens (its label, then this), whose every child is an item.
  return (
    <span>
      <bdi>{file.name}</bdi> ({file.bytes.toLocaleString()} bytes)
    </span>
  );
}
const messageOf = (error: unknown) =>
  error instanceof ApiError || error instanceof Error ? error.message : String(error);

export function DatasetsPage() {
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  // What failed, and the dataset it was about (its name isolated when shown).
  const [problem, setProblem] = useState<{ dataset?: string; message: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  const load = async () => {
    try {
      setDatasets((await request(Datasets)).datasets);
    } catch (error) {
      setProblem({ message: messageOf(error) });
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
      setProblem({ dataset: dataset.name, message: messageOf(error) });
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
          {problem.dataset !== undefined ? (
            <>
              <bdi>{problem.dataset}</bdi>:{' '}
            </>
          ) : null}
          {problem.message}
        </p>
      ) : null}
      {datasets === null ? (
        // The list could not be read: the problem above says why, and nothing is coming.
        problem ? null : (
          <p role="status">Loading…</p>
        )
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
              <td data-label="Name">
                <bdi>{d.name}</bdi>
              </td>
              <td data-label="Id">
                {/* What GraphiQL's estimate and job tabs ask for (GraphiQL cannot upload a file). */}
                <code class="dataset-id">{d.id}</code>
              </td>
              <td data-label="Training file">
                <FileText file={d.trainingFile} />
              </td>
              <td data-label="Validation file">
                <FileText file={d.validationFile} />
              </td>
              <td data-label="Created">{formatTime(d.createdAt)}</td>
              <td class="row-actions">
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
