/**
 * The header rule of an Nscale upload ([ours] in the contract): every column has a name, no name twice
 * (names trimmed), and a first row of numbers alone is data, not a header, so a job could not name its
 * prompt and answer columns. The simulator refuses a file that breaks it (src/simulator/csv-upload.ts),
 * and the pre-flight refuses it in the same words (src/preflight/file-analysis.ts): a report of a file
 * the upload will not take would predict nothing. Together's CSV→JSONL conversion has no such rule: it
 * reads two columns by name.
 */

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Why `header` cannot be the header row of an Nscale upload, or undefined when it can. `identity`
 * tells two names apart where `header` holds only their start (the pre-flight keeps 1,024 characters of
 * a name): by default the trimmed name itself.
 */
export function headerProblem(
  header: readonly string[],
  identity: (index: number) => string = (index) => header[index]!.trim(),
): string | undefined {
  const names = header.map((h) => h.trim());
  const blank = names.findIndex((n) => n === '');
  if (blank !== -1) return `column ${blank + 1} of the header row has no name`;
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    const id = identity(index);
    if (seen.has(id)) return `the header row names column ${JSON.stringify(name)} twice`;
    seen.add(id);
  }
  if (names.every((n) => NUMBER.test(n))) {
    return 'the first row holds only numbers: a CSV needs a header row naming its columns';
  }
  return undefined;
}
