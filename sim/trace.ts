/**
 * Workload traces: one query per row, with a header naming `arrival` and `duration_s`, and `slots` when
 * queries take more than one; other columns (a query log's SQL, its user) are ignored. Arrival is seconds
 * (from any origin), epoch milliseconds, or an ISO-8601 timestamp (UTC when it has no zone). Values may be
 * quoted (RFC 4180). A file is read as a stream (sim/csv-records.ts), so its size is bounded only by the
 * queries it holds. Bad rows are reported with their line number.
 */
import { ReadOptions, splitText, streamFile } from './csv-records';
import { Rng } from './rng';
import { TableRead, TableSpec, TimedRow, TimedTableSink } from './timed-table';

export { EPOCH_MILLIS_ABOVE, MAX_KEPT_PROBLEMS, parseTimestamp, secondsFromNumber } from './timed-table';
export type { TraceProblem } from './timed-table';

export interface Query {
  /** Seconds from the start of the trace. */
  readonly arrival: number;
  readonly duration: number;
  /** Task slots the query occupies on one worker. */
  readonly slots: number;
  /** Its statement's signature (workload/signature.ts) when the trace has one: the history predicts by it. */
  readonly signature?: string;
}

export interface ParsedTrace extends Omit<TableRead, 'timestamps'> {
  readonly queries: Query[];
  /** When arrivals were timestamps: the first one, so reports can show wall-clock times. */
  readonly origin?: Date;
  /** From the earliest arrival to the latest end; undefined with no queries. */
  readonly span?: Span;
}

/** How long a workload runs, and the rows at its two ends. */
export interface Span {
  readonly seconds: number;
  /** The line that starts it (the earliest arrival or hour). */
  readonly firstLine: number;
  /** The line that ends it (the query that ends last, or the last hour). */
  readonly lastLine: number;
}

/**
 * The longest workload the simulator runs: a year. A span past it is nearly always one stray time, a
 * missing value written as 0 or 1970-01-01 beside real ones, and the run would idle through decades of
 * minutes with no word. Refused instead (bin/simulate.ts, and `workload analyze` for a history), whether
 * bad rows are skipped or not.
 */
export const MAX_SPAN_DAYS = 366;

/** From the earliest start to the latest end of some rows, with both rows' lines; undefined with none. */
export function spanOf<T>(rows: readonly T[], start: (row: T) => number, end: (row: T) => number, line: (row: T) => number): Span | undefined {
  if (rows.length === 0) return undefined;
  let first = rows[0];
  let last = rows[0];
  for (const row of rows) {
    if (start(row) < start(first)) first = row;
    if (end(row) > end(last)) last = row;
  }
  return { seconds: end(last) - start(first), firstLine: line(first), lastLine: line(last) };
}

/** Why a workload of this span is refused, naming its file and the rows at both ends; undefined when it is not. */
export function longSpanProblem(path: string, span: Span | undefined): string | undefined {
  if (!span || span.seconds <= MAX_SPAN_DAYS * 86_400) return undefined;
  return (
    `${path} spans ${Math.round(span.seconds / 86_400)} days, from line ${span.firstLine} to line ${span.lastLine}: over ${MAX_SPAN_DAYS}. ` +
    'A time that far from the others is usually a missing value written as 0 or 1970-01-01; fix or remove that row'
  );
}

/**
 * The most queries a trace may hold: at about 25,000 queries a second per policy's run (`npm run
 * bench:sim`), ten runs of 5 million take over half an hour, and the queries take about 90 bytes each in
 * memory. The hourly profile's limit is the same.
 */
export const MAX_TRACE_QUERIES = 5_000_000;

export interface TraceReadOptions {
  /** @default MAX_TRACE_QUERIES */
  readonly maxQueries?: number;
  /** @default MAX_RECORD_CHARS (sim/csv-records.ts) */
  readonly maxRecordChars?: number;
}

