/**
 * The straggler function's window of per-minute pressure metrics, as CloudWatch would hold them for one
 * instance, in the simulator.
 */
import { PRESSURE_RESOURCES, PressureResource, WorkerPressure } from '../core/stragglers';

/** One instance's pressure readings for a minute, stamped at the minute's start (seconds). */
export interface PressureReading {
  readonly t: number;
  readonly values: Readonly<Record<PressureResource, number>>;
  /** The agent's RunningTasks averaged over the minute: the load the detector weighs pressure against. */
  readonly runningTasks: number;
}

type PressureSeries = PressureResource | 'load';
const PRESSURE_SERIES: readonly PressureSeries[] = [...PRESSURE_RESOURCES, 'load'];
const SERIES = PRESSURE_SERIES.length;
const LOAD = PRESSURE_RESOURCES.length;
/** Places past the lead the window moves into before its minutes are moved back to the front. */
const SLACK = 8;

/**
 * One instance's per-minute pressure metrics as CloudWatch holds them, for the straggler function's
 * sliding window: the newest `capacity` minutes. Readings arrive one a minute, oldest first, as the agent
 * publishes them; a minute with none reads as NaN (the detector's "missing", as null is).
 *
 * The minutes are held in place, oldest first, in one Float64Array (series after series, each `capacity`
 * minutes and then `lead` minutes kept empty past the newest), shifted along as readings come. A window
 * that ends at most `lead` minutes past the newest, with every held minute visible, is then a view of the
 * array at a fixed place, made once: reading it copies and allocates nothing, and the straggler function
 * reads the same few objects every minute. A port that takes readings only once they are published
 * (`offer` and `publish`, or `follow` with `visibleUntil`) and reads the window up to the minute in
 * progress gets that view every minute.
 *
 * Placing each of a worker's hour of readings was most of a large simulation's time (issue 37); then a
 * copy per metric per worker per minute; then a ring of views, one set per minute, each read once an hour
 * and so never in a cache, which left the detector waiting on memory.
 */
export class PressureRing {
  /** Minutes a series holds: the capacity, the lead, then SLACK places the window moves into. */
  private readonly length: number;
  /** Every series (PRESSURE_SERIES order), `length` places each. */
  private readonly data: Float64Array;
  /** Each place's reading's stamp (seconds), NaN when it holds none. */
  private readonly stamps: Float64Array;
  /** The place of the oldest minute held; the newest is `capacity − 1` on, then the lead's, all empty after. */
  private at = 0;
  /** The newest minute held (its stamp / 60). */
  private newest = -Infinity;
  /** The last reading taken from the history `follow` reads. */
  private last?: PressureReading;
  /** Windows of `viewMinutes` minutes as views, by first place. */
  private views: (WorkerPressure | undefined)[] = [];
  private viewMinutes = 0;
  /**
   * Readings offered and not yet published, a queue from `pendingFrom` (oldest first) of `pendingCount`:
   * their stamps, and their series, SERIES each. A worker read every minute has one or two.
   */
  private pendingStamps = new Float64Array(4);
  private pendingValues = new Float64Array(4 * SERIES);
  private pendingFrom = 0;
  private pendingCount = 0;

  /**
   * @param capacity the minutes held
   * @param lead empty minutes kept past the newest, so a window reaching that far past it is still a view
   */
  constructor(
    readonly capacity: number,
    readonly lead = 0,
  ) {
    this.length = capacity + lead + SLACK;
    this.data = new Float64Array(SERIES * this.length).fill(Number.NaN);
    this.stamps = new Float64Array(this.length).fill(Number.NaN);
  }

  /**
   * Appends the readings of `history` (oldest first) newer than the last one taken from it, usually one,
   * and published by `visibleUntil` (seconds: a minute is published once it has ended, stamp + 60).
   */
  follow(history: readonly PressureReading[], visibleUntil = Infinity): void {
    let end = history.length;
    while (end > 0 && history[end - 1].t + 60 > visibleUntil) end--;
    let i = end;
    while (i > 0 && history[i - 1] !== this.last) i--;
    for (; i < end; i++) this.append(history[i]);
    if (end > 0) this.last = history[end - 1];
  }

  append(reading: PressureReading): void {
    const v = reading.values;
    this.put(reading.t, v.cpuSteal, v.cpuPressure, v.memoryPressure, v.ioPressure, v.diskBusy, reading.runningTasks);
  }

  /**
   * A reading as the agent publishes it (stamp in seconds; the resources in PRESSURE_RESOURCES order, then
   * the load), held back until `publish` says it is visible: what `follow` does with a history, without one.
   */
  offer(t: number, values: ArrayLike<number>, runningTasks: number): void {
    // Unpublished for longer than the ring holds (a worker no longer read): the oldest could never be seen.
    if (this.pendingCount + 1 > 2 * (this.capacity + this.lead) + 4) this.drop(1);
    if (this.pendingFrom + this.pendingCount === this.pendingStamps.length) this.makeRoom();
    const k = this.pendingFrom + this.pendingCount++;
    this.pendingStamps[k] = t;
    for (let r = 0; r < LOAD; r++) this.pendingValues[k * SERIES + r] = values[r];
    this.pendingValues[k * SERIES + LOAD] = runningTasks;
  }

