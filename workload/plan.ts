/**
 * From history to a load test: cluster queries by signature, then build a plan of N queries that keeps
 * the cluster mix and the arrival burstiness of the history (optionally time-compressed). A plan is
 * JSON; it replays against Trino or PostgreSQL and converts to a simulator trace.
 */
import { percentile } from '../core/util/stats';
import { Query } from '../sim/trace';
import { HistoryRecord } from './history';
import { signatureOf } from './signature';
import { DIALECTS, Dialect, SqlSyntaxError } from './tokenizer';

export interface Cluster {
  readonly id: string;
  readonly signature: string;
  readonly count: number;
  readonly share: number;
  readonly durationP50S: number;
  readonly durationP95S: number;
  readonly cpuSecondsTotal: number;
  /** One real query of the cluster, as it was run. */
  readonly example: string;
}

export interface PlannedQuery {
  /** Seconds from the start of the replay. */
  readonly at: number;
  readonly cluster: string;
  readonly sql: string;
  /** How long it took in the history. */
  readonly durationS: number;
}

export interface Plan {
  readonly version: 1;
  readonly source: string;
  readonly compress: number;
  /** The SQL dialect the history was read in (plans written before dialects existed are Trino). */
  readonly dialect: Dialect;
  readonly clusters: readonly Cluster[];
  readonly queries: readonly PlannedQuery[];
}

export interface Clustered {
  readonly dialect: Dialect;
  readonly clusters: Cluster[];
  /** Each record's cluster id, same order as the records; undefined where the SQL does not tokenize or is empty. */
  readonly assignment: (string | undefined)[];
  readonly unparseable: number;
  /** The first few records left out, with their line and why: what an operator needs to fix the history or pick another dialect. */
  readonly firstUnparseable: { readonly line: number; readonly reason: string }[];
}

const UNPARSEABLE_EXAMPLES = 5;

export function clusterHistory(records: readonly HistoryRecord[], dialect: Dialect = 'trino'): Clustered {
  const groups = new Map<string, { signature: string; members: HistoryRecord[] }>();
  const assignment: (string | undefined)[] = [];
  let unparseable = 0;
  const firstUnparseable: { line: number; reason: string }[] = [];
  for (const [index, r] of records.entries()) {
    let sig;
    try {
      sig = signatureOf(r.query, dialect);
    } catch (e) {
      if (!(e instanceof SqlSyntaxError)) throw e;
      unparseable++;
      if (firstUnparseable.length < UNPARSEABLE_EXAMPLES) firstUnparseable.push({ line: r.line ?? index + 1, reason: e.message });
      assignment.push(undefined);
      continue;
    }
    const g = groups.get(sig.id);
    if (g) g.members.push(r);
    else groups.set(sig.id, { signature: sig.signature, members: [r] });
    assignment.push(sig.id);
  }
  const total = records.length - unparseable;
  const clusters = [...groups].map(([id, g]) => {
    const durations = g.members.map((m) => m.durationS);
    return {
      id,
      signature: g.signature,
      count: g.members.length,
      share: g.members.length / total,
      durationP50S: percentile(durations, 50),
      durationP95S: percentile(durations, 95),
      cpuSecondsTotal: g.members.reduce((s, m) => s + (m.cpuS ?? 0), 0),
      example: g.members[0].query,
    };
  });
  clusters.sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
  return { dialect, clusters, assignment, unparseable, firstUnparseable };
}

/**
 * N queries keeping the mix and burstiness. Each cluster gets its share of N exactly (largest
 * remainder), taken evenly spaced across that cluster's own arrivals, so both the mix and the shape of
 * arrivals over time survive; a plain every-k-th sample would alias with periodic workloads. Queries
 * keep their real arrival times (relative to the first); past the history's size it is tiled end to end.
 * Arrival gaps are divided by `compress`.
 */
