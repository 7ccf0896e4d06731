/**
 * One GraphQL operation's account in `gateway_graphql_requests_total` and `gateway_graphql_errors_total`,
 * kept by the transport that answers it: use-metrics.ts over HTTP and SSE, subscribe-socket-operation.ts
 * and graphql-ws-options.ts over WebSocket, response-cache/fast-hits.ts for the cache hits answered
 * before yoga. Each operation is counted once, when it is refused or its answer begins (a subscription
 * when it starts, not when it ends), and each error it answers once, by its code and the phase the
 * operation had reached.
 *
 * Why not the prometheus plugin's own counters: they count from envelop's execute and subscribe hooks,
 * keyed by the context that was parsed. A refusal made before execution (the rate limit, an operation
 * limit, a WebSocket admission) never gets there, and a grouped WebSocket subscription executes on a
 * context of its group's (ws/subscription-groups.ts) that was never parsed: neither was counted, on
 * either counter. Validation failures were counted once with the phase's code, not each error with its own.
 *
 * On the request path of every operation: the labels are made once per operation (one `getOperationAST`,
 * one bounded-label lookup), nothing is allocated per error but the counter's own label object, and an
 * answer without errors costs a property read. A name longer than a label value may be (100 characters,
 * bounded-label.ts) is counted as `other` on every transport: each goes through `metrics.operationName`.
 */
import { getOperationAST, Lexer, Source, TokenKind, type DocumentNode } from 'graphql';
import type { GatewayMetrics, OperationLabels, OperationPhase } from '../telemetry/gateway-metrics.js';
import type { RequestProof } from '../telemetry/proven-requests.js';
import { toClientError } from './to-client-error.js';

/** What a client reads of an error: `extensions.code`, or what the gateway's masking makes of it. */
interface Coded {
  extensions?: { code?: unknown } | null;
}

export class OperationTally {
  /** How far the operation has gone: the phase of the errors it answers from now on. */
  phase: OperationPhase = 'admission';
  /** Its labels once counted; null before. */
  labels: OperationLabels | null = null;

  constructor(readonly metrics: GatewayMetrics) {}

  /** Counts the operation under `labels`; once only, later calls do nothing. */
  count(labels: OperationLabels): void {
    if (this.labels !== null) return;
    this.labels = labels;
    this.metrics.graphqlOperation(labels);
  }

  /** Counts each error of an answer (a result's `errors`, a refusal), by code; nothing before `count`. */
  errors(errors: readonly unknown[] | null | undefined): void {
    if (!errors || this.labels === null) return;
    for (const error of errors) this.metrics.graphqlError(this.labels, this.phase, errorCode(error, this.phase));
  }
}

/** Parse and validation errors that reach the counters without a code carry their phase's. */
const PHASE_CODES: Partial<Record<OperationPhase, string>> = {
  parse: 'GRAPHQL_PARSE_FAILED',
  validate: 'GRAPHQL_VALIDATION_FAILED',
};

/** An error's code from the closed vocabulary: its own, its phase's, or what a client would be shown. */
function errorCode(error: unknown, phase: OperationPhase): string {
  const given = (error as Coded | null)?.extensions?.code;
  if (typeof given === 'string') return given;
  const code = PHASE_CODES[phase] ?? toClientError(error).extensions['code'];
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/**
 * The labels of an operation: the name and type of the operation its document runs (`sentName`
 * selects it, as execution does); without a document (refused before it was parsed), the name it was
 * sent with and type `unknown`. A name or organization takes a free label slot only when the upstream
 * accepted the caller in this request: `proof`, an HTTP request's own (GatewayMetrics.claimRequest,
 * null before it claimed its id), or a WebSocket connection's id (GatewayMetrics.provenCaller).
 */
export function operationLabels(
  metrics: GatewayMetrics,
  document: DocumentNode | null | undefined,
  sentName: string | null | undefined,
  proof: RequestProof | string | null | undefined,
  organizationId: string | null | undefined,
): OperationLabels {
  const operation = document ? getOperationAST(document, sentName ?? undefined) : null;
  const name = operation ? operation.name?.value : sentName;
  const proven = typeof proof === 'string' ? metrics.provenCaller(proof) : proof?.proven === true;
  return labelsOf(metrics, name, operation?.operation ?? 'unknown', proven, organizationId);
}

/** The labels of an operation named `name` (bounded: a free slot only when `proven`), of type `type`. */
function labelsOf(
  metrics: GatewayMetrics,
  name: string | null | undefined,
  type: string,
  proven: boolean,
  organizationId: string | null | undefined,
): OperationLabels {
  const operationName = metrics.operationName(name, proven);
  const organization = metrics.organization;
  return organization
    ? { operationName, operationType: type, organization: organization(organizationId, proven) }
    : { operationName, operationType: type };
}

/**
 * The labels of an answer served from the response cache, whose document is not parsed (through yoga
 * or before it: response-cache/fast-hits.ts): a query, under `name` (`hitOperationName`). A hit makes
 * no upstream call: its name takes no free label slot.
 */
export function cacheHitLabels(
  metrics: GatewayMetrics,
  name: string | null,
  organizationId: string | null | undefined,
): OperationLabels {
  return labelsOf(metrics, name, 'query', false, organizationId);
}

/** The name a cache hit is counted under: the one sent, else the document's first definition's. */
export function hitOperationName(query: string | null | undefined, sentName: string | null | undefined): string | null {
  return sentName ?? leadingQueryName(query);
}

/**
 * The name of a document whose first definition is a named query (`query Jobs { … }`, as the dashboard
 * and code generators write them), read from its first two tokens, not parsed; else null (`anonymous`).
 */
function leadingQueryName(query: string | null | undefined): string | null {
  if (!query) return null;
  try {
    const lexer = new Lexer(new Source(query));
    const first = lexer.advance();
    if (first.kind !== TokenKind.NAME || first.value !== 'query') return null;
    const name = lexer.advance();
    return name.kind === TokenKind.NAME ? name.value : null;
  } catch {
    return null; // a syntax error: no cache holds an answer for it
  }
}
