/** What a Together handler receives: the request, its path parameters, the caller's account and the shared parts. */
import type { IncomingMessage } from 'node:http';
import type { Reply } from '../reply.js';
import type { LinkRegistry } from './links.js';
import type { ResolvedTogetherOptions } from './options.js';
import type { AccountState, TogetherStore } from './store.js';

/** What a download link serves. */
export interface LinkedFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface TogetherDeps {
  options: ResolvedTogetherOptions;
  store: TogetherStore;
  /** Upload targets: the file id and account each PUT completes. */
  uploads: LinkRegistry<{ accountId: string; fileId: string }>;
  downloads: LinkRegistry<LinkedFile>;
  /** `http://host:port` the simulator listens on, known once it does. */
  origin: () => string;
}

export interface TogetherContext {
  req: IncomingMessage;
  url: URL;
  /** Percent-decoded path parameters (`id`). */
  params: Readonly<Record<string, string>>;
  account: AccountState;
  deps: TogetherDeps;
  /** The clock's reading for this request: one request sees one instant. */
  now: number;
}

export type TogetherHandler = (ctx: TogetherContext) => Reply | Promise<Reply>;
