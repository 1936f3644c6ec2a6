/**
 * A binary min-heap of timed events; ties keep insertion order so runs are deterministic. Events are
 * ordered by (time, insertion number), a total order, so any heap pops them in the same order.
 */
export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    this.times.push(time);
    this.seqs.push(this.seq++);
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  peekTime(): number | undefined {
    return this.times[0];
  }

  pop(): { time: number; item: T } | undefined {
    if (this.items.length === 0) return undefined;
    const time = this.times[0];
    return { time, item: this.popItem() };
  }

  /** Takes the earliest event (its time is `peekTime()`'s); the queue must not be empty. */
  popItem(): T {
    const item = this.items[0];
    const time = this.times.pop()!;
    const seq = this.seqs.pop()!;
    const last = this.items.pop()!;
    if (this.items.length > 0) this.down(time, seq, last);
    return item;
  }

  /** Moves the entry at `i` up to its place, each parent it passes moving down into the hole. */
  private up(i: number): void {
    const { times, seqs, items } = this;
    const time = times[i];
    const seq = seqs[i];
    const item = items[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(time < times[p] || (time === times[p] && seq < seqs[p]))) break;
      times[i] = times[p];
      seqs[i] = seqs[p];
      items[i] = items[p];
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Puts (time, seq, item) at the root's place and moves it down, each smaller child it passes moving up. */
  private down(time: number, seq: number, item: T): void {
    const { times, seqs, items } = this;
    const n = items.length;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && (times[r] < times[l] || (times[r] === times[l] && seqs[r] < seqs[l]))) m = r;
      if (!(times[m] < time || (times[m] === time && seqs[m] < seq))) break;
      times[i] = times[m];
      seqs[i] = seqs[m];
      items[i] = items[m];
      i = m;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }
}
