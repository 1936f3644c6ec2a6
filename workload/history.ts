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

/** Epoch seconds from an ISO timestamp or a number of epoch seconds (Jackson's default for Instant). */
function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? (value > 1e11 ? value / 1000 : value) : undefined;
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
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

/** RFC 4180 fields of one CSV line (quotes double to escape). Returns undefined when a quote is unterminated. */
export function csvFields(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (true) {
        if (i >= line.length) return undefined;
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else value += line[i++];
      }
      out.push(value);
      if (i < line.length && line[i] !== ',') return undefined;
      i++;
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out;
}

/** Reads any supported history format, detected from its first non-blank character and header. */
export function parseHistory(text: string): History {
  const trimmed = text.trimStart();
  const records: HistoryRecord[] = [];
  const problems: HistoryProblem[] = [];
  const take = (line: number, p: Parsed) => ('record' in p ? records.push(p.record) : problems.push({ line, reason: p.reason }));

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
  const lines = text.split(/\r?\n/);
  if (trimmed.startsWith('{')) {
    lines.forEach((line, k) => {
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
  const header = csvFields(lines[0]?.trim() ?? '')?.map((h) => h.trim().toLowerCase());
  if (!header || header.join(',') !== 'arrival,duration_s,query') {
    return { format: 'csv', records, problems: [{ line: 1, reason: 'not a /v1/query JSON list, event-listener JSON lines, or CSV with header arrival,duration_s,query' }] };
  }
  lines.slice(1).forEach((line, k) => {
    if (line.trim() === '') return;
    const f = csvFields(line);
    if (!f || f.length !== 3) return void problems.push({ line: k + 2, reason: f ? `expected 3 fields, found ${f.length}` : 'unterminated quoted field' });
    const arrival = /^\d+(\.\d+)?$/.test(f[0].trim()) ? Number(f[0]) : parseTime(f[0].trim());
    const durationS = Number(f[1]);
    if (arrival === undefined || !Number.isFinite(arrival)) return void problems.push({ line: k + 2, reason: `arrival ${JSON.stringify(f[0])} is neither seconds nor an ISO-8601 time` });
    if (!Number.isFinite(durationS) || durationS < 0 || f[1].trim() === '') return void problems.push({ line: k + 2, reason: `duration_s ${JSON.stringify(f[1])} must be a number of seconds` });
    if (f[2].trim() === '') return void problems.push({ line: k + 2, reason: 'empty query' });
    records.push({ arrival, durationS, query: f[2] });
  });
  return { format: 'csv', records, problems };
}
