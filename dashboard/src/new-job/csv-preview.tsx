/** A CSV's columns and their first values (up to three rows), as the service read them or the browser did. */

export interface PreviewColumn {
  name: string;
  /** The type the service read; absent where the browser read the file. */
  type?: string;
  sampleValues: readonly (string | null)[];
}

export function CsvPreview({ columns, caption }: { columns: readonly PreviewColumn[]; caption: string }) {
  const rows = Math.min(3, Math.max(0, ...columns.map((c) => c.sampleValues.length)));
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                <bdi>{c.name}</bdi> {c.type ? <span class="muted">({c.type})</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, row) => (
            <tr key={row}>
              {columns.map((c, i) => (
                <td key={i}>{c.sampleValues[row] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The columns of a CSV the browser read: its header and the first rows under it. */
export function previewOf(header: readonly string[], rows: readonly string[][]): PreviewColumn[] {
  return header.map((name, i) => ({ name, sampleValues: rows.map((row) => row[i] ?? '') }));
}
