import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { parseTimestamp, secondsFromNumber } from '../sim/trace';

/**
 * Query history in, one record per query out: Trino/Presto coordinator `GET /v1/query` JSON, the
 * event listener's QueryCompletedEvent JSON lines, or CSV `arrival,duration_s,query`. Records that
 * cannot be read are reported with their line (or array index) and skipped, never guessed.
 */

export interface HistoryRecord {
  /** Epoch seconds. */
  readonly arrival: number;
  readonly durationS: number;
  readonly cpuS?: number;
  readonly state?: string;
  readonly query: string;
  /** Where it came from: its 1-based line, or for a JSON array its position. */
  readonly line?: number;
}

export interface HistoryProblem {
  /** 1-based line, or for a JSON array the element's position. */
  readonly line: number;
  readonly reason: string;
}

export interface History {
  readonly format: 'trino-query-list' | 'event-listener' | 'csv';
  readonly records: HistoryRecord[];
  readonly problems: HistoryProblem[];
}

const AIRLIFT_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds from an airlift duration ("1.23s", "2.00m"), an ISO-8601 one ("PT1.5S") or a number of seconds. */
export function parseDurationValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const airlift = /^(\d+(?:\.\d+)?)\s*(ns|us|ms|s|m|h|d)$/.exec(value.trim());
  if (airlift) return Number(airlift[1]) * AIRLIFT_UNITS[airlift[2]];
  const iso = /^PT?(?:(\d+(?:\.\d+)?)D)?T?(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value.trim());
  if (iso && value.trim() !== 'P' && value.trim() !== 'PT') {
    const [, d, h, m, s] = iso;
    return Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  }
  return undefined;
}

/**
 * Epoch seconds from an ISO timestamp (UTC when it has no zone), or from a number: epoch seconds (Jackson's
 * default for Instant), or epoch milliseconds when it is that large.
 */
function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? secondsFromNumber(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const t = parseTimestamp(value);
  return Number.isNaN(t) ? undefined : t / 1000;
}

type Parsed = { record: HistoryRecord } | { reason: string };

/** One `/v1/query` entry (BasicQueryInfo). */
function fromQueryInfo(q: any): Parsed {
  if (typeof q?.query !== 'string' || q.query.trim() === '') return { reason: 'no query text' };
  const stats = q.queryStats ?? {};
  const arrival = parseTime(stats.createTime);
  if (arrival === undefined) return { reason: `queryStats.createTime ${JSON.stringify(stats.createTime)} is not a time` };
  const end = parseTime(stats.endTime);
  const durationS = parseDurationValue(stats.elapsedTime) ?? (end !== undefined ? end - arrival : undefined);
  if (durationS === undefined || durationS < 0) return { reason: 'no elapsedTime, and no endTime to derive it from (still running?)' };
  return { record: { arrival, durationS, cpuS: parseDurationValue(stats.totalCpuTime), state: q.state, query: q.query } };
}

/** One QueryCompletedEvent. */
function fromCompletedEvent(e: any): Parsed {
  const query = e?.metadata?.query;
  if (typeof query !== 'string' || query.trim() === '') return { reason: 'no metadata.query' };
  const arrival = parseTime(e.createTime);
  const end = parseTime(e.endTime);
  if (arrival === undefined) return { reason: `createTime ${JSON.stringify(e.createTime)} is not a time` };
  const durationS = end !== undefined ? end - arrival : parseDurationValue(e.statistics?.wallTime);
  if (durationS === undefined || durationS < 0) return { reason: 'no endTime or statistics.wallTime' };
  return { record: { arrival, durationS, cpuS: parseDurationValue(e.statistics?.cpuTime), state: e.metadata?.queryState, query } };
}

