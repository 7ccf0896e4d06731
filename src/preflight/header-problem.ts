/**
 * The header rule of Nscale's upload, as the simulator applies it (`headerProblem` in
 * src/simulator/csv-table.ts, [ours] in the contract): every column has a name, no name twice (names
 * trimmed), and a first row of numbers alone is data, not a header. The simulator refuses a file
 * that breaks it, so the pre-flight refuses it in the same words: a report of a file the upload will
 * not take would predict nothing. Kept apart from the simulator's copy because the two share no code
 * (the simulator is a separate program); test/preflight/upload-refusals.spec.ts holds them to the
 * same answers. Together's CSV→JSONL conversion has no such rule: it reads two columns by name.
 */

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Why `header` (its names trimmed) cannot be the header row of an Nscale upload, or undefined when it can. */
export function headerProblem(header: readonly string[]): string | undefined {
  const blank = header.findIndex((name) => name === '');
  if (blank !== -1) return `column ${blank + 1} of the header row has no name`;
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) return `the header row names column ${JSON.stringify(name)} twice`;
    seen.add(name);
  }
  if (header.every((name) => NUMBER.test(name))) {
    return 'the first row holds only numbers: a CSV needs a header row naming its columns';
  }
  return undefined;
}
