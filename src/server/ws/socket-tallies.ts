/**
 * The metrics' account of each WebSocket operation (operation-tally.ts). yoga's envelop sees only part
 * of an operation over graphql-ws: refusals are made before it (admit-socket-operation.ts, the
 * caller's subscription slots), and a grouped subscription executes on its group's context
 * (subscription-groups.ts), once for all its members. So the transport counts, where each answer is
 * sent: a refusal or an accepted operation in `onSubscribe` (subscribe-socket-operation.ts), the errors
 * of `error` messages in `onError`, those of `next` messages in `onNext` or, for a group's members,
 * where their frames are written (ws-next-frames.ts).
 *
 * Each account is found again by the subscribe message's payload, the object graphql-ws hands to
 * each of those hooks for the operation, in a WeakMap: nothing to remove when it ends.
 */
import type { DocumentNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { GatewayMetrics, OperationPhase } from '../../telemetry/gateway-metrics.js';
import { operationLabels, OperationTally } from '../operation-tally.js';

/** One WebSocket operation's account: labelled by its connection's caller and request id. */
export class SocketTally extends OperationTally {
  constructor(
    metrics: GatewayMetrics,
    private readonly sentName: string | null | undefined,
    private readonly requestId: string,
    private readonly organizationId: string | null,
  ) {
    super(metrics);
  }

  /**
   * Counts the operation, refused or accepted in `phase` (its errors are counted as that phase's),
   * named after `document`'s operation, or as sent when it was not parsed (null).
   */
  answering(phase: OperationPhase, document: DocumentNode | null): void {
    this.phase = phase;
    this.count(operationLabels(this.metrics, document, this.sentName, this.requestId, this.organizationId));
  }
}

export class SocketTallies {
  private readonly byPayload = new WeakMap<SubscribePayload, SocketTally>();

  constructor(private readonly metrics: GatewayMetrics) {}

  /**
   * Opens the account of the operation subscribed with `payload`: its connection's request id (whose
   * acceptance by the upstream lets its name take a label slot) and the organization its caller presented.
   */
  open(payload: SubscribePayload, requestId: string, organizationId: string | null): SocketTally {
    const tally = new SocketTally(this.metrics, payload.operationName, requestId, organizationId);
    this.byPayload.set(payload, tally);
    return tally;
  }

  of(payload: SubscribePayload): SocketTally | undefined {
    return this.byPayload.get(payload);
  }
}