const TRACE_TABLE: TableSpec = {
  what: 'A trace',
  columns: ['arrival', 'duration_s'],
  optional: ['slots'],
  otherKind: { columns: ['hour', 'queries', 'runtime_s'], hint: 'it looks like an hourly profile (--hourly)' },
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Takes a trace's records as they are read; `finish` sorts the queries and shifts them to start at 0. */
class TraceSink extends TimedTableSink<ParsedTrace> {
  private readonly queries: Mutable<Query>[] = [];
  private sorted = true;
  /** The earliest arrival and its line; the latest end, its arrival and line (ties: the earlier arrival). */
  private first = { arrival: Infinity, line: 0 };
  private last = { end: -Infinity, arrival: Infinity, line: 0 };
  private latestArrival = -Infinity;

  constructor(private readonly maxQueries: number) {
    super(TRACE_TABLE);
  }

  protected row({ cells, time, line, text }: TimedRow, bad: (reason: string) => void): void {
    const [, durationText, slotsText] = cells;
    const duration = Number(durationText);
    // 0 is a real row: a query shorter than the log's resolution still waits for a slot and is counted.
    if (!/^\d+(\.\d+)?$/.test(durationText!) || !Number.isFinite(duration)) return bad(`duration_s ${JSON.stringify(durationText)} must be a number of seconds >= 0`);
    const slots = slotsText === undefined ? 1 : Number(slotsText);
    if (slotsText !== undefined && (!/^\d+$/.test(slotsText) || slots < 1)) return bad(`slots ${JSON.stringify(slotsText)} must be a whole number >= 1`);
    if (this.queries.length >= this.maxQueries) {
      const days = (this.latestArrival - this.first.arrival) / 86_400;
      return this.table.refuse(
        line,
        text,
        `more than ${this.maxQueries.toLocaleString('en-US')} queries (the first ${this.maxQueries.toLocaleString('en-US')} arrive over ${days.toFixed(1)} days): more than a simulation holds in memory and runs in reasonable time; cut the trace to a shorter period`,
      );
    }
    const n = this.queries.length;
    if (n > 0 && time < this.queries[n - 1].arrival) this.sorted = false;
    this.queries.push({ arrival: time, duration, slots });
    if (time < this.first.arrival) this.first = { arrival: time, line };
    this.latestArrival = Math.max(this.latestArrival, time);
    const end = time + duration;
    if (end > this.last.end || (end === this.last.end && time < this.last.arrival)) this.last = { end, arrival: time, line };
  }

  finish(): ParsedTrace {
    const { timestamps, ...read } = this.table.finish();
    if (read.fileProblem) return { ...read, queries: [] };
    const queries = this.queries;
    // Stable: queries that arrive together keep the file's order.
    if (!this.sorted) queries.sort((a, b) => a.arrival - b.arrival);
    const first = queries.length > 0 ? this.first.arrival : 0;
    for (const q of queries) q.arrival -= first;
    return {
      ...read,
      queries,
      origin: timestamps && queries.length > 0 ? new Date(first * 1000) : undefined,
      span: queries.length > 0 ? { seconds: this.last.end - first, firstLine: this.first.line, lastLine: this.last.line } : undefined,
    };
  }
}

/** Parses a CSV trace held in a string. Rows are sorted by arrival; arrivals are shifted so the first is 0. */
export function parseTrace(text: string, o: TraceReadOptions = {}): ParsedTrace {
  const sink = new TraceSink(o.maxQueries ?? MAX_TRACE_QUERIES);
  splitText(text, sink, o.maxRecordChars);
  return sink.finish();
}

/**
 * Reads a CSV trace file as a stream, a chunk at a time: memory holds its queries, not its text. As
 * `parseTrace`; rejects with the file system's error (`code` set) when the file cannot be read.
 */
export async function readTrace(path: string, o: TraceReadOptions & ReadOptions = {}): Promise<ParsedTrace> {
  const sink = new TraceSink(o.maxQueries ?? MAX_TRACE_QUERIES);
  await streamFile(path, sink, o);
  return sink.finish();
}

/** The default scenario's workload. */
export interface GeneratorOptions {
  readonly days: number;
  /** Mean arrivals per second at the daily peak. */
  readonly peakRate: number;
  /** Arrival rate at the daily trough as a share of the peak. */
  readonly troughShare: number;
  readonly seed: number;
  /**
   * diurnal (the default): a sinusoidal day; bursty: a quiet base with bursts of 5 to 30 minutes at random
   * times; spikes: a near-idle base with bursts of 1 to 15 minutes, more often.
   */
  readonly shape?: TraceShape;
}

export type TraceShape = 'diurnal' | 'bursty' | 'spikes';
export const TRACE_SHAPES: readonly TraceShape[] = ['diurnal', 'bursty', 'spikes'];

/** Arrival rate between bursts as a share of the peak rate, per shape (the generator's `troughShare`). */
export const TROUGH_SHARE: Record<TraceShape, number> = { diurnal: 0.15, bursty: 0.1, spikes: 0.025 };

/** When bursts come and how long they last: mean seconds between starts, and each one's length range. */
interface BurstPattern {
  readonly meanGapSeconds: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
}

const BURSTS: Record<Exclude<TraceShape, 'diurnal'>, BurstPattern> = {
  bursty: { meanGapSeconds: 90 * 60, minSeconds: 300, maxSeconds: 1800 },
  spikes: { meanGapSeconds: 30 * 60, minSeconds: 60, maxSeconds: 900 },
};

/**
 * A diurnal analytic workload: arrivals follow a sinusoidal day (peak mid-afternoon, weekends at 40%),
 * durations are heavy-tailed as interactive analytics sees them: most queries take seconds, a few
 * percent take many minutes, a thin tail over an hour.
 */
export function generateTrace(o: GeneratorOptions): Query[] {
  if (o.shape === 'bursty' || o.shape === 'spikes') return generateBurstTrace(o, BURSTS[o.shape]);
  const rng = new Rng(o.seed);
  const queries: Query[] = [];
  const end = o.days * 86_400;
  // Thinning (Lewis-Shedler) against the peak rate keeps arrivals a true non-homogeneous Poisson process.
  let t = 0;
  while (true) {
    t += rng.exponential(1 / o.peakRate);
    if (t >= end) break;
    const hour = (t % 86_400) / 3600;
    const day = Math.floor(t / 86_400) % 7;
    const daily = o.troughShare + (1 - o.troughShare) * 0.5 * (1 + Math.cos(((hour - 15) / 24) * 2 * Math.PI));
    const weekly = day >= 5 ? 0.4 : 1;
    if (rng.next() > daily * weekly) continue;
    queries.push(analyticQuery(rng, t));
  }
  return queries;
}

/**
 * One query of the mix interactive analytics sees: most take seconds, a few percent many minutes, a thin
 * tail over an hour. `durationScale` stretches every duration (an hour of heavier queries).
 */
export function analyticQuery(rng: Rng, arrival: number, durationScale = 1): Query {
  const kind = rng.next();
  const duration = kind < 0.8 ? rng.lognormal(8, 0.9) : kind < 0.97 ? rng.lognormal(120, 0.8) : rng.lognormal(900, 0.9);
  const slots = kind < 0.8 ? 1 : kind < 0.97 ? 2 : 4;
  return { arrival, duration: Math.min(Math.max(duration * durationScale, 0.5), 6 * 3600), slots };
}

/**
 * The mix's mean duration in seconds, unclamped: Σ share × median × e^(σ²/2), the log-normal mean. The
 * clamp to [0.5 s, 6 h] moves it by well under 1%.
 */
export const ANALYTIC_MEAN_DURATION_S = 0.8 * 8 * Math.exp(0.9 ** 2 / 2) + 0.17 * 120 * Math.exp(0.8 ** 2 / 2) + 0.03 * 900 * Math.exp(0.9 ** 2 / 2);

/**
 * A workload of bursts: a quiet base load (the trough share of the peak rate) and bursts at random times
 * (a Poisson process of starts), each of arrivals at 40% to 100% of the peak rate for a length drawn
 * uniformly from the pattern's range. `bursty`, about one every 90 minutes for 5 to 30 minutes: the
 * dashboard refreshes, ad-hoc investigations and backfills a queue-driven fleet sees. `spikes`, about one
 * every 30 minutes for 1 to 15 minutes over a base at 2.5% of the peak: scheduled reports and fan-out
 * jobs that start together and end before target tracking's scale-out has served. Same query mix as
 * diurnal.
 */
function generateBurstTrace(o: GeneratorOptions, pattern: BurstPattern): Query[] {
  const rng = new Rng(o.seed);
  const end = o.days * 86_400;
  const bursts: { start: number; end: number; rate: number }[] = [];
  const spread = pattern.maxSeconds - pattern.minSeconds;
  for (let t = rng.exponential(pattern.meanGapSeconds); t < end; t += rng.exponential(pattern.meanGapSeconds)) {
    bursts.push({ start: t, end: t + pattern.minSeconds + rng.next() * spread, rate: o.peakRate * (0.4 + 0.6 * rng.next()) });
  }
  const base = o.peakRate * o.troughShare;
  const queries: Query[] = [];
  // Thinning against the peak rate plus the base, as the diurnal generator does.
  const ceiling = o.peakRate + base;
  let t = 0;
  let k = 0;
  while (true) {
    t += rng.exponential(1 / ceiling);
    if (t >= end) break;
    while (k < bursts.length && bursts[k].end <= t) k++;
    let rate = base;
    for (let j = k; j < bursts.length && bursts[j].start <= t; j++) if (t < bursts[j].end) rate = Math.max(rate, base + bursts[j].rate);
    if (rng.next() * ceiling > rate) continue;
    queries.push(analyticQuery(rng, t));
  }
  return queries;
}

/** Writes a trace back as CSV (for `--write-trace`). */
export function formatTrace(queries: readonly Query[]): string {
  return ['arrival,duration_s,slots', ...queries.map((q) => `${q.arrival.toFixed(3)},${q.duration.toFixed(3)},${q.slots}`)].join('\n') + '\n';
}