/** Reads any supported history format, detected from its first non-blank character and header. */
export function parseHistory(text: string): History {
  const trimmed = text.trimStart();
  const records: HistoryRecord[] = [];
  const problems: HistoryProblem[] = [];
  const take = (line: number, p: Parsed) => ('record' in p ? records.push({ ...p.record, line }) : problems.push({ line, reason: p.reason }));

  if (trimmed.startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (e) {
      return { format: 'trino-query-list', records, problems: [{ line: 1, reason: `not valid JSON: ${(e as Error).message}` }] };
    }
    (list as unknown[]).forEach((q, k) => take(k + 1, fromQueryInfo(q)));
    return { format: 'trino-query-list', records, problems };
  }
  if (trimmed.startsWith('{')) {
    text.split(/\r?\n/).forEach((line, k) => {
      if (line.trim() === '') return;
      let e: any;
      try {
        e = JSON.parse(line);
      } catch {
        problems.push({ line: k + 1, reason: 'not valid JSON' });
        return;
      }
      take(k + 1, e?.metadata ? fromCompletedEvent(e) : fromQueryInfo(e));
    });
    return { format: 'event-listener', records, problems };
  }
  return { format: 'csv', ...parseCsvHistory(text) };
}

/** The line a CSV record starts on: csv-parse reports where it ends, and a quoted field may hold newlines. */
function startLine(endLine: number, raw: string | undefined): number {
  if (!raw) return endLine;
  // raw starts with the blank lines skipped before the record and ends with its record delimiter.
  let first = 0;
  while (raw[first] === '\n') first++;
  let newlines = 0;
  for (let k = raw.indexOf('\n', first); k >= 0; k = raw.indexOf('\n', k + 1)) newlines++;
  return endLine - newlines + (raw.endsWith('\n') ? 1 : 0);
}

/**
 * CSV `arrival,duration_s,query` read by csv-parse (RFC 4180: quoted fields may hold commas, doubled
 * quotes and newlines). A record csv-parse cannot read is reported with the line it starts on and
 * skipped; the records after it are still read.
 */
function parseCsvHistory(original: string): Pick<History, 'records' | 'problems'> {
  // csv-parse miscounts lines for CRLF text (a CR and an LF inside a quoted field count as two), so it
  // reads LF text; a file written with CRLF throughout gets its CRLFs back inside fields, exactly.
  const crlf = original.includes('\r\n') && !/(^|[^\r])\n/.test(original);
  const text = crlf ? original.replace(/\r\n/g, '\n') : original;
  const field = (value: string) => (crlf ? value.replace(/\n/g, '\r\n') : value);
  const records: HistoryRecord[] = [];
  const problems: HistoryProblem[] = [];
  let lastProblemLine = 0;
  const rows = parseCsv(text, {
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      const line = startLine(Number((error as { lines?: number } | undefined)?.lines ?? 0), raw);
      // One malformed record can raise several errors (each stray quote): report it once.
      if (line !== lastProblemLine) problems.push({ line, reason: `not valid CSV: ${(error?.message ?? 'unreadable record').replace(/ at line \d+/, '')}` });
      lastProblemLine = line;
      return undefined;
    },
  }) as unknown as { info: { lines: number }; raw: string; record: string[] }[];
  const header = rows[0]?.record.map((h) => h.trim().toLowerCase());
  if (!header || header.join(',') !== 'arrival,duration_s,query') {
    return { records, problems: [{ line: 1, reason: 'not a /v1/query JSON list, event-listener JSON lines, or CSV with header arrival,duration_s,query' }] };
  }
  for (const { info, raw, record: f } of rows.slice(1)) {
    const line = startLine(info.lines, raw);
    if (f.length !== 3) {
      problems.push({ line, reason: `expected 3 fields, found ${f.length}` });
      continue;
    }
    const arrival = /^\d+(\.\d+)?$/.test(f[0].trim()) ? secondsFromNumber(Number(f[0])) : parseTime(f[0].trim());
    const durationS = Number(f[1]);
    if (arrival === undefined || !Number.isFinite(arrival)) problems.push({ line, reason: `arrival ${JSON.stringify(f[0])} is neither seconds nor an ISO-8601 time` });
    else if (!Number.isFinite(durationS) || durationS < 0 || f[1].trim() === '') problems.push({ line, reason: `duration_s ${JSON.stringify(f[1])} must be a number of seconds` });
    else if (f[2].trim() === '') problems.push({ line, reason: 'empty query' });
    else records.push({ arrival, durationS, query: field(f[2]), line });
  }
  problems.sort((x, y) => x.line - y.line);
  return { records, problems };
}
