/**
 * Reads `POST /files`: a multipart body whose `file` part is parsed as CSV while it streams in, so an
 * upload is never held whole as bytes and a bad one is refused as soon as it shows. Text must be
 * UTF-8 (a BOM is dropped by the decoder); NUL bytes or invalid UTF-8 mean a binary file. Which
 * file is a CSV is decided by content, not by the name or the part's content type, which clients
 * set carelessly.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { parse, type CsvError } from 'csv-parse';
import { ACCEPTED_FORMAT, looksLikeJson } from '../contract/file-format.js';
import { ApiError, invalidArgument } from './api-error.js';
import { headerProblem } from '../contract/csv-header.js';

export interface UploadedCsv {
  filename: string;
  bytes: number;
  header: string[];
  rows: string[][];
}

/** Multipart framing around the file: a Content-Length beyond limit + this is refused unread. */
const MULTIPART_SLACK = 64 * 1024;

export function tooLarge(maxBytes: number): ApiError {
  const mib = maxBytes / (1024 * 1024);
  const limit = mib >= 1 ? `${Number(mib.toFixed(1))} MiB` : `${maxBytes} bytes`;
  return new ApiError('invalid_argument', `file: larger than the ${limit} upload limit`, { status: 413 });
}

const notCsv = (reason: string): ApiError => invalidArgument(`file: not a valid CSV file: ${reason}`);

export function readCsvUpload(req: IncomingMessage, maxBytes: number): Promise<UploadedCsv> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    return Promise.reject(
      invalidArgument('request body must be multipart/form-data with the CSV in a part named "file"'),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_SLACK) return Promise.reject(tooLarge(maxBytes));

  let bb: busboy.Busboy;
  try {
    // busboy emits `limit` when a file reaches `fileSize`: one byte more accepts a file of exactly `maxBytes`.
    bb = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { files: 1, fileSize: maxBytes + 1, fields: 20, parts: 25 },
    });
  } catch {
    return Promise.reject(invalidArgument('request body must be multipart/form-data with a boundary'));
  }

  return new Promise((resolve, reject) => {
    let settled = false;
    let parsing: Promise<Omit<UploadedCsv, 'filename'>> | undefined;
    let filename = '';
    const fail = (error: ApiError): void => {
      if (settled) return;
      settled = true;
      // Stop feeding the parser; the server answers and closes the connection instead of reading on.
      req.unpipe(bb);
      reject(error);
    };
    req.on('error', () => fail(invalidArgument('file: the upload was interrupted')));

    bb.on('file', (field, stream, info) => {
      if (field !== 'file' || parsing !== undefined) {
        stream.resume();
        return;
      }
      filename = info.filename ?? '';
      parsing = parseCsvStream(stream, maxBytes);
      parsing.catch(fail);
    });
    bb.on('error', (error) =>
      fail(invalidArgument(`request body is not valid multipart: ${(error as Error).message}`)),
    );
    bb.on('close', () => {
      if (parsing === undefined) {
        fail(invalidArgument('file: the multipart body has no file part named "file"'));
        return;
      }
      parsing.then((csv) => {
        if (settled) return;
        settled = true;
        resolve({ filename: filename || 'upload.csv', ...csv });
      }, fail);
    });
    req.pipe(bb);
  });
}

function parseCsvStream(
  stream: NodeJS.ReadableStream & { truncated?: boolean },
  maxBytes: number,
): Promise<Omit<UploadedCsv, 'filename'>> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const parser = parse({ skip_empty_lines: true });
    const records: string[][] = [];
    let bytes = 0;
    /** The first characters of the file, to tell a JSON file from a broken CSV one. */
    let start = '';
    let failed = false;
    const fail = (error: ApiError): void => {
      if (failed) return;
      failed = true;
      stream.resume();
      parser.destroy();
      reject(error);
    };

    parser.on('data', (record: string[]) => records.push(record));
    // A parser's complaint names the format too; a JSON file is said to be one instead of quoting it.
    parser.on('error', (error: CsvError) =>
      fail(
        notCsv(
          looksLikeJson(start)
            ? `it reads like JSON or JSON Lines; ${ACCEPTED_FORMAT}`
            : `${error.message}; ${ACCEPTED_FORMAT}`,
        ),
      ),
    );
    parser.on('end', () => {
      if (failed) return;
      const [header, ...rows] = records;
      if (bytes === 0 || header === undefined) return fail(invalidArgument('file: the file is empty'));
      const problem = headerProblem(header);
      if (problem !== undefined) return fail(notCsv(problem));
      if (rows.length === 0) return fail(invalidArgument('file: the CSV has a header row but no data rows'));
      resolve({ bytes, header: header.map((h) => h.trim()), rows });
    });

    stream.on('limit', () => fail(tooLarge(maxBytes)));
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      bytes += chunk.length;
      if (chunk.includes(0)) return fail(notCsv('it holds binary data (NUL bytes)'));
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        return fail(notCsv('it is not UTF-8 text'));
      }
      if (start.length < 64) start += text.slice(0, 64);
      parser.write(text);
    });
    stream.on('end', () => {
      if (failed) return;
      try {
        parser.end(decoder.decode());
      } catch {
        fail(notCsv('it is not UTF-8 text'));
      }
    });
  });
}
