/**
 * What differs on the wire between the upstreams the shared call machinery (call.ts) speaks to:
 * where a caller's resources sit in the path, and the shape of an error answer. Nscale's is the
 * default; the Together client (together/) brings its own.
 */
import { errorEnvelopeSchema } from './schemas.js';

/** An error answer, read: the upstream's code, its sentence for users, and the parameter it names. */
export interface ErrorEnvelope {
  code: string | undefined;
  message: string | undefined;
  /** The request parameter the refusal is about, in the upstream's (wire) name. */
  param?: string | undefined;
}

export interface UpstreamDialect {
  /**
   * Whether request paths sit below `/organizations/{org}` (Nscale: credentials carry an organization
   * id) or the token alone names the account (Together: a bearer token only).
   */
  organizationPaths: boolean;
  /** Reads an error answer's parsed JSON; undefined when it is not this upstream's envelope. */
  readErrorEnvelope(body: unknown): ErrorEnvelope | undefined;
  /**
   * The provider, as a caller names it (`X-Provider`), and the credential its bearer token is: what
   * the refusal of a token (HTTP 401, map-error.ts) names.
   */
  provider: { name: string; credential: string };
}

/** The Nscale contract: `/organizations/{org}/…`, errors as `{ code, message }`. */
export const NSCALE_DIALECT: UpstreamDialect = {
  organizationPaths: true,
  provider: { name: 'nscale', credential: 'Nscale service token' },
  readErrorEnvelope(body) {
    const parsed = errorEnvelopeSchema.safeParse(body);
    if (!parsed.success) return undefined;
    return { code: parsed.data.code, message: parsed.data.message ?? undefined };
  },
};
