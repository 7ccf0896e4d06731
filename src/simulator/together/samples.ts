/** What the file checks make of a data file's rows: their texts, and what a bad file is refused with. */

/** One text of a row, and whether it is trained on (an answer) or context (a prompt). */
export interface RowPiece {
  text: string;
  trained: boolean;
}

export interface Sample {
  pieces: RowPiece[];
  /** Messages in the row (1 for a general row, 2 for an instruction row). */
  messages: number;
}

/** A file that breaks Together's data rules; the message names the line. */
export class FileFormatError extends Error {}
