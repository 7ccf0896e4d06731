/** The jobs cursor codec: what it makes it reads back, and anything else is a coded refusal naming `after`. */
import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { JOB_STATUSES } from '../../src/contract/hyperparameters.js';
import { decodeJobCursor, encodeJobCursor, type JobCursor } from '../../src/resolvers/job-cursor.js';

const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const cursor: fc.Arbitrary<JobCursor> = fc.record({
  provider: fc.constantFrom('nscale' as const, 'together' as const),
  status: fc.constantFrom(null, ...JOB_STATUSES),
  createdAt: count,
  // Ids as the gateway accepts them: 1–256 characters, no control character.
  id: fc
    .string({ minLength: 1, maxLength: 256, unit: 'grapheme' })
    .filter((s) => s.length <= 256 && !/[\u0000-\u001f\u007f-\u009f]/.test(s)),
  position: count,
  total: count,
});

function refusal(raw: string): GraphQLError | undefined {
  try {
    decodeJobCursor(raw);
    return undefined;
  } catch (error) {
    return error as GraphQLError;
  }
}

describe('the jobs cursor', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(cursor, (c) => {
        expect(decodeJobCursor(encodeJobCursor(c))).toEqual(c);
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads a cursor of the first form (no provider) as one whose provider is unknown', () => {
    const v1 = Buffer.from(JSON.stringify([1, null, 5, 'job-1', 0, 3])).toString('base64url');
    expect(decodeJobCursor(v1)).toEqual({
      provider: null,
      status: null,
      createdAt: 5,
      id: 'job-1',
      position: 0,
      total: 3,
    });
    const unknown = Buffer.from(JSON.stringify([2, null, 5, 'job-1', 0, 3, 'mistral'])).toString('base64url');
    expect(() => decodeJobCursor(unknown)).toThrow(/is not a cursor of this connection/);
  });

  it('any other string is decoded or refused with BAD_USER_INPUT naming after, never anything else', () => {
    const anyString = fc.oneof(
      fc.string({ maxLength: 2_000, unit: 'binary' }),
      fc.base64String({ maxLength: 400 }),
      fc.json().map((j) => Buffer.from(j).toString('base64url')),
      fc
        .array(fc.jsonValue(), { maxLength: 8 })
        .map((a) => Buffer.from(JSON.stringify([1, ...a])).toString('base64url')),
    );
    fc.assert(
      fc.property(anyString, (raw) => {
        const error = refusal(raw);
        if (error === undefined) return;
        expect(error).toBeInstanceOf(GraphQLError);
        expect(error.extensions).toEqual({ field: 'after', code: 'BAD_USER_INPUT' });
        expect(error.message.length).toBeLessThan(200);
      }),
      { numRuns: 3_000 },
    );
  });
});
