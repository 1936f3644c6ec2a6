/**
 * A workload from hourly aggregates: per hour, how many queries arrived and how long they ran in total.
 * Many fleets keep only that (Trino's or Redshift's hourly query statistics, a billing export, the public
 * Redset data set of Amazon Redshift clusters), not a per-query log. The hours keep their real shape (the
 * day, the week, the nightly batch, the spike at the top of the hour); within an hour arrivals are Poisson
 * and queries follow the generator's analytic mix, stretched by the hour's mean run time against the
 * profile's, so that the hour's total run time is the profile's in expectation.
 */
import { ReadOptions, shownText, splitText, streamFile } from './csv-records';
import { Rng } from './rng';
import { MAX_KEPT_PROBLEMS, TableRead, TableSpec, TimedRow, TimedTableSink, TraceProblem } from './timed-table';
import { ANALYTIC_MEAN_DURATION_S, MAX_SPAN_DAYS, MAX_TRACE_QUERIES, Query, Span, analyticQuery, spanOf } from './trace';

/** One hour of load. */
export interface HourlyLoad {
  /** Seconds from the profile's first hour. */
  readonly hour: number;
  /** Queries that arrived in the hour. */
  readonly queries: number;
  /** Seconds those queries ran, summed. runtime ÷ 3600 is the hour's mean number of queries running. */
  readonly runtimeSeconds: number;
}

export interface ParsedProfile extends Omit<TableRead, 'timestamps'> {
  readonly hours: HourlyLoad[];
  /** When hours were timestamps: the first one. */
  readonly origin?: Date;
  /** From the first hour's start to the last one's end; undefined with no hours. */
  readonly span?: Span;
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
/** Refuses profiles that would need more queries than a laptop run holds comfortably: a trace's limit. */
export const MAX_PROFILE_QUERIES = MAX_TRACE_QUERIES;

/**
 * The most rows a profile may hold: ten times the hours of the longest span the simulator runs, so a
 * profile with a few duplicate or stray rows is read and its span refused by name, while a file of
 * millions of rows stops early instead of filling memory.
 */
export const MAX_PROFILE_ROWS = MAX_SPAN_DAYS * 24 * 10;

const PROFILE_TABLE: TableSpec = {
  what: 'An hourly profile',
  columns: ['hour', 'queries', 'runtime_s'],
  optional: [],
  otherKind: { columns: ['arrival', 'duration_s'], hint: 'it looks like a per-query trace (--trace)' },
};

interface ProfileRow {
  readonly hour: number;
  readonly queries: number;
  readonly runtimeSeconds: number;
  readonly line: number;
  /** As a problem shows it. */
  readonly text: string;
}

/** Takes a profile's records as they are read; `finish` checks the hours against each other. */
class ProfileSink extends TimedTableSink<ParsedProfile> {
  private readonly raw: ProfileRow[] = [];

  constructor() {
    super(PROFILE_TABLE);
  }

  protected row({ cells, time, line, text }: TimedRow, bad: (reason: string) => void): void {
    const [, queries, runtime] = cells as string[];
    if (!/^\d+$/.test(queries)) return bad(`queries ${JSON.stringify(queries)} must be a whole number >= 0`);
    if (!/^\d+(\.\d+)?$/.test(runtime)) return bad(`runtime_s ${JSON.stringify(runtime)} must be a number of seconds >= 0`);
    if (this.raw.length >= MAX_PROFILE_ROWS) {
      return this.table.refuse(line, text, `more than ${MAX_PROFILE_ROWS.toLocaleString('en-US')} rows: ten times the hours of the longest span the simulator runs (${MAX_SPAN_DAYS} days)`);
    }
    this.raw.push({ hour: time, queries: Number(queries), runtimeSeconds: Number(runtime), line, text: shownText(text) });
  }

