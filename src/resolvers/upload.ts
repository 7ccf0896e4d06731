import type { Readable } from 'node:stream';

/**
 * A file part of a GraphQL multipart request, as the `Upload` scalar hands it to resolvers. The bytes
 * are not buffered: `open()` resolves with the part's stream once the part arrives in the request
 * body, and that stream fails with BAD_USER_INPUT if the file exceeds the gateway's upload limit.
 */
export interface UploadedFile {
  readonly kind: 'uploaded-file';
  readonly filename: string;
  readonly mimeType: string;
  open(): Promise<Readable>;
  /** Why the part's stream was cut short by the gateway (the size limit), if it was. */
  failure(): Error | undefined;
}

/**
 * The fields (`Type.field`) whose resolver reads an Upload's stream once, to its end: `uploadFile`
 * streams it to the upstream as it reads. A part one of them reads can be read by no other field (the
 * other would get what it left: nothing), so an Upload variable such a field reads and another field
 * reads too is refused before the operation runs (src/server/upload-variables.ts). `analyzeDataset`
 * is not one: its fields open a shared part together, before it flows, and each reads it whole.
 */
export const READ_ONCE_UPLOAD_FIELDS: ReadonlySet<string> = new Set(['Mutation.uploadFile']);