  /** Appends the offered readings published by `visibleUntil` (seconds), oldest first. */
  publish(visibleUntil: number): void {
    // Readings are offered in time order, so the published ones come first (as `follow` takes them).
    const stamps = this.pendingStamps;
    const v = this.pendingValues;
    let n = 0;
    while (n < this.pendingCount && stamps[this.pendingFrom + n] + 60 <= visibleUntil) {
      const k = this.pendingFrom + n;
      const at = k * SERIES;
      this.put(stamps[k], v[at], v[at + 1], v[at + 2], v[at + 3], v[at + 4], v[at + 5]);
      n++;
    }
    if (n > 0) this.drop(n);
  }

  /**
   * The `minutes` one-minute readings from `first` (seconds, a minute's start), oldest first, as
   * GetMetricData returns them: NaN for a minute with no reading, not yet visible at `visibleUntil`
   * (a minute is published once it has ended: stamp + 60), or older than the ring holds.
   *
   * The window may be a view of the ring: read it before the ring takes its next reading (the straggler
   * function judges each minute's windows before the next minute's readings).
   */
  window(first: number, minutes: number, visibleUntil: number): WorkerPressure {
    const from = Math.round(first / 60);
    // The held minutes the window shows: from the older of its start and the ring's oldest, up to the newest visible.
    let to = this.newest;
    while (to > this.newest - this.capacity && this.stamps[this.place(to)] + 60 > visibleUntil) to--;
    const lo = Math.max(from, this.newest - this.capacity + 1) - from;
    const hi = Math.min(to, from + minutes - 1) - from;
    if (minutes <= this.capacity && to === this.newest && lo === 0 && from + minutes - 1 <= this.newest + this.lead) return this.view(this.place(from), minutes);
    const out: Partial<Record<PressureSeries, Float64Array>> = {};
    PRESSURE_SERIES.forEach((k, j) => {
      const series = new Float64Array(minutes).fill(Number.NaN);
      for (let m = lo; m <= hi; m++) series[m] = this.data[j * this.length + this.place(from + m)];
      out[k] = series;
    });
    return out;
  }

  /** The places from `at`, `minutes` of them, of every series, as views made once. */
  private view(at: number, minutes: number): WorkerPressure {
    if (minutes !== this.viewMinutes) {
      this.views = [];
      this.viewMinutes = minutes;
    }
    return (this.views[at] ??= Object.fromEntries(PRESSURE_SERIES.map((k, j) => [k, this.data.subarray(j * this.length + at, j * this.length + at + minutes)])));
  }

  /** Where a held minute (or one of the lead) sits in each series. */
  private place(minute: number): number {
    return this.at + this.capacity - 1 - (this.newest - minute);
  }

  /** Takes a reading for the minute of stamp `t`: the newest, a newer one (the minutes between read as missing), or a late one still held. */
  private put(t: number, cpuSteal: number, cpuPressure: number, memoryPressure: number, ioPressure: number, diskBusy: number, load: number): void {
    const m = Math.round(t / 60);
    if (m <= this.newest - this.capacity) return;
    const length = this.length;
    const data = this.data;
    if (m > this.newest) {
      const shift = m - this.newest;
      if (this.at + shift <= SLACK) {
        // The window moves along: the places it moves onto are empty (the minutes skipped, the lead).
        this.at += shift;
      } else {
        // Back to the front with the minutes still held, everything after them emptied.
        const kept = Math.max(0, this.capacity - shift);
        for (let j = 0; j < SERIES; j++) {
          if (kept > 0) data.copyWithin(j * length, j * length + this.at + shift, j * length + this.at + this.capacity);
          data.fill(Number.NaN, j * length + kept, (j + 1) * length);
        }
        if (kept > 0) this.stamps.copyWithin(0, this.at + shift, this.at + this.capacity);
        this.stamps.fill(Number.NaN, kept);
        this.at = 0;
      }
      this.newest = m;
    }
    const p = this.place(m);
    this.stamps[p] = t;
    data[p] = cpuSteal;
    data[length + p] = cpuPressure;
    data[2 * length + p] = memoryPressure;
    data[3 * length + p] = ioPressure;
    data[4 * length + p] = diskBusy;
    data[LOAD * length + p] = load;
  }

  private drop(n: number): void {
    this.pendingFrom += n;
    this.pendingCount -= n;
    if (this.pendingCount === 0) this.pendingFrom = 0;
  }

  /** Moves the pending readings to the front, and doubles the queue when they fill it. */
  private makeRoom(): void {
    const from = this.pendingFrom;
    const count = this.pendingCount;
    if (2 * count > this.pendingStamps.length) {
      const stamps = new Float64Array(2 * this.pendingStamps.length);
      const values = new Float64Array(2 * this.pendingValues.length);
      stamps.set(this.pendingStamps.subarray(from, from + count));
      values.set(this.pendingValues.subarray(from * SERIES, (from + count) * SERIES));
      this.pendingStamps = stamps;
      this.pendingValues = values;
    } else {
      this.pendingStamps.copyWithin(0, from, from + count);
      this.pendingValues.copyWithin(0, from * SERIES, (from + count) * SERIES);
    }
    this.pendingFrom = 0;
  }
}
