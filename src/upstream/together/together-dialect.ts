/**
 * Together's side of the shared call machinery: no organization in paths (the key alone names the
 * account), and errors as `{ "error": { "message", "type", "param", "code" } }`. The envelope's
 * `code` (`insufficient_balance`, `invalid_api_key`) is kept as the error's `upstreamCode`, else its
 * `type`; the status still decides the gateway's code (map-error.ts), so 402 is `INSUFFICIENT_CREDIT`.
 */
import { z } from 'zod';
import type { UpstreamDialect } from '../dialect.js';

const envelopeSchema = z.object({
  error: z.object({
    message: z.string().nullish(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.string().nullish(),
  }),
});

export const TOGETHER_DIALECT: UpstreamDialect = {
  organizationPaths: false,
  provider: { name: 'together', credential: 'Together API key' },
  readErrorEnvelope(body) {
    const parsed = envelopeSchema.safeParse(body);
    if (!parsed.success) return undefined;
    const { message, type, param, code } = parsed.data.error;
    return { code: code ?? type ?? undefined, message: message ?? undefined, param: param ?? undefined };
  },
};
