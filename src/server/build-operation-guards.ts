/**
 * The operation guards of the back end (build-backends.ts): the rate limit (on the gateway's Redis
 * connection for it, when there is one), the APQ store and the trusted documents, as the settings
 * build them (start-operation-guards.ts) unless the caller made some of them, and the names of the
 * trusted documents' operations (their metrics label slots are theirs from the start).
 */
import { parse } from 'graphql';
import type { Settings } from '../config.js';
import type { GatewayDeps } from './compose-gateway.js';
import type { OperationGuardParts } from './gateway-plugins.js';
import type { DeploymentRedis } from './build-redis-and-cache.js';
import { StartError } from './start-error.js';
import { startOperationGuards } from './start-operation-guards.js';

export async function buildOperationGuards(
  settings: Settings,
  deps: GatewayDeps,
  redis: DeploymentRedis | null,
): Promise<OperationGuardParts> {
  const shared = redis?.rateLimit ? { client: redis.rateLimit, realm: redis.realm } : null;
  const built = await startOperationGuards(settings, shared).catch((error: unknown) => {
    throw new StartError((error as Error).message);
  });
  const given = deps.prebuilt ?? {};
  return {
    rateLimit: given.rateLimit !== undefined ? given.rateLimit : built.rateLimit,
    apqStore: given.apqStore !== undefined ? given.apqStore : built.apqStore,
    trustedDocuments: given.trustedDocuments !== undefined ? given.trustedDocuments : built.trustedDocuments,
  };
}

/** The names of the operations in the trusted documents (hash → text), in the documents' order. */
export function operationNames(documents: ReadonlyMap<string, string>): string[] {
  return [...documents.values()].flatMap((text) =>
    parse(text).definitions.flatMap((d) => (d.kind === 'OperationDefinition' && d.name ? [d.name.value] : [])),
  );
}
