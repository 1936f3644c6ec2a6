/**
 * One worker's busy-slot changes, as its agent's metric is read back (wiring.ts readTaskCounts): each
 * change's time and busy slots side by side in one Float64Array, trimmed to what a read can ask for.
 * Every task placed or ended appends one (12 million in bench:sim); as an object each they were a large
 * share of its garbage.
 */
export class BusyHistory {
  /** Entry k (of the live ones) is at 2 × (start + k): its time, then its busy slots. */
  private entries: Float64Array;
  /** The live entries are [start, end). */
  private start = 0;
  private end = 0;

  constructor(t: number, busy: number) {
    this.entries = new Float64Array(32);
    this.push(t, busy);
  }

  get length(): number {
    return this.end - this.start;
  }

  /** The k-th entry's time (seconds) and busy slots, oldest first. */
  t(k: number): number {
    return this.entries[2 * (this.start + k)];
  }

  busy(k: number): number {
    return this.entries[2 * (this.start + k) + 1];
  }

  /** The last entry at or before `t` (times never decrease), or 0 when none is. */
  lastAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.t(mid) <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  push(t: number, busy: number): void {
    if (2 * this.end === this.entries.length) this.makeRoom();
    this.entries[2 * this.end] = t;
    this.entries[2 * this.end + 1] = busy;
    this.end++;
  }

  /**
   * Drops what a read can no longer ask for: the controller reads at most 10 minutes back. Once 64 entries
   * back is older than 15 minutes, everything before the last entry older than that goes (that one says
   * what the count was 15 minutes ago).
   */
  trim(now: number): void {
    const n = this.length;
    if (n <= 64 || this.t(n - 64) >= now - 900) return;
    let cut = 0;
    while (cut < n && this.t(cut) < now - 900) cut++;
    if (cut < n && cut > 1) this.start += cut - 1;
  }

  /** Moves the live entries to the front, and doubles the array when they are over half of it. */
  private makeRoom(): void {
    const n = this.length;
    if (4 * n > this.entries.length) {
      const entries = new Float64Array(2 * this.entries.length);
      entries.set(this.entries.subarray(2 * this.start, 2 * this.end));
      this.entries = entries;
    } else this.entries.copyWithin(0, 2 * this.start, 2 * this.end);
    this.start = 0;
    this.end = n;
  }
}