export function buildPlan(records: readonly HistoryRecord[], clustered: Clustered, n: number, compress: number, source: string): Plan {
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`the plan needs a whole number of queries >= 1, got ${n}`);
  if (!(compress > 0)) throw new Error(`compress must be > 0, got ${compress}`);
  // One pass to group, one sort per cluster: linear in the records but for the sorts.
  const byCluster = new Map<string, HistoryRecord[]>();
  let start = Infinity;
  let end = -Infinity;
  records.forEach((r, i) => {
    const id = clustered.assignment[i];
    if (id === undefined) return;
    const members = byCluster.get(id);
    if (members) members.push(r);
    else byCluster.set(id, [r]);
    if (r.arrival < start) start = r.arrival;
    if (r.arrival > end) end = r.arrival;
  });
  let usable = 0;
  for (const members of byCluster.values()) {
    usable += members.length;
    members.sort((a, b) => a.arrival - b.arrival);
  }
  if (usable === 0) throw new Error('no usable query in the history');
  const span = Math.max(1, end - start + 1);
  const cycles = Math.ceil(n / usable);
  const queries: PlannedQuery[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const inCycle = Math.floor(n / cycles) + (cycle < n % cycles ? 1 : 0);
    for (const [id, count] of allocate(byCluster, usable, inCycle)) {
      const members = byCluster.get(id)!;
      for (let j = 0; j < count; j++) {
        const r = members[Math.floor(((j + 0.5) * members.length) / count)];
        queries.push({ at: (r.arrival - start + cycle * span) / compress, cluster: id, sql: r.query, durationS: r.durationS });
      }
    }
  }
  queries.sort((a, b) => a.at - b.at || a.cluster.localeCompare(b.cluster));
  return { version: 1, source, compress, dialect: clustered.dialect, clusters: clustered.clusters, queries };
}

/** Splits `n` across clusters in proportion to their size (largest remainder, ties by id). */
function allocate(byCluster: Map<string, HistoryRecord[]>, total: number, n: number): [string, number][] {
  const exact = [...byCluster].map(([id, m]) => ({ id, want: (m.length / total) * n }));
  const counts = new Map(exact.map((e) => [e.id, Math.floor(e.want)]));
  let left = n - [...counts.values()].reduce((a, b) => a + b, 0);
  for (const e of [...exact].sort((a, b) => b.want - Math.floor(b.want) - (a.want - Math.floor(a.want)) || a.id.localeCompare(b.id))) {
    if (left-- <= 0) break;
    counts.set(e.id, counts.get(e.id)! + 1);
  }
  return [...counts].filter(([, c]) => c > 0);
}

/** A plan as a simulator trace: each query arrives at its time and lasts what it lasted in the history. */
export function planToTrace(plan: Plan): Query[] {
  return plan.queries.map((q) => ({ arrival: q.at, duration: Math.max(0.001, q.durationS), slots: 1 })).sort((a, b) => a.arrival - b.arrival);
}

/** Checks a plan file's shape; throws naming the first problem. */
export function validatePlan(raw: any): Plan {
  if (raw?.version !== 1 || !Array.isArray(raw.queries) || !Array.isArray(raw.clusters)) throw new Error('not a plan: expected {version: 1, clusters: [...], queries: [...]}');
  if (raw.dialect !== undefined && !(DIALECTS as readonly unknown[]).includes(raw.dialect)) throw new Error(`plan dialect ${JSON.stringify(raw.dialect)} is not one of ${DIALECTS.join(', ')}`);
  raw.queries.forEach((q: any, i: number) => {
    if (typeof q?.at !== 'number' || q.at < 0 || typeof q.sql !== 'string' || typeof q.cluster !== 'string' || typeof q.durationS !== 'number') {
      throw new Error(`plan query ${i} must have at (seconds >= 0), cluster, sql and durationS`);
    }
  });
  return { ...raw, dialect: raw.dialect ?? 'trino' } as Plan;
}
