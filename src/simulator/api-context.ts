/** What an API handler receives: the request, its route parameters, the caller's organization and the shared parts. */
import type { IncomingMessage } from 'node:http';
import type { BaseModelSeed } from './seed-base-models.js';
import type { DownloadRegistry } from './downloads.js';
import type { ResolvedOptions } from './options.js';
import type { Reply } from './reply.js';
import type { RowCounter } from './row-counter.js';
import type { OrgState, Store } from './store.js';

export interface SimulatorDeps {
  options: ResolvedOptions;
  store: Store;
  downloads: DownloadRegistry;
  models: readonly BaseModelSeed[];
  /** `http://host:port` the simulator listens on, known once it does. */
  origin: () => string;
  /** Token counting on a thread of its own, off the event loop. */
  rowCounter: RowCounter;
}

export interface ApiContext {
  req: IncomingMessage;
  url: URL;
  /** Percent-decoded path parameters (`id`). */
  params: Readonly<Record<string, string>>;
  org: OrgState;
  deps: SimulatorDeps;
  /** The clock's reading for this request: one request sees one instant. */
  now: number;
}

export type Handler = (ctx: ApiContext) => Reply | Promise<Reply>;
