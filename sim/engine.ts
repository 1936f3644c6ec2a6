/**
 * Engine models: where a query's tasks run, and what a worker's shutdown or death does to them.
 *
 * - `executors` (Spark-style executors, batch runners): a query holds its slots on ONE worker; a drain
 *   waits for that worker's own queries, a termination kills only them.
 * - `trino` (pipelined execution): a query's work is spread over several workers, the SAME CPU
 *   (slots × duration) in all, each holding slots ÷ workers for the query's run. A drain waits for every
 *   query with a task on the worker; a termination fails every such query everywhere.
 * - `trino-fte` (`retry-policy=TASK`): placed as `trino`, but a terminated worker's task is redone on
 *   another worker from its start (exchange data is spooled) and the query survives, later by that much.
 *
 * Sources (trinodb/trino, core/trino-main/src/main/java/io/trino/): docs/simulator.md, "Engine models".
 */
import { TRINO_NODE_MAP_MEMO_MS } from '../core/drain-report';
import type { Query } from './trace';

export type EngineName = 'trino' | 'trino-fte' | 'executors';
export const ENGINES: readonly EngineName[] = ['trino', 'trino-fte', 'executors'];
/** Trino is the product's main user. */
export const DEFAULT_ENGINE: EngineName = 'trino';

/** `query.min-hash-partition-count` (QueryManagerConfig; DeterminePartitionCount's floor of 4). */
export const TRINO_MIN_PARTITIONS = 4;
/** `query.max-hash-partition-count` (QueryManagerConfig, default 100; NodePartitioningManager). */
export const TRINO_MAX_PARTITIONS = 100;
/**
 * CPU seconds per hash partition. DeterminePartitionCount gives a partition per 5 GB of input; a core
 * scans and filters columnar data at very roughly 80–90 MB/s, so 5 GB is about a minute of one slot. An
 * assumption, not a measurement: the trace has CPU, not bytes.
 */
export const TRINO_PARTITION_WORK_SECONDS = 60;
/** UniformNodeSelectorFactory memoizes the active node map for 5 s: a SHUTTING_DOWN node gets tasks that long. */
export const TRINO_NODE_MAP_MEMO_SECONDS = TRINO_NODE_MAP_MEMO_MS / 1000;

/** Whether the engine spreads a query over workers (the Trino models). */
export const spreads = (engine: EngineName): boolean => engine !== 'executors';

/**
 * How many workers a query's tasks go to under Trino: its partition count, max(work ÷ a partition's work,
 * 4) capped at 100, and never more than the active workers. Short queries land on 4 workers, one of an
 * hour or more of CPU on min(active, 100).
 */
export function trinoSpread(q: Query, active: number): number {
  const partitions = Math.min(TRINO_MAX_PARTITIONS, Math.max(TRINO_MIN_PARTITIONS, Math.ceil((q.slots * q.duration) / TRINO_PARTITION_WORK_SECONDS)));
  return Math.min(active, partitions);
}

/**
 * trino-fte: the query's tasks and how they run. Its partition count (as `trinoSpread`, not capped by the
 * workers: tasks wait for a node rather than share one) is its tasks; they run `lanes` at a time (its
 * slots, and never more than the active workers), each lane one task after another, a task lasting
 * duration ÷ steps. Same CPU as the other models: lanes × share = slots, for the query's duration.
 */
export function fteLayout(q: Query, active: number): { lanes: number; share: number; steps: number } {
  const tasks = Math.min(TRINO_MAX_PARTITIONS, Math.max(TRINO_MIN_PARTITIONS, Math.ceil((q.slots * q.duration) / TRINO_PARTITION_WORK_SECONDS)));
  const lanes = Math.max(0, Math.min(Math.ceil(q.slots), tasks, active));
  return { lanes, share: lanes > 0 ? q.slots / lanes : 0, steps: lanes > 0 ? Math.ceil(tasks / lanes) : 0 };
}

/**
 * The dispatcher's accepting workers by fractional busy slots, in buckets of 1/RESOLUTION of a worker:
 * the k least loaded with room in O(workers scanned). Within a bucket, oldest first; Trino's own choice
 * (the least loaded of 10 random candidates per split) is no more exact than that.
 *
 * Each bucket is a list linked through typed arrays, a worker's place in them its `loadSlot` (slots are
 * reused, so the live workers' stay few and close): every task placed or ended moves its worker between
 * buckets, and as Sets that was hashing and tables scattered over the heap. Same order as the Sets: a
 * worker (re)added goes last in its bucket.
 */
