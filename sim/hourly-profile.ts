/**
 * A workload from hourly aggregates: per hour, how many queries arrived and how long they ran in total.
 * Many fleets keep only that (Trino's or Redshift's hourly query statistics, a billing export, the public
 * Redset data set of Amazon Redshift clusters), not a per-query log. The hours keep their real shape (the
 * day, the week, the nightly batch, the spike at the top of the hour); within an hour arrivals are Poisson
 * and queries follow the generator's analytic mix, stretched by the hour's mean run time against the
 * profile's, so that the hour's total run time is the profile's in expectation.
 */
import { Rng } from './rng';
import { ANALYTIC_MEAN_DURATION_S, Query, TraceProblem, analyticQuery } from './trace';

/** One hour of load. */
export interface HourlyLoad {
  /** Seconds from the profile's first hour. */
  readonly hour: number;
  /** Queries that arrived in the hour. */
  readonly queries: number;
  /** Seconds those queries ran, summed. runtime ÷ 3600 is the hour's mean number of queries running. */
  readonly runtimeSeconds: number;
}

export interface ParsedProfile {
  readonly hours: HourlyLoad[];
  readonly problems: TraceProblem[];
  /** When hours were timestamps: the first one. */
  readonly origin?: Date;
}

export interface HourlyTraceOptions {
  readonly seed: number;
  /**
   * Rescale every hour so that the busiest has this many queries running on average; without it the
   * profile's own scale stands (runtime ÷ 3600 queries running).
   */
  readonly peakRunning?: number;
}

/** How far an hour's mean run time may stretch or shrink the mix: past this, one odd query rules the hour. */
const STRETCH_LIMIT = 4;
/** Refuses profiles that would need more queries than a laptop run holds comfortably. */
export const MAX_PROFILE_QUERIES = 5_000_000;

/** Parses `hour,queries,runtime_s`: hour in seconds or ISO-8601, each hour once. Bad rows name their line. */
export function parseHourlyProfile(text: string): ParsedProfile {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim().toLowerCase().split(',').map((h) => h.trim());
  if (!header || header.join(',') !== 'hour,queries,runtime_s') {
    return { hours: [], problems: [{ line: 1, text: lines[0] ?? '', reason: 'header must be "hour,queries,runtime_s"' }] };
  }
  const problems: TraceProblem[] = [];
  const raw: { hour: number; queries: number; runtimeSeconds: number; line: number; text: string }[] = [];
  let timestamps: boolean | undefined;
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '' || text.startsWith('#')) continue;
    const bad = (reason: string) => problems.push({ line: i + 1, text, reason });
    const cells = text.split(',').map((c) => c.trim());
    if (cells.length !== 3) {
      bad(`expected 3 columns, found ${cells.length}`);
      continue;
    }
    const isNumber = /^-?\d+(\.\d+)?$/.test(cells[0]);
    const hour = isNumber ? Number(cells[0]) : Date.parse(cells[0]) / 1000;
    if (!Number.isFinite(hour)) {
      bad(`hour ${JSON.stringify(cells[0])} is neither seconds nor an ISO-8601 time`);
      continue;
    }
    if (timestamps !== undefined && timestamps !== !isNumber) {
      bad('hour mixes seconds and timestamps');
      continue;
    }
    timestamps = !isNumber;
    if (!/^\d+$/.test(cells[1])) {
      bad(`queries ${JSON.stringify(cells[1])} must be a whole number >= 0`);
      continue;
    }
    if (!/^\d+(\.\d+)?$/.test(cells[2])) {
      bad(`runtime_s ${JSON.stringify(cells[2])} must be a number of seconds >= 0`);
      continue;
    }
    raw.push({ hour, queries: Number(cells[1]), runtimeSeconds: Number(cells[2]), line: i + 1, text });
  }
  raw.sort((a, b) => a.hour - b.hour);
  const first = raw[0]?.hour ?? 0;
  const hours: HourlyLoad[] = [];
  for (let k = 0; k < raw.length; k++) {
    const r = raw[k];
    const offset = r.hour - first;
    if (offset % 3600 !== 0) {
      problems.push({ line: r.line, text: r.text, reason: `hour is ${offset} s after the first, not a whole number of hours` });
      continue;
    }
    if (k > 0 && raw[k - 1].hour === r.hour) {
      problems.push({ line: r.line, text: r.text, reason: 'hour appears twice' });
      continue;
    }
    hours.push({ hour: offset, queries: r.queries, runtimeSeconds: r.runtimeSeconds });
  }
  problems.sort((a, b) => a.line - b.line);
  return { hours, problems, origin: timestamps && raw.length > 0 ? new Date(first * 1000) : undefined };
}

/** The queries a trace from this profile would hold, in expectation (before drawing it). */
export function expectedProfileQueries(hours: readonly HourlyLoad[], o: Pick<HourlyTraceOptions, 'peakRunning'>): number {
  return hours.reduce((n, _h, i) => n + hourRate(hours, i, o) * 3600, 0);
}

/** Draws a trace: Poisson arrivals within each hour, the analytic mix stretched to the hour's mean run time. */
export function traceFromHourly(hours: readonly HourlyLoad[], o: HourlyTraceOptions): Query[] {
  const rng = new Rng(o.seed);
  const queries: Query[] = [];
  for (let i = 0; i < hours.length; i++) {
    const rate = hourRate(hours, i, o);
    if (rate <= 0) continue;
    const stretch = hourStretch(hours, i);
    const end = hours[i].hour + 3600;
    for (let t = hours[i].hour + rng.exponential(1 / rate); t < end; t += rng.exponential(1 / rate)) queries.push(analyticQuery(rng, t, stretch));
  }
  return queries;
}

/** The hour's mean run time per query against the whole profile's, within the stretch limit. */
function hourStretch(hours: readonly HourlyLoad[], i: number): number {
  const all = totals(hours);
  const h = hours[i];
  if (all.queries === 0 || all.runtime === 0) return 1;
  // Run time with no arrivals is a long query carried over from an earlier hour: the heaviest stretch.
  if (h.queries === 0) return STRETCH_LIMIT;
  const ratio = h.runtimeSeconds / h.queries / (all.runtime / all.queries);
  return Math.min(STRETCH_LIMIT, Math.max(1 / STRETCH_LIMIT, ratio));
}

/** Arrivals per second that give the hour its run time, in expectation: runtime ÷ (3600 × mean duration). */
function hourRate(hours: readonly HourlyLoad[], i: number, o: Pick<HourlyTraceOptions, 'peakRunning'>): number {
  const runtime = hours[i].runtimeSeconds * scaleOf(hours, o);
  return runtime / 3600 / (ANALYTIC_MEAN_DURATION_S * hourStretch(hours, i));
}

function scaleOf(hours: readonly HourlyLoad[], o: Pick<HourlyTraceOptions, 'peakRunning'>): number {
  if (o.peakRunning === undefined) return 1;
  const peak = Math.max(0, ...hours.map((h) => h.runtimeSeconds));
  return peak > 0 ? (o.peakRunning * 3600) / peak : 1;
}

const totalsCache = new WeakMap<readonly HourlyLoad[], { queries: number; runtime: number }>();
function totals(hours: readonly HourlyLoad[]): { queries: number; runtime: number } {
  let t = totalsCache.get(hours);
  if (!t) {
    t = { queries: 0, runtime: 0 };
    for (const h of hours) {
      t.queries += h.queries;
      t.runtime += h.runtimeSeconds;
    }
    totalsCache.set(hours, t);
  }
  return t;
}
