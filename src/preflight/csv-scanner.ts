/**
 * CSV read as text arrives, in memory bounded by the caller whatever the file's shape: a record's
 * fields are kept as `FieldText` (a capped start, a length and a hash), and only the columns asked
 * for are kept at all. It reads as csv-parse does with `skip_empty_lines` and `relax_column_count`:
 * `,` between fields, the first record delimiter seen (`\n`, `\r\n` or `\r`) for the whole file
 * and only it (in a CRLF file a lone `\r` is text, and a quoting error after a closing quote),
 * `"` quoting with `""` for a quote, empty lines skipped (a line of spaces is not empty: it is a
 * record of one field). Each record comes with its width, which the analysis checks against the
 * header's as the uploads do (the Nscale simulator's csv-parse without `relax_column_count`, and the
 * Together conversion, both refuse the file). A quoting error ends the reading, as nothing after it
 * can be split into rows reliably; its message is csv-parse's.
 */
import { FieldText, isSpace } from './field-text.js';

export interface ScannedRecord {
  /** Line of the file where the record ends (a quoted field may span lines). */
  line: number;
  fieldCount: number;
  /** The kept columns' fields, by column index (others undefined). */
  fields: (FieldText | undefined)[];
  /** A line of whitespace alone (spaces, tabs), unquoted: csv-parse reads it as one field, not as an empty line. */
  blank: boolean;
}

export interface CsvScanError {
  line: number;
  message: string;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted' | 'afterCr';

export class CsvScanner {
  private state: State = 'fieldStart';
  private delimiter: 'lf' | 'crlf' | 'cr' | null = null;
  private line = 1;
  private quoteLine = 1;
  private fields: (FieldText | undefined)[] = [];
  private fieldCount = 0;
  private field: FieldText | undefined;
  /** Characters seen in the current record: zero at a record delimiter means an empty line. */
  private recordChars = 0;
  /** Whether the current record has a character other than unquoted whitespace. */
  private recordText = false;
  /** Whether later fields keep their text trimmed (see FieldText). */
  private trim = true;
  error: CsvScanError | undefined;
  /**
   * A chunk that ends with `\r` leaves it here for the next one: whether it ends a line alone or with
   * the `\n` that may open the next chunk decides the record delimiter and the line count.
   */
  private heldCr = false;

  constructor(
    /** Whether column `index` is kept, and the cap of its text. */
    private keep: (index: number) => number | null,
    private readonly onRecord: (record: ScannedRecord) => void,
  ) {}

  /** Which columns later records keep (set once the header is read), trimmed or as written. */
  keepColumns(keep: (index: number) => number | null, trim = true): void {
    this.keep = keep;
    this.trim = trim;
  }

  write(chunk: string): void {
    let text = this.heldCr ? `\r${chunk}` : chunk;
    this.heldCr = text.endsWith('\r');
    if (this.heldCr) text = text.slice(0, -1);
    this.scan(text);
  }

