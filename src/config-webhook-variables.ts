/**
 * The settings of durable state and webhooks: the database (PostgreSQL, or the embedded PGlite), the
 * key that seals stored secrets, how deliveries go out (allowed hosts and ports, timeouts, the retry
 * schedule), and how long the download links kept there live. Part of the one settings schema
 * (config-variables.ts lists them in its order).
 */
import { z } from 'zod';
import { about } from './config-about.js';
import { bool, hostName, httpUrl, list, milliseconds, positiveInt, seconds } from './env-values.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `2h`: a duration, in milliseconds; null when it is not one. */
export function durationMs(value: string): number | null {
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!match) return null;
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

const durations = list('a duration such as 30s, 5m or 2h', (value) => {
  const ms = durationMs(value);
  return ms === null ? null : String(ms);
})
  .transform((values) => values.map(Number))
  .refine((values) => values.length > 0, { message: 'must name at least one delay' });

const postgresUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol), {
    message: 'must be a PostgreSQL URL such as postgres://user@127.0.0.1:5432/gateway',
  });

/**
 * Port numbers from 1 to 65535, comma-separated (`443,8443`), each entry checked: an empty one
 * (`443,,8443`, `443,`) is refused rather than skipped, since it is a typo more often than a wish.
 */
const ports = z.string().transform((value, ctx) => {
  const out = new Set<number>();
  for (const raw of value.split(',').map((v) => v.trim())) {
    const port = /^\d{1,5}$/.test(raw) ? Number(raw) : 0;
    if (port < 1 || port > 65_535) {
      const message =
        raw === ''
          ? 'has an empty entry; list port numbers from 1 to 65535, comma-separated, such as 443,8443'
          : `${JSON.stringify(raw)} is not a port number from 1 to 65535`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    out.add(port);
  }
  return [...out];
});

/** 32 bytes, as base64 (44 characters) or hex (64). */
const encryptionKey = z.string().transform((value, ctx) => {
  const trimmed = value.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && bytes.toString('base64') !== trimmed)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be 32 random bytes as base64 (44 characters) or hex (64); `openssl rand -base64 32` makes one',
    });
    return z.NEVER;
  }
  return bytes;
});

