/**
 * The gateway's error messages as the dashboard shows them. Some are written for a developer calling
 * the API: they say to name the provider with the `X-Provider` header (over WebSocket,
 * `connectionParams.provider`). A dashboard user names it with the header's Provider switch, so such a
 * message is said in those words (dashboard trial: a shared job link of the other provider showed
 * "send it with X-Provider: together (over WebSocket, connectionParams.provider)"). Every other message
 * is shown as the gateway wrote it. `test/dashboard/dashboard-user-message.spec.ts` feeds it the
 * gateway's own messages, so that a change of their wording is seen.
 */
// `.js`: the spec imports this module in Node, which resolves no path without its extension.
import { providerLabel } from './provider-labels.js';

/** What to do, in the page's terms. */
const choose = (provider: string) => `choose ${providerLabel(provider)} in the Provider switch at the top of the page`;

/** A value as the gateway quotes it (JSON). */
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;

type Rule = readonly [RegExp, (match: RegExpExecArray) => string];

const RULES: readonly Rule[] = [
  // An id of the other provider (its `together:` prefix says whose): provider-ids.ts.
  [
    new RegExp(String.raw`^\w+: (${QUOTED}) is an id of provider (\w+), and this request is for provider (\w+)\b`),
    ([, id, owner, asked]) =>
      `${id} is an id of ${providerLabel(owner!)}, and ${providerLabel(asked!)} is picked: ${choose(owner!)}.`,
  ],
  // An id without the prefix, asked of Together: it may be Nscale's.
  [
    new RegExp(String.raw`^\w+: (${QUOTED}) is not an id of provider together\b`),
    ([, id]) =>
      `${id} is not an id of Together AI (theirs start with "together:"): if it is one of Nscale's, ${choose('nscale')}.`,
  ],
  // Unknown on Nscale, in the form of Together's own ids: unknown-id.ts.
  [
    new RegExp(
      String.raw`^\w+: (${QUOTED}) is not one of (.+?) on provider (\w+) \(see \w+\); it has the form of Together's ` +
        String.raw`.*?(?:as the gateway gives it out: (${QUOTED}))?$`,
      's',
    ),
    ([, id, what, provider, sendAs]) =>
      `${id} is not one of ${what} on ${providerLabel(provider!)}; it has the form of Together AI's ids: ` +
      `${choose('together')}${sendAs ? ` and use ${sendAs}` : ''}.`,
  ],
  // An operation of Nscale's only: guard-ids-and-names.ts and context.ts.
  [
    /^(.+?) is not available on provider (\w+)( yet)?:.*\b(?:It )?runs on nscale\b/s,
    ([, what, provider, yet]) =>
      `${what === 'This operation' ? 'This' : what} is not available on ${providerLabel(provider!)}${yet ?? ''}: ` +
      `it runs on Nscale only; ${choose('nscale')}.`,
  ],
];

/** The advice to developers left in a message no rule words anew: how to send headers over WebSocket. */
const OVER_WEBSOCKET = /\s*\((?:over WebSocket|X-Provider)\b[^()]*\)/g;

export function userMessage(message: string): string {
  for (const [pattern, say] of RULES) {
    const match = pattern.exec(message);
    if (match) return say(match);
  }
  return message
    .replace(OVER_WEBSOCKET, '')
    .replace(/\bsend (?:it )?with X-Provider: (\w+)/g, (_, provider: string) => choose(provider));
}