  finish(): ParsedProfile {
    const { timestamps, ...read } = this.table.finish();
    if (read.fileProblem) return { ...read, hours: [] };
    const raw = this.raw.sort((a, b) => a.hour - b.hour);
    const first = raw[0]?.hour ?? 0;
    const hours: HourlyLoad[] = [];
    const kept: ProfileRow[] = [];
    // Rows that read well alone but not beside the others join the row problems, in line order.
    const problems = [...read.problems];
    let badRows = read.badRows;
    const bad = (p: TraceProblem) => {
      badRows++;
      problems.push(p);
    };
    for (let k = 0; k < raw.length; k++) {
      const r = raw[k];
      const offset = r.hour - first;
      if (offset % 3600 !== 0) {
        bad({ line: r.line, text: r.text, reason: `hour is ${offset} s after the first, not a whole number of hours` });
        continue;
      }
      if (k > 0 && raw[k - 1].hour === r.hour) {
        bad({ line: r.line, text: r.text, reason: 'hour appears twice' });
        continue;
      }
      hours.push({ hour: offset, queries: r.queries, runtimeSeconds: r.runtimeSeconds });
      kept.push(r);
    }
    problems.sort((a, b) => a.line - b.line);
    return {
      ...read,
      hours,
      problems: problems.slice(0, MAX_KEPT_PROBLEMS),
      badRows,
      origin: timestamps && raw.length > 0 ? new Date(first * 1000) : undefined,
      span: spanOf(kept, (h) => h.hour, (h) => h.hour + 3600, (h) => h.line),
    };
  }
}

/**
 * Parses `hour,queries,runtime_s` (columns in any order, others ignored): hour in seconds or ISO-8601,
 * each hour once. Bad rows name their line.
 */
export function parseHourlyProfile(text: string): ParsedProfile {
  const sink = new ProfileSink();
  splitText(text, sink);
  return sink.finish();
}

/** Reads a profile file as a stream; as `parseHourlyProfile`. Rejects with the file system's error when it cannot be read. */
export async function readHourlyProfile(path: string, o: ReadOptions = {}): Promise<ParsedProfile> {
  const sink = new ProfileSink();
  await streamFile(path, sink, o);
  return sink.finish();
}

/** The queries a trace from this profile would hold, in expectation (before drawing it). */
export function expectedProfileQueries(hours: readonly HourlyLoad[], o: Pick<HourlyTraceOptions, 'peakRunning'>): number {
  return planHours(hours, o).reduce((n, h) => n + h.rate * 3600, 0);
}

/** Draws a trace: Poisson arrivals within each hour, the analytic mix stretched to the hour's mean run time. */
export function traceFromHourly(hours: readonly HourlyLoad[], o: HourlyTraceOptions): Query[] {
  const rng = new Rng(o.seed);
  const queries: Query[] = [];
  for (const { hour, rate, stretch } of planHours(hours, o)) {
    if (rate <= 0) continue;
    for (let t = hour + rng.exponential(1 / rate); t < hour + 3600; t += rng.exponential(1 / rate)) queries.push(analyticQuery(rng, t, stretch));
  }
  return queries;
}

/**
 * Per hour, the arrivals per second and the duration stretch that give it its run time in expectation:
 * stretch is the hour's mean run time per query against the profile's (within the limit), and rate is
 * runtime ÷ (3600 × the mix's mean duration × stretch).
 */
function planHours(hours: readonly HourlyLoad[], o: Pick<HourlyTraceOptions, 'peakRunning'>): { hour: number; rate: number; stretch: number }[] {
  let queries = 0;
  let runtime = 0;
  let peak = 0;
  for (const h of hours) {
    queries += h.queries;
    runtime += h.runtimeSeconds;
    peak = Math.max(peak, h.runtimeSeconds);
  }
  const scale = o.peakRunning !== undefined && peak > 0 ? (o.peakRunning * 3600) / peak : 1;
  const meanRuntime = queries > 0 ? runtime / queries : 0;
  return hours.map((h) => {
    // Run time with no arrivals is a long query carried over from an earlier hour: the heaviest stretch.
    const ratio = meanRuntime === 0 ? 1 : h.queries === 0 ? STRETCH_LIMIT : h.runtimeSeconds / h.queries / meanRuntime;
    const stretch = Math.min(STRETCH_LIMIT, Math.max(1 / STRETCH_LIMIT, ratio));
    return { hour: h.hour, rate: (h.runtimeSeconds * scale) / 3600 / (ANALYTIC_MEAN_DURATION_S * stretch), stretch };
  });
}