export const webhookVariables = {
  DATABASE_URL: about(
    postgresUrl.optional(),
    "PostgreSQL holding the gateway's durable state (webhook endpoints, sealed credentials, " +
      'deliveries, download links on Together); migrations run at start. Unset: an embedded PostgreSQL ' +
      '(PGlite) in `DATA_DIR`, opened when webhooks or download links are first used.',
    'unset (embedded PGlite)',
  ),
  DATA_DIR: about(
    z.string().min(1).default('.data'),
    'Folder of the embedded database (PGlite, `DATA_DIR/pglite`) when `DATABASE_URL` is unset, and ' +
      'of the key it generates (`DATA_DIR/webhook.key`) when `WEBHOOK_ENCRYPTION_KEY` is unset too.',
  ),
  WEBHOOKS_ENABLED: about(
    bool.default(true),
    'Webhook endpoints (GraphQL `createWebhookEndpoint`) and their deliveries.',
  ),
  WEBHOOK_ENCRYPTION_KEY: about(
    encryptionKey.optional(),
    'Key that seals the signing secrets and upstream credentials stored for webhooks and download links (AES-256-GCM): ' +
      '32 bytes as base64 or hex. Required with `DATABASE_URL` (the gateway refuses to start with ' +
      'endpoints stored and no key); without it, the embedded database generates one beside itself.',
    'unset',
  ),
  WEBHOOK_ALLOWED_HOSTS: about(
    list('a host name', hostName).default([]),
    'Hosts webhook endpoints may use although they resolve to a loopback, private or link-local ' +
      'address, and where plain `http` is allowed (comma-separated). Every other endpoint must be ' +
      '`https` to a public address.',
    'none',
  ),
  WEBHOOK_ALLOWED_PORTS: about(
    ports.default([443, 8443]),
    'Ports webhook endpoints on public hosts may name (comma-separated); a URL without a port is 443. ' +
      "Hosts in `WEBHOOK_ALLOWED_HOSTS` may use any port. Each attempt's error (connection refused, timed " +
      "out, the start of an answer) is shown to the endpoint's owner and an attempt can be re-run on demand, " +
      "so any port allowed is one every caller can probe on any public host from the gateway's address.",
  ),
  WEBHOOK_RETRY_SCHEDULE: about(
    durations.default([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
    ]),
    'Delays before each retry of a failed delivery (each ±20 % jitter), comma-separated; after the ' +
      'last, the delivery has failed and its endpoint is marked failing.',
    '5s,30s,2m,10m,30m,1h,2h,4h,8h,8h (about a day)',
  ),
  WEBHOOK_ATTEMPT_TIMEOUT_MS: about(
    milliseconds(1).default(10_000),
    'How long one delivery attempt may take (connect, send, response), in milliseconds.',
  ),
  WEBHOOK_MAX_RESPONSE_BYTES: about(
    positiveInt.default(16 * 1024),
    "Most bytes of an endpoint's response body read (and shown in the delivery's attempts); the rest is dropped.",
  ),
  WEBHOOK_SECRET_GRACE_MS: about(
    positiveInt.default(24 * 3_600_000),
    'After a signing secret is rotated, how long deliveries are signed with the old secret too, in milliseconds.',
  ),
  WEBHOOK_MAX_ENDPOINTS: about(
    positiveInt.default(10),
    'Most webhook endpoints one organization (on Together: one API key) may register.',
  ),
  WEBHOOK_SCAN_MS: about(
    milliseconds(1).default(1_000),
    'How often each instance looks for deliveries that are due, in milliseconds.',
  ),
  WEBHOOK_DELIVERY_RETENTION_MS: about(
    positiveInt.default(30 * 24 * 3_600_000),
    'How long a finished delivery (succeeded, or failed with no retry left) and its attempts are kept ' +
      'after the last thing that happened to it (its creation or its last attempt), in milliseconds; then ' +
      'every instance deletes it within the hour (within the retention, if shorter). A pending delivery is ' +
      'never deleted; one deleted can no longer be listed or redelivered. The default is 30 days.',
  ),
  DOWNLOAD_LINK_TTL_SECONDS: about(
    seconds(1).default(600),
    "How long a download link the gateway makes lives, in seconds: Together's `Job.downloadUrl`, " +
      "`<gateway>/downloads/<grant>`, which fetches the weights with the caller's key (sealed in the " +
      'database) for whoever holds it. The same caller asking again gets the same link while more than ' +
      'half of this is left. Needs the database and its key (`WEBHOOKS_ENABLED`, and `WEBHOOK_ENCRYPTION_KEY` ' +
      "with `DATABASE_URL`); without them `downloadUrl` is Together's own endpoint, which only answers to the key.",
  ),
  DOWNLOAD_LINK_BASE_URL: about(
    httpUrl('https://fine-tuning.example.com')
      .refine(
        (value) => {
          if (!URL.canParse(value)) return true; // said by url() above
          const url = new URL(value);
          return !url.username && !url.password && !url.search && !url.hash;
        },
        { message: 'must be a plain URL: no user name, password, query or fragment' },
      )
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    'The URL clients reach the gateway at, which the download links it makes start with: ' +
      '`<this>/downloads/<grant>` (a path is kept, for a gateway served under one behind its proxy). Unset, ' +
      "a link is made on the request's own scheme and `Host`: behind a proxy that terminates TLS that is an " +
      '`http://` link (the gateway trusts no `X-Forwarded-*` header for it), so set this there.',
  ),
  WEBHOOK_ENDPOINT_RESCAN_MS: about(
    milliseconds(1).default(5_000),
    "How often each instance re-reads the endpoints to watch (another instance's registrations), in milliseconds.",
  ),
};
