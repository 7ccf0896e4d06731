/**
 * Finds a secret in text in any of the forms it can take on the way out: raw, JSON-escaped (once or
 * twice: a log line quoting an error that quotes a body), URL-encoded, and base64 of the secret or of
 * its `Authorization` header. Written independently of the gateway's own list, so that a form the
 * gateway forgets is caught here.
 */
export function secretForms(secret: string): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    ...new Set([
      secret,
      once,
      twice,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
      b64(secret).replace(/=+$/, ''),
      b64(`Bearer ${secret}`).replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
    ]),
  ];
}

/** The forms of `secrets` that `text` holds (none, when all is well), for a readable failure. */
export function tracesIn(text: string, secrets: readonly string[]): string[] {
  return secrets.flatMap((secret) =>
    secretForms(secret)
      .filter((form) => text.includes(form))
      .map((form) => `${JSON.stringify(secret)} as ${JSON.stringify(form)}`),
  );
}
