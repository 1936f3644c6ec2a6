/**
 * Workload traces: one query per row, `arrival,duration_s[,slots]` with a header. Arrival is seconds
 * (from any origin), epoch milliseconds, or an ISO-8601 timestamp (UTC when it has no zone). Values may
 * be quoted (RFC 4180). Bad rows are reported with their line number.
 */
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { Rng } from './rng';

export interface Query {
  /** Seconds from the start of the trace. */
  readonly arrival: number;
  readonly duration: number;
  /** Task slots the query occupies on one worker. */
  readonly slots: number;
}

export interface TraceProblem {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

export interface ParsedTrace {
  readonly queries: Query[];
  readonly problems: TraceProblem[];
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

/** One data row of a CSV file, with its first cell read as a time. */
export interface TimedRow {
  /** The trimmed cells. */
  readonly cells: readonly string[];
  /** Seconds: from any origin, or since the epoch for a timestamp. */
  readonly time: number;
  readonly line: number;
  readonly text: string;
}

/**
 * The trimmed cells of one CSV line. A line with a quote is read as RFC 4180 says (csv-parse), so quoted
 * values, as the Trino CLI's CSV formats write every one, and a quoted comma parse; others split fast.
 * Throws CsvError on a line that is not valid CSV, such as an unterminated quote.
 */
export function csvCells(line: string): string[] {
  const split = line.split(',').map((c) => c.trim());
  if (!line.includes('"')) return split;
  // Every value quoted, none holding a quote or a comma: the common quoted export, without the parser.
  // Like csv-parse's trim, it keeps the spaces inside the quotes.
  if (split.every((c) => c.length >= 2 && c.startsWith('"') && c.endsWith('"') && !c.slice(1, -1).includes('"'))) return split.map((c) => c.slice(1, -1));
  const records = parseCsv(line, { relaxColumnCount: true, trim: true }) as string[][];
  return records[0] ?? [];
}

/** Above this a number of seconds would be over 3,000 years: it is epoch milliseconds (Java's, Jackson's). */
export const EPOCH_MILLIS_ABOVE = 1e11;

/** Seconds from a number that is seconds, or epoch milliseconds when it is that large. */
export function secondsFromNumber(value: number): number {
  return value > EPOCH_MILLIS_ABOVE ? value / 1000 : value;
}

/** An ISO-8601 date and time with no zone: `T` or a space between them, seconds and fraction optional. */
const ZONELESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/**
 * Milliseconds since the epoch of a timestamp, or NaN. A date and time without a zone is UTC. JavaScript
 * reads it as the machine's local time (ECMA-262, Date Time String Format), so the same file would give
 * other gaps on another laptop, and hours that a daylight saving change skips or repeats. Anything else
 * is read as `Date.parse` reads it: a zone or offset it carries is kept.
 */
export function parseTimestamp(text: string): number {
  const zoneless = ZONELESS_DATE_TIME.exec(text.trim());
  return Date.parse(zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : text);
}

/**
 * The data rows of a CSV file (blank and `#` lines skipped) whose first cell is a time: seconds (epoch
 * milliseconds when over 10¹¹) or an ISO-8601 timestamp, the same kind in every row. A row with another column count or a bad time is a
 * problem named by its line; `visit` sees the others and may report one too. Says whether the times
 * were timestamps.
 */
export function readTimedRows(lines: readonly string[], columns: number, timeName: string, problems: TraceProblem[], visit: (row: TimedRow, bad: (reason: string) => void) => void): boolean {
  let timestamps: boolean | undefined;
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '' || text.startsWith('#')) continue;
    const bad = (reason: string) => problems.push({ line: i + 1, text, reason });
    let cells: string[];
    try {
      cells = csvCells(text);
    } catch (e) {
      if (!(e instanceof CsvError)) throw e;
      bad(`not valid CSV: ${e.message}`);
      continue;
    }
    if (cells.length !== columns) {
      bad(`expected ${columns} columns, found ${cells.length}`);
      continue;
    }
    const isNumber = /^-?\d+(\.\d+)?$/.test(cells[0]);
    const time = isNumber ? secondsFromNumber(Number(cells[0])) : parseTimestamp(cells[0]) / 1000;
    if (!Number.isFinite(time)) {
      bad(`${timeName} ${JSON.stringify(cells[0])} is neither seconds nor an ISO-8601 time`);
      continue;
    }
    if (timestamps !== undefined && timestamps !== !isNumber) {
      bad(`${timeName} mixes seconds and timestamps`);
      continue;
    }
    timestamps = !isNumber;
    visit({ cells, time, line: i + 1, text }, bad);
  }
  return timestamps ?? false;
}

/** A header line's cells, lower-cased; undefined when it is missing or not valid CSV. */
export function headerCells(line: string | undefined): string[] | undefined {
  try {
    // trim() also drops a byte order mark, which is whitespace to JavaScript.
    return line === undefined ? undefined : csvCells(line.trim().toLowerCase());
  } catch (e) {
    if (e instanceof CsvError) return undefined;
    throw e;
  }
}

/** Parses a CSV trace. Rows are sorted by arrival; arrivals are shifted so the first is 0. */
export function parseTrace(text: string): ParsedTrace {
  const lines = text.split(/\r?\n/);
  const header = headerCells(lines[0]);
  const problems: TraceProblem[] = [];
  if (!header || header[0] !== 'arrival' || header[1] !== 'duration_s' || (header.length > 2 && header[2] !== 'slots') || header.length > 3) {
    return { queries: [], problems: [{ line: 1, text: lines[0] ?? '', reason: 'header must be "arrival,duration_s" or "arrival,duration_s,slots"' }] };
  }
  const raw: { arrival: number; duration: number; slots: number; line: number }[] = [];
  const timestamps = readTimedRows(lines, header.length, 'arrival', problems, ({ cells, time, line }, bad) => {
    const duration = Number(cells[1]);
    // 0 is a real row: a query shorter than the log's resolution still waits for a slot and is counted.
    if (!/^\d+(\.\d+)?$/.test(cells[1]) || !Number.isFinite(duration)) return bad(`duration_s ${JSON.stringify(cells[1])} must be a number of seconds >= 0`);
    const slots = cells.length > 2 ? Number(cells[2]) : 1;
    if (cells.length > 2 && (!/^\d+$/.test(cells[2]) || slots < 1)) return bad(`slots ${JSON.stringify(cells[2])} must be a whole number >= 1`);
    raw.push({ arrival: time, duration, slots, line });
  });
  raw.sort((a, b) => a.arrival - b.arrival);
  const first = raw[0]?.arrival ?? 0;
  return {
    queries: raw.map((q) => ({ arrival: q.arrival - first, duration: q.duration, slots: q.slots })),
    problems,
    origin: timestamps ? new Date(first * 1000) : undefined,
    span: spanOf(raw, (q) => q.arrival, (q) => q.arrival + q.duration, (q) => q.line),
  };
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
