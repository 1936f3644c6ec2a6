/**
 * One worker's busy-slot changes, as its agent's metric is read back (wiring.ts readTaskCounts): times and
 * values in two typed columns, trimmed to what a read can ask for. Every task placed or ended appends one
 * (12 million in bench:sim); as an object each they were a large share of its garbage.
 */
export class BusyHistory {
  private times: Float64Array;
  private values: Float64Array;
  /** The live entries are [start, end) of the columns. */
  private start = 0;
  private end = 0;

  constructor(t: number, busy: number) {
    this.times = new Float64Array(16);
    this.values = new Float64Array(16);
    this.push(t, busy);
  }

  get length(): number {
    return this.end - this.start;
  }

  /** The k-th entry's time (seconds) and busy slots, oldest first. */
  t(k: number): number {
    return this.times[this.start + k];
  }

  busy(k: number): number {
    return this.values[this.start + k];
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
    if (this.end === this.times.length) this.makeRoom();
    this.times[this.end] = t;
    this.values[this.end] = busy;
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

  /** Moves the live entries to the front, and doubles the columns when they are over half full. */
  private makeRoom(): void {
    const n = this.length;
    if (2 * n > this.times.length) {
      const times = new Float64Array(2 * this.times.length);
      const values = new Float64Array(2 * this.values.length);
      times.set(this.times.subarray(this.start, this.end));
      values.set(this.values.subarray(this.start, this.end));
      this.times = times;
      this.values = values;
    } else {
      this.times.copyWithin(0, this.start, this.end);
      this.values.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = n;
  }
}
