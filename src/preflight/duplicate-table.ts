/**
 * Rows seen so far, by the 53-bit hash of their prompt and answer, in memory bounded by a setting: an
 * open-addressing table of at most `maxRows` hashes (12 bytes a slot, about half full: 24 MiB for a
 * million rows), which grows as rows come. Once `maxRows` distinct rows are remembered, later rows are still checked against
 * them but no longer remembered: a duplicate of a row past the bound goes unseen, and `full` says so
 * for the report. (A `Map` hit its 16.7 million-entry maximum on a 200 MiB file of tiny rows.)
 */
const FIRST_SLOTS = 1024;

export class DuplicateTable {
  private keys = new Float64Array(FIRST_SLOTS);
  private rows = new Uint32Array(FIRST_SLOTS);
  private count = 0;
  /** Set once a row could not be remembered. */
  full = false;

  constructor(private readonly maxRows: number) {}

  /** The first row with this hash, or 0 when it is new (remembered as `row` while there is room). */
  check(hash: number, row: number): number {
    const key = hash === 0 ? 1 : hash; // 0 marks an empty slot
    const mask = this.keys.length - 1;
    let slot = key % this.keys.length;
    for (;;) {
      const there = this.keys[slot]!;
      if (there === key) return this.rows[slot]!;
      if (there === 0) break;
      slot = (slot + 1) & mask;
    }
    if (this.count >= this.maxRows) {
      this.full = true;
      return 0;
    }
    this.keys[slot] = key;
    this.rows[slot] = row;
    this.count++;
    if (this.count * 2 > this.keys.length && this.keys.length < 2 * this.maxRows) this.grow();
    return 0;
  }

  private grow(): void {
    const keys = this.keys;
    const rows = this.rows;
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Uint32Array(keys.length * 2);
    const mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === 0) continue;
      let slot = key % this.keys.length;
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.rows[slot] = rows[i]!;
    }
  }
}
