/**
 * The raw-text nesting scan (src/server/json-depth.ts) agrees with JSON.parse's nesting: brackets in
 * strings (escaped quotes and runs of backslashes included) are not nesting; the first bracket past the
 * bound is the one reported; the refusal names the request's field that holds it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepthPast, requestFieldAt } from '../../src/server/json-depth.js';

/** The nesting of a parsed value, walked without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

describe('jsonDepthPast', () => {
  it('skips strings, escapes honoured', () => {
    expect(jsonDepthPast('{"a":"[[[[{{{{"}', 2)).toBe(-1);
    expect(jsonDepthPast(String.raw`{"a":"\"[[[[","b":[1]}`, 2)).toBe(-1);
    expect(jsonDepthPast(String.raw`{"a":"\\","b":[[1]]}`, 2)).toBe(String.raw`{"a":"\\","b":[[1]]}`.indexOf('[[') + 1);
    expect(jsonDepthPast(String.raw`{"a":"\\\"[[[","b":1}`, 1)).toBe(-1);
    expect(jsonDepthPast('[[[', 2)).toBe(2);
    expect(jsonDepthPast('"unterminated [[[[', 1)).toBe(-1);
  });

  it('reports a text past the bound exactly when JSON.parse would build a value past it', () => {
    const json = fc.jsonValue({ maxDepth: 8 }).map((value) => JSON.stringify(value));
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (text, max) => {
        expect(jsonDepthPast(text, max) !== -1).toBe(depthOf(JSON.parse(text)) > max);
      }),
      { numRuns: 500 },
    );
  });
});

describe('requestFieldAt', () => {
  const at = (text: string) => requestFieldAt(text, jsonDepthPast(text, 3));
  it('names the field of the request, or of the batch request, that holds the bracket', () => {
    expect(at('{"query":"{ a }","extensions":{"x":[[[1]]]}}')).toBe('extensions');
    expect(at('{"query":"{ \\"variables\\" }","variables":{"x":[[[1]]]}}')).toBe('variables');
    expect(at('[{"query":"{ a }"},{"variables":[[[1]]]}]')).toBe('variables');
    expect(at('{"other":[[[[1]]]]}')).toBeNull();
    expect(at('[[[[1]]]]')).toBeNull();
  });
});
