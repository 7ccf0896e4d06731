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
