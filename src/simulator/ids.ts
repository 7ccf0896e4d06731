/**
 * Resource ids and the deterministic randomness derived from them. Ids are prefixed (`file-…`, `ds-…`,
 * `job-…`) so a misplaced id is obvious in a log. Everything "random" about a job (its failure draw,
 * its loss curve) is a function of its id, so that every read of the job agrees with the previous one.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newId(prefix: 'file' | 'ds' | 'job' | 'exp'): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

/** A number in [0, 1) fixed by `seed` and `salt`. */
export function unitHash(seed: string, salt: string | number): number {
  const digest = createHash('sha256').update(`${seed}\u0000${salt}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000;
}
