/**
 * The simulator CLI's workload: an hourly profile to draw queries from (--hourly), a trace to replay
 * (--trace), or a generated one (the default). A file is read as a stream; its bad rows are named on
 * stderr and stop the run unless --skip-bad-rows.
 */
import { statSync } from 'node:fs';
import { MAX_PROFILE_QUERIES, expectedProfileQueries, readHourlyProfile, traceFromHourly } from '../../sim/hourly-profile';
import { readProgress } from '../../sim/progress';
import { ReadOptions } from '../../sim/csv-records';
import { TableRead } from '../../sim/timed-table';
import { Query, Span, TRACE_SHAPES, TROUGH_SHARE, TraceShape, generateTrace, longSpanProblem, readTrace } from '../../sim/trace';
import { Values, number, usageError } from './options';

/** The queries to run, what they came from (for the scenario), and when a timestamped file started. */
export interface Workload {
  readonly queries: Query[];
  readonly source: string;
  readonly origin?: Date;
}

/** A file's size in bytes; 0 when it cannot be read (the read itself says why). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Reads a workload file as a stream. A problem with the file as a whole (no header, a wrong one) stops
 * the run, with no word of --skip-bad-rows: no row was read. Ignored columns are named; every bad row is
 * reported by line (past the first 100, counted), and any stops the run unless skipped.
 */
async function readWorkload<T extends Omit<TableRead, 'timestamps'>>(flag: string, path: string, read: (path: string, o: ReadOptions) => Promise<T>, columns: string, skipBadRows: boolean): Promise<T> {
  let parsed: T;
  try {
    parsed = await read(path, { onBytes: readProgress(path, fileSize(path), process.stderr) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    usageError(`--${flag} ${path}: cannot be read (${code})`);
  }
  const file = parsed.fileProblem;
  if (file) usageError(`${path}:${file.line}: ${file.reason}${file.text ? `: ${file.text}` : ''}`);
  if (parsed.ignoredColumns.length > 0) console.error(`${path}:${parsed.headerLine}: ignored column(s) ${parsed.ignoredColumns.join(', ')}: the simulator reads ${columns}`);
  for (const p of parsed.problems) console.error(`${path}:${p.line}: ${p.reason}: ${p.text}`);
  const unnamed = parsed.badRows - parsed.problems.length;
  if (unnamed > 0) console.error(`${path}: ${unnamed.toLocaleString('en-US')} more bad row(s), counted but not named`);
  if (parsed.badRows > 0 && !skipBadRows) usageError(`${parsed.badRows.toLocaleString('en-US')} bad row(s) in ${path}; fix them or pass --skip-bad-rows to run without them`);
  return parsed;
}

/** Why a workload file gave nothing to run. */
function nothingRead(path: string, what: string, parsed: Omit<TableRead, 'timestamps'>): string {
  return parsed.badRows > 0
    ? `${path} holds no ${what}: all ${parsed.badRows.toLocaleString('en-US')} of its data rows are bad (${parsed.badRows > parsed.problems.length ? 'the first named' : 'each named'} above)`
    : `${path} holds no ${what}: no data row after the header on line ${parsed.headerLine}`;
}

/** Refuses a workload longer than the simulator runs, naming the rows at its two ends (sim/trace.ts, MAX_SPAN_DAYS). */
function refuseLongSpan(path: string, span: Span | undefined): void {
  const problem = longSpanProblem(path, span);
  if (problem) usageError(problem);
}

/** The workload the options name; `seed` draws a profile's queries and generates the default one. */
export async function workloadFrom(args: Values, seed: number): Promise<Workload> {
  let queries: Query[];
  let source: string;
  let origin: Date | undefined;
  if (args.trace && args.hourly) usageError('--trace and --hourly each name the workload; pass one');
  if (args['peak-running'] !== undefined && !args.hourly) usageError('--peak-running rescales an --hourly profile; pass --hourly too');
  if (args.hourly) {
    const parsed = await readWorkload('hourly', args.hourly, readHourlyProfile, 'hour, queries and runtime_s', args['skip-bad-rows'] === true);
    if (parsed.hours.length === 0) usageError(nothingRead(args.hourly, 'hours', parsed));
    refuseLongSpan(args.hourly, parsed.span);
    const peakRunning = args['peak-running'] === undefined ? undefined : number('peak-running', args['peak-running'], 0, 0.01, 100_000);
    const expected = expectedProfileQueries(parsed.hours, { peakRunning });
    if (expected > MAX_PROFILE_QUERIES) {
      usageError(`${args.hourly} would draw about ${Math.round(expected).toLocaleString('en-US')} queries, over ${MAX_PROFILE_QUERIES.toLocaleString('en-US')}; pass --peak-running to scale it down`);
    }
    queries = traceFromHourly(parsed.hours, { seed, peakRunning });
    origin = parsed.origin;
    if (queries.length === 0) usageError(`${args.hourly} holds no run time to draw queries from`);
    source = `hourly profile ${args.hourly} (${parsed.hours.length} hours${peakRunning === undefined ? '' : `, busiest hour scaled to ${peakRunning} queries running`}${parsed.badRows ? `, ${parsed.badRows} bad rows skipped` : ''})`;
  } else if (args.trace) {
    const parsed = await readWorkload('trace', args.trace, readTrace, 'arrival, duration_s and slots', args['skip-bad-rows'] === true);
    refuseLongSpan(args.trace, parsed.span);
    if (parsed.queries.length === 0) usageError(nothingRead(args.trace, 'queries', parsed));
    queries = parsed.queries;
    origin = parsed.origin;
    source = `trace ${args.trace}${parsed.badRows ? ` (${parsed.badRows} bad rows skipped)` : ''}`;
  } else {
    const days = number('days', args.days, 2, 0.1, 30);
    const peakRate = number('peak-rate', args['peak-rate'], 1.2, 0.001, 100);
    const shape = (args.shape ?? 'diurnal') as TraceShape;
    if (!TRACE_SHAPES.includes(shape)) usageError(`--shape (${shape}) must be ${TRACE_SHAPES.join(', ')}`);
    queries = generateTrace({ days, peakRate, troughShare: TROUGH_SHARE[shape], seed, shape });
    source = `generated ${shape} workload (${days} days, peak ${peakRate} queries/s)`;
  }
  return { queries, source, origin };
}