export class LoadIndex<W extends { busy: number; loadSlot?: number }> {
  static readonly RESOLUTION = 64;
  private readonly head = new Int32Array(LoadIndex.RESOLUTION + 1).fill(-1);
  private readonly tail = new Int32Array(LoadIndex.RESOLUTION + 1).fill(-1);
  private next = new Int32Array(64);
  private prev = new Int32Array(64);
  /** Each slot's bucket (-1: free). */
  private bucket = new Int32Array(64).fill(-1);
  private readonly workers: (W | undefined)[] = [];
  private readonly free: number[] = [];
  size = 0;

  constructor(private readonly slots: number) {}

  private bucketOf(busy: number): number {
    return Math.min(LoadIndex.RESOLUTION, Math.max(0, Math.floor((busy / this.slots) * LoadIndex.RESOLUTION + 1e-9)));
  }

  /** Adds a worker at its current busy. */
  add(i: W): void {
    const b = this.bucketOf(i.busy);
    if (i.loadSlot !== undefined) {
      if (this.bucket[i.loadSlot] === b) return;
      throw new Error('simulator bug: a worker added to the load index twice');
    }
    const s = this.free.pop() ?? this.workers.length;
    if (s >= this.next.length) this.grow();
    i.loadSlot = s;
    this.workers[s] = i;
    this.append(s, b);
    this.size++;
  }

  /** Removes a worker; call before its busy changes. */
  delete(i: W): void {
    const s = i.loadSlot;
    if (s === undefined) return;
    this.unlink(s);
    this.bucket[s] = -1;
    this.workers[s] = undefined;
    i.loadSlot = undefined;
    this.free.push(s);
    this.size--;
  }

  /**
   * A worker in the index takes `busy` slots: it goes last in the bucket of its new busy (its own bucket
   * too), as deleting and adding it would. One without a place just takes the busy.
   */
  move(i: W, busy: number): void {
    const s = i.loadSlot;
    if (s === undefined) {
      i.busy = busy;
      return;
    }
    this.unlink(s);
    i.busy = busy;
    this.append(s, this.bucketOf(busy));
  }

  private unlink(s: number): void {
    const b = this.bucket[s];
    const before = this.prev[s];
    const after = this.next[s];
    if (before >= 0) this.next[before] = after;
    else this.head[b] = after;
    if (after >= 0) this.prev[after] = before;
    else this.tail[b] = before;
  }

  private append(s: number, b: number): void {
    this.bucket[s] = b;
    this.prev[s] = this.tail[b];
    this.next[s] = -1;
    if (this.tail[b] >= 0) this.next[this.tail[b]] = s;
    else this.head[b] = s;
    this.tail[b] = s;
  }

  /** The k least-loaded workers that each have room for `share` more slots; undefined when fewer have. */
  pick(k: number, share: number): W[] | undefined {
    const out: W[] = [];
    if (k <= 0) return out;
    const limit = this.slots - share + 1e-9;
    for (let b = 0; b <= LoadIndex.RESOLUTION && (b * this.slots) / LoadIndex.RESOLUTION <= limit + 1e-9; b++) {
      for (let s = this.head[b]; s >= 0; s = this.next[s]) {
        const i = this.workers[s]!;
        if (i.busy > limit) continue;
        out.push(i);
        if (out.length === k) return out;
      }
    }
    return undefined;
  }

  /** The least-loaded worker, room or not (a redone task goes somewhere: Trino has no hard slot limit). */
  least(): W | undefined {
    for (let b = 0; b <= LoadIndex.RESOLUTION; b++) if (this.head[b] >= 0) return this.workers[this.head[b]];
    return undefined;
  }

  private grow(): void {
    const size = 2 * this.next.length;
    const next = new Int32Array(size);
    const prev = new Int32Array(size);
    const bucket = new Int32Array(size).fill(-1);
    next.set(this.next);
    prev.set(this.prev);
    bucket.set(this.bucket);
    this.next = next;
    this.prev = prev;
    this.bucket = bucket;
  }
}
