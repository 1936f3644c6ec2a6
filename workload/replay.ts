/**
 * Replaying a plan: each query starts at its time (divided by the speed factor), at most `concurrency`
 * at once, against a Trino-compatible endpoint (`POST /v1/statement`, following `nextUri`) or
 * PostgreSQL. Reports latency per cluster, and how late queries started when the limit was full.
 */
import { Pool } from 'pg';
import { percentile } from '../core/util/stats';
import { Plan } from './plan';

export interface ReplayTarget {
  readonly name: string;
  /** Runs one query to completion; throws with the server's message when it fails. */
  execute(sql: string): Promise<void>;
  close(): Promise<void>;
}

const TRINO_HTTP_TIMEOUT_MS = 120_000;
/** Trino answers 502/503/504 while busy; the client protocol says to retry the same URI. */
const TRINO_RETRY_STATUSES = new Set([502, 503, 504]);
const TRINO_MAX_RETRIES = 50;

/** The Trino client protocol over HTTP: submit, then follow nextUri until the query ends. */
export class TrinoTarget implements ReplayTarget {
  readonly name = 'trino';
  constructor(
    private readonly url: string,
    private readonly user: string,
  ) {}

  async execute(sql: string): Promise<void> {
    const headers = { 'X-Trino-User': this.user, 'X-Trino-Source': 'graceful-autoscaler-replay' };
    let response = await this.request(`${this.url.replace(/\/$/, '')}/v1/statement`, { method: 'POST', body: sql, headers });
    while (true) {
      if (response.error) throw new Error(`${response.error.errorName ?? 'QUERY_FAILED'}: ${response.error.message ?? 'query failed'}`);
      if (!response.nextUri) return;
      response = await this.request(response.nextUri, { method: 'GET', headers });
    }
  }

  private async request(uri: string, init: { method: string; body?: string; headers: Record<string, string> }): Promise<{ nextUri?: string; error?: { message?: string; errorName?: string } }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(uri, { ...init, signal: AbortSignal.timeout(TRINO_HTTP_TIMEOUT_MS) });
      if (TRINO_RETRY_STATUSES.has(res.status) && attempt < TRINO_MAX_RETRIES) {
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        continue;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(uri).pathname}: ${(await res.text()).slice(0, 200)}`);
      return (await res.json()) as { nextUri?: string; error?: { message?: string; errorName?: string } };
    }
  }

  async close(): Promise<void> {}
}

export class PostgresTarget implements ReplayTarget {
  readonly name = 'postgres';
  private readonly pool: Pool;
  /** Idle connections the server dropped (a restart, a failover): counted, never a crash. */
  droppedConnections = 0;
  constructor(connectionString: string, max: number) {
    this.pool = new Pool({ connectionString, max });
    // An idle client's error is emitted on the pool; unheard, it would kill the process (pg's docs).
    this.pool.on('error', () => {
      this.droppedConnections++;
    });
  }
  async execute(sql: string): Promise<void> {
    await this.pool.query(sql);
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

export interface ReplayOptions {
  readonly concurrency: number;
  /** 2 replays twice as fast as planned. */
  readonly speed: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ClusterLatency {
  readonly cluster: string;
  readonly queries: number;
  readonly errors: number;
  readonly latencyP50S: number;
  readonly latencyP95S: number;
  readonly plannedP50S: number;
}

export interface ReplayReport {
  readonly target: string;
  readonly queries: number;
  readonly errors: number;
  readonly wallS: number;
  /** How late queries started against their schedule (waiting for a free slot), p95. */
  readonly startLagP95S: number;
  readonly clusters: ClusterLatency[];
  readonly firstErrors: { cluster: string; error: string }[];
}

export async function replay(plan: Plan, target: ReplayTarget, o: ReplayOptions): Promise<ReplayReport> {
  if (!(o.concurrency >= 1)) throw new Error(`concurrency must be >= 1, got ${o.concurrency}`);
  if (!(o.speed > 0)) throw new Error(`speed must be > 0, got ${o.speed}`);
  const t0 = performance.now();
  const results: { cluster: string; latency: number; lag: number; error?: string; planned: number }[] = [];
  let free = o.concurrency;
  const waiters: (() => void)[] = [];
  const acquire = () => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((r) => waiters.push(r)));
  const release = () => (waiters.length ? waiters.shift()!() : free++);
  const ordered = [...plan.queries].sort((a, b) => a.at - b.at);
  let done = 0;
  await Promise.all(
    ordered.map(async (q) => {
      const due = (q.at / o.speed) * 1000;
      const wait = due - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await acquire();
      const started = performance.now();
      let error: string | undefined;
      try {
        await target.execute(q.sql);
      } catch (e) {
        error = String((e as Error)?.message ?? e);
      } finally {
        release();
      }
      results.push({ cluster: q.cluster, latency: (performance.now() - started) / 1000, lag: Math.max(0, started - t0 - due) / 1000, error, planned: q.durationS });
      o.onProgress?.(++done, ordered.length);
    }),
  );
  const byCluster = new Map<string, typeof results>();
  for (const r of results) {
    const rs = byCluster.get(r.cluster);
    if (rs) rs.push(r);
    else byCluster.set(r.cluster, [r]);
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    target: target.name,
    queries: results.length,
    errors: results.filter((r) => r.error).length,
    wallS: round((performance.now() - t0) / 1000),
    startLagP95S: round(percentile(results.map((r) => r.lag), 95)),
    clusters: [...byCluster]
      .map(([cluster, rs]) => ({
        cluster,
        queries: rs.length,
        errors: rs.filter((r) => r.error).length,
        latencyP50S: round(percentile(rs.filter((r) => !r.error).map((r) => r.latency), 50)),
        latencyP95S: round(percentile(rs.filter((r) => !r.error).map((r) => r.latency), 95)),
        plannedP50S: round(percentile(rs.map((r) => r.planned), 50)),
      }))
      .sort((a, b) => b.queries - a.queries),
    firstErrors: results.filter((r) => r.error).slice(0, 5).map((r) => ({ cluster: r.cluster, error: r.error! })),
  };
}