  private scan(text: string): void {
    // Where the current field's pending text starts in this chunk (a field may begin in an earlier one).
    let spanStart = 0;
    for (let i = 0; i < text.length && this.error === undefined; i++) {
      const code = text.charCodeAt(i);
      switch (this.state) {
        case 'afterCr':
          this.state = 'fieldStart';
          if (code === LF && this.delimiter === 'crlf') break;
          i--;
          break;
        case 'fieldStart':
          this.openField();
          if (code === QUOTE) {
            this.state = 'quoted';
            this.quoteLine = this.line;
            this.recordChars++;
            this.recordText = true;
            spanStart = i + 1;
            break;
          }
          this.state = 'unquoted';
          spanStart = i;
        // falls through
        case 'unquoted':
          if (code === COMMA || this.isDelimiterStart(code, text, i)) {
            this.field?.append(text, spanStart, i);
            this.endField();
            if (code === COMMA) {
              this.recordChars++;
              this.state = 'fieldStart';
            } else this.endRecord(code);
          } else if (code === QUOTE) {
            this.fail(
              `Invalid Opening Quote: a quote is found on field ${this.fieldCount - 1} at line ${this.line}, ` +
                `value is ${JSON.stringify(text.slice(spanStart, i))}`,
            );
          } else {
            this.recordChars++;
            if (!this.recordText && !isSpace(code)) this.recordText = true;
            // A line break that does not end the record (a lone `\r` in a CRLF file) still counts as
            // csv-parse counts lines, as in a quoted field.
            if (this.isLineBreak(code, text, i)) this.line++;
          }
          break;
        case 'quoted':
          this.recordChars++;
          if (code === QUOTE) {
            this.field?.append(text, spanStart, i);
            this.state = 'quoteInQuoted';
          } else if (this.isLineBreak(code, text, i)) this.line++;
          break;
        case 'quoteInQuoted':
          if (code === QUOTE) {
            this.field?.appendChar('"');
            this.state = 'quoted';
            spanStart = i + 1;
          } else if (code === COMMA) {
            this.endField();
            this.state = 'fieldStart';
          } else if (this.isDelimiterStart(code, text, i)) {
            this.endField();
            this.endRecord(code);
          } else {
            this.fail(
              `Invalid Closing Quote: got "${text[i]}" at line ${this.line} instead of delimiter, record ` +
                `delimiter, trimable character (if activated) or comment`,
            );
          }
          break;
      }
    }
    if (this.error !== undefined) return;
    // The chunk ends inside a field: what is pending so far joins the field, the rest comes next chunk.
    if (this.state === 'unquoted') this.field?.append(text, spanStart, text.length);
    else if (this.state === 'quoted') this.field?.append(text, spanStart, text.length);
  }

  end(): void {
    if (this.heldCr) {
      this.heldCr = false;
      this.scan('\r');
    }
    if (this.error !== undefined) return;
    if (this.state === 'quoted') {
      this.fail(`Quote Not Closed: the parsing is finished with an opening quote at line ${this.quoteLine}`);
      return;
    }
    // A comma just before the end opens one more (empty) field.
    if (this.state === 'fieldStart' && this.recordChars > 0) this.openField();
    if (this.state !== 'afterCr' && this.recordChars > 0) this.emit();
  }

  /**
   * Whether the character at `i` starts a record delimiter. csv-parse takes the first line ending it
   * meets outside quotes for the whole file and then ends a record only on that one: in a CRLF file a
   * lone `\r` (or `\n`) is text of the field, and after a closing quote a quoting error.
   */
  private isDelimiterStart(code: number, text: string, i: number): boolean {
    if (code !== LF && code !== CR) return false;
    const crlf = code === CR && text.charCodeAt(i + 1) === LF;
    if (this.delimiter === null) this.delimiter = code === LF ? 'lf' : crlf ? 'crlf' : 'cr';
    if (this.delimiter === 'crlf') return crlf;
    return code === (this.delimiter === 'lf' ? LF : CR);
  }

  /** A line as csv-parse counts them: a `\n`, or a `\r` not followed by one. */
  private isLineBreak(code: number, text: string, i: number): boolean {
    return code === LF || (code === CR && text.charCodeAt(i + 1) !== LF);
  }

  private openField(): void {
    const cap = this.keep(this.fieldCount);
    this.field = cap === null ? undefined : new FieldText(cap, this.trim);
    this.fields[this.fieldCount] = this.field;
    this.fieldCount++;
  }

  private endField(): void {
    this.field = undefined;
  }

  private endRecord(code: number): void {
    if (this.recordChars > 0 || this.fieldCount > 1) this.emit();
    else this.reset();
    this.line++;
    this.state = code === CR ? 'afterCr' : 'fieldStart';
  }

  private emit(): void {
    const blank = this.fieldCount === 1 && !this.recordText;
    this.onRecord({ line: this.line, fieldCount: this.fieldCount, fields: this.fields, blank });
    this.reset();
  }

  private reset(): void {
    this.fields = [];
    this.fieldCount = 0;
    this.recordChars = 0;
    this.recordText = false;
  }

  private fail(message: string): void {
    this.error = { line: this.line, message };
  }
}
