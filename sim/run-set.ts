/**
 * Which queries run on which worker: each worker's runs in the order they came (a Set's order), kept as
 * memberships in typed arrays a simulation shares, not a Set per worker. Under the Trino models every
 * task placed or ended joins or leaves a worker's set (6 million tasks in bench:sim), and the Sets' hashing
 * and rehashing of run objects, with the tables they left behind, were a large share of its time.
 *
 * A membership counts the run's tasks on the worker; the engine keeps that count (engine-trino.ts) and
 * removes the membership when it falls to zero, so a run leaves a worker's set exactly when it did with
 * the Set.
 */
/** Every worker's memberships of one simulation: doubly linked per worker, a free list through `next`. */
export class Memberships<Run> {
  next = new Int32Array(1024);
  prev = new Int32Array(1024);
  /** The run's tasks on the worker (engine-trino.ts counts them; executors keep 1). */
  count = new Int32Array(1024);
  readonly runOf: (Run | undefined)[] = [];
  readonly setOf: (RunSet<Run> | undefined)[] = [];
  private free = -1;
  private used = 0;

  alloc(run: Run, set: RunSet<Run>): number {
    let node = this.free;
    if (node >= 0) this.free = this.next[node];
    else {
      node = this.used++;
      if (node >= this.next.length) this.grow();
    }
    this.runOf[node] = run;
    this.setOf[node] = set;
    this.count[node] = 1;
    return node;
  }

  release(node: number): void {
    this.runOf[node] = undefined;
    this.setOf[node] = undefined;
    this.next[node] = this.free;
    this.free = node;
  }

  private grow(): void {
    const size = 2 * this.next.length;
    for (const k of ['next', 'prev', 'count'] as const) {
      const bigger = new Int32Array(size);
      bigger.set(this[k]);
      this[k] = bigger;
    }
  }
}

/** One worker's runs, in the order they joined it: what a Set<Run> offered, with its membership handles. */
export class RunSet<Run> implements Iterable<Run> {
  private head = -1;
  private tail = -1;
  size = 0;

  constructor(private readonly pool: Memberships<Run>) {}

  /** Adds `run`, which the caller knows is not a member, with one task; returns its membership. */
  add(run: Run): number {
    const p = this.pool;
    const node = p.alloc(run, this);
    p.prev[node] = this.tail;
    p.next[node] = -1;
    if (this.tail >= 0) p.next[this.tail] = node;
    else this.head = node;
    this.tail = node;
    this.size++;
    return node;
  }

  /** Removes `run`'s membership `node`; nothing when it has already left (another task of it shared the node). */
  remove(node: number, run: Run): void {
    const p = this.pool;
    if (node < 0 || p.runOf[node] !== run || p.setOf[node] !== this) return;
    const before = p.prev[node];
    const after = p.next[node];
    if (before >= 0) p.next[before] = after;
    else this.head = after;
    if (after >= 0) p.prev[after] = before;
    else this.tail = before;
    this.size--;
    p.release(node);
  }

  /** Calls `f` with each run in order (the set must not change meanwhile): no iterator result per run. */
  forEach(f: (run: Run) => void): void {
    const p = this.pool;
    for (let node = this.head; node >= 0; node = p.next[node]) f(p.runOf[node]!);
  }

  [Symbol.iterator](): Iterator<Run> {
    const p = this.pool;
    let node = this.head;
    return {
      next: (): IteratorResult<Run> => {
        if (node < 0) return { done: true, value: undefined };
        const run = p.runOf[node]!;
        node = p.next[node];
        return { done: false, value: run };
      },
    };
  }
}
