import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_KEPT_PROBLEMS, MAX_TRACE_QUERIES, TROUGH_SHARE, generateTrace, parseTrace, readTrace } from '../../sim/trace';
import { oracle } from '../../sim/oracle';
import { parseInDstZone } from '../time-zone';
import { DEFAULT_SIM_OPTIONS, simulate } from '../../sim/fleet-sim';

test('seconds, ISO-8601 and optional slots parse; arrivals sorted and shifted to start at 0', () => {
  const t = parseTrace('arrival,duration_s,slots\n100,5,2\n40,3.5,1\n');
  expect(t.problems).toEqual([]);
  expect(t.queries).toEqual([{ arrival: 0, duration: 3.5, slots: 1 }, { arrival: 60, duration: 5, slots: 2 }]);
  // From the earliest arrival (line 3) to the latest end (line 2, 100 + 5).
  expect(t.span).toEqual({ seconds: 65, firstLine: 3, lastLine: 2 });
  const iso = parseTrace('arrival,duration_s\n2026-11-21T12:00:10Z,4\n2026-11-21T12:00:00Z,2\n');
  expect(iso.queries).toEqual([{ arrival: 0, duration: 2, slots: 1 }, { arrival: 10, duration: 4, slots: 1 }]);
  expect(iso.origin?.toISOString()).toBe('2026-11-21T12:00:00.000Z');
});

test('bad rows are reported with their line numbers, never silently dropped', () => {
  const t = parseTrace(['arrival,duration_s,slots', '0,5,1', 'yesterday,5,1', '3,-1,1', '4,5', '5,5,0', '6,5,1', ''].join('\n'));
  expect(t.queries).toHaveLength(2);
  expect(t.problems.map((p) => [p.line, p.reason])).toEqual([
    [3, 'arrival "yesterday" is neither seconds nor an ISO-8601 time'],
    [4, 'duration_s "-1" must be a number of seconds >= 0'],
    [5, 'expected 3 columns, found 2'],
    [6, 'slots "0" must be a whole number >= 1'],
  ]);
});


test('the generator is diurnal, heavy-tailed and seeded', () => {
  const a = generateTrace({ days: 1, peakRate: 0.5, troughShare: 0.1, seed: 7 });
  expect(generateTrace({ days: 1, peakRate: 0.5, troughShare: 0.1, seed: 7 })).toEqual(a);
  const byHour = new Array(24).fill(0);
  for (const q of a) byHour[Math.floor(q.arrival / 3600)]++;
  expect(byHour[15]).toBeGreaterThan(3 * byHour[3]); // afternoon peak, night trough
  const durations = a.map((q) => q.duration).sort((x, y) => x - y);
  const median = durations[Math.floor(durations.length / 2)];
  expect(durations[Math.floor(durations.length * 0.99)]).toBeGreaterThan(50 * median); // heavy tail
});

/** Per-minute arrivals of a generated burst shape, and its runs of busy minutes (over a fifth of the peak rate). */
function burstRuns(shape: 'bursty' | 'spikes', seed: number, peakRate = 2, days = 2) {
  const queries = generateTrace({ days, peakRate, troughShare: TROUGH_SHARE[shape], seed, shape });
  const perMinute = new Array(days * 1440).fill(0);
  for (const q of queries) perMinute[Math.floor(q.arrival / 60)]++;
  const busy = perMinute.map((n) => n > 0.2 * peakRate * 60);
  const runs: number[] = [];
  let run = 0;
  for (const b of [...busy, false]) {
    if (b) run++;
    else if (run > 0) {
      runs.push(run);
      run = 0;
    }
  }
  const quiet = perMinute.filter((_, i) => !busy[i]);
  return { queries, runs: runs.sort((a, b) => a - b), quietRate: quiet.reduce((a, b) => a + b, 0) / quiet.length / 60 };
}

test.each([1, 2])('spikes (seed %i): bursts of minutes over a near-idle base, shorter and more often than bursty', (seed) => {
  const spikes = burstRuns('spikes', seed);
  expect(generateTrace({ days: 2, peakRate: 2, troughShare: TROUGH_SHARE.spikes, seed, shape: 'spikes' })).toEqual(spikes.queries);
  // Between bursts, the base rate: 2.5% of the peak (edge minutes of a burst lift it a little).
  expect(spikes.quietRate / 2).toBeGreaterThan(0.02);
  expect(spikes.quietRate / 2).toBeLessThan(0.03);
  // A burst starts about every 30 minutes, 48 a day; overlapping ones merge into one run.
  expect(spikes.runs.length / 2).toBeGreaterThan(24);
  expect(spikes.runs.length / 2).toBeLessThan(48);
  // 1 to 15 minutes each: the typical run is well under 15.
  expect(spikes.runs[spikes.runs.length >> 1]).toBeLessThanOrEqual(12);
  const bursty = burstRuns('bursty', seed);
  expect(bursty.quietRate / 2).toBeCloseTo(TROUGH_SHARE.bursty, 2);
  expect(bursty.runs.length).toBeLessThan(spikes.runs.length / 2);
  expect(bursty.runs[bursty.runs.length >> 1]).toBeGreaterThan(spikes.runs[spikes.runs.length >> 1]);
});

test('oracle: Σ ceil(concurrent slots / (slots × target)), never below min', () => {
  // Two queries of 4 slots overlap for 100 s; 8 slots per instance at 50% → 4 slots an instance.
  const q = [{ arrival: 0, duration: 200, slots: 4 }, { arrival: 100, duration: 200, slots: 4 }];
  const r = oracle(q, 8, 50, 1);
  // [0,100): 4 slots → 1; [100,200): 8 → 2; [200,300): 4 → 1  ⇒ 400 instance-seconds
  expect(r.instanceHours * 3600).toBeCloseTo(400);
  expect(r.peakSlots).toBe(8);
  expect(oracle(q, 8, 50, 3).instanceHours * 3600).toBeCloseTo(900);
});

test("a timestamp without a zone is UTC, whatever the machine's zone: a trace across a DST change keeps its real gaps", () => {
  // 2024-03-10 02:00 does not exist in New York: read as local time, 01:59 and 03:01 were 2 minutes apart.
  const result = parseInDstZone('trace', 'arrival,duration_s\n2024-03-10 01:59:00,100\n2024-03-10T03:01:00,100\n2024-03-10 03:01:30.5,1\n');
  if (!result) return console.warn('skipped: the America/New_York zone is not installed (tzdata)');
  expect(result.problems).toEqual([]);
  expect(result.queries.map((q: { arrival: number }) => q.arrival)).toEqual([0, 3720, 3750.5]);
  expect(result.origin).toBe('2024-03-10T01:59:00.000Z');
  // A zone given is kept.
  const zoned = parseInDstZone('trace', 'arrival,duration_s\n2024-03-10T01:59:00-05:00,1\n2024-03-10 07:01:00 UTC,1\n');
  expect(zoned.queries.map((q: { arrival: number }) => q.arrival)).toEqual([0, 120]);
});

test('a query that took 0 s (under the log\'s resolution) is a query, not a bad row: it still needs a slot', async () => {
  const t = parseTrace('arrival,duration_s\n0,10\n5,0\n6,0.000\n');
  expect(t.problems).toEqual([]);
  expect(t.queries.map((q) => q.duration)).toEqual([10, 0, 0]);
  const r = await simulate(t.queries, { ...DEFAULT_SIM_OPTIONS, policy: 'graceful-cpu', minCapacity: 1 });
  expect(r.queries).toBe(3);
  expect(r.queriesKilled).toBe(0);
});

test('quoted fields parse as RFC 4180 says, as the Trino CLI writes them (--output-format CSV_HEADER quotes every value)', () => {
  // With a byte order mark, as spreadsheet exports write it.
  const t = parseTrace('\uFEFF"arrival","duration_s","slots"\n"2024-03-10 01:59:00.000 UTC","12.5","2"\n"2024-03-10 02:00:00.000 UTC","3","1"\n');
  expect(t.problems).toEqual([]);
  expect(t.queries).toEqual([{ arrival: 0, duration: 12.5, slots: 2 }, { arrival: 60, duration: 3, slots: 1 }]);
  // A quoted field may hold a comma; an unterminated quote is a bad row, named by its line.
  const odd = parseTrace('arrival,duration_s\n"Sun, 10 Mar 2024 01:59:00 GMT",1\n"2024-03-10T02:00:00Z,1\n7200,1\n');
  expect(odd.queries.map((q) => q.duration)).toEqual([1]);
  expect(odd.problems.map((p) => [p.line, p.reason])).toEqual([[3, expect.stringMatching(/^not valid CSV: /)], [4, 'arrival mixes seconds and timestamps']]);
});

test('epoch milliseconds are read as milliseconds, as the history parser reads them (a number of seconds that large is over 3,000 years)', () => {
  const t = parseTrace('arrival,duration_s\n1710035940123,1\n1710035950123,2\n');
  expect(t.problems).toEqual([]);
  expect(t.queries.map((q) => q.arrival)).toEqual([0, 10]);
});

describe('reading a trace file as a stream (issue 40 item 8: a 2 GB trace failed with ERR_STRING_TOO_LONG)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ga-trace-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  // A query log as `workload` reads it, with two more columns in another order: a BOM, CRLF line ends,
  // quoted values with commas, SQL over several lines (one with a doubled quote), a multi-byte
  // character, and a last line with no line end.
  const log = [
    '\uFEFF"user",duration_s,"query",arrival,slots',
    'ana,12.5,"SELECT a, b FROM t",2024-03-10T02:00:00Z,2',
    'bo,3,"SELECT ""x"",',
    "  'café ☕', y",
    'FROM t",2024-03-10T01:59:00Z,1',
    '# a comment',
    '',
    '"cy, the third",0.5,SELECT 1,2024-03-10T02:00:30Z,4',
  ].join('\r\n');
  const expected = [
    { arrival: 0, duration: 3, slots: 1 },
    { arrival: 60, duration: 12.5, slots: 2 },
    { arrival: 90, duration: 0.5, slots: 4 },
  ];

  test.each([1, 2, 3, 7, 64, 1 << 20])('chunks of %i bytes: lines split across chunks read as the whole text does', async (chunkBytes) => {
    const t = await readTrace(file(`log-${chunkBytes}.csv`, log), { chunkBytes });
    expect(t.problems).toEqual([]);
    expect(t.fileProblem).toBeUndefined();
    expect(t.queries).toEqual(expected);
    expect(t.origin?.toISOString()).toBe('2024-03-10T01:59:00.000Z');
    // The earliest arrival is the record that starts on line 3; the latest end is line 8's.
    expect(t.span).toEqual({ seconds: 90.5, firstLine: 3, lastLine: 8 });
    expect(t.ignoredColumns).toEqual(['user', 'query']);
    expect(parseTrace(log)).toEqual(t);
  });

  test('a 200,000-row file is read in chunks, never as one string', async () => {
    const rows = Array.from({ length: 200_000 }, (_, k) => `${k},${(k % 7) + 0.5},1`);
    const t = await readTrace(file('many.csv', ['arrival,duration_s,slots', ...rows].join('\n')), { chunkBytes: 4096 });
    expect(t.problems).toEqual([]);
    expect(t.queries).toHaveLength(200_000);
    expect(t.queries[199_999]).toEqual({ arrival: 199_999, duration: 2.5, slots: 1 });
  });

  test('a file that cannot be read rejects with its error code', async () => {
    await expect(readTrace(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the header: columns by name, in any order; others ignored; a wrong one names what it found and what is needed', () => {
  test('an empty file, or one of blank lines, has no header line', () => {
    expect(parseTrace('')).toMatchObject({ queries: [], problems: [], fileProblem: { line: 1, reason: 'empty file: no header line' } });
    expect(parseTrace('\n \r\n\n').fileProblem).toEqual({ line: 1, text: '', reason: 'no header line: the file holds only blank or comment lines (3 lines)' });
  });

  test('a query log (arrival,duration_s,query) is a trace: the query column is ignored, by name', () => {
    const t = parseTrace('arrival,duration_s,query\n0,5,"SELECT 1"\n10,2,select 2\n');
    expect(t.fileProblem).toBeUndefined();
    expect(t.problems).toEqual([]);
    expect(t.queries).toEqual([{ arrival: 0, duration: 5, slots: 1 }, { arrival: 10, duration: 2, slots: 1 }]);
    expect(t.ignoredColumns).toEqual(['query']);
    expect(t.headerLine).toBe(1);
    // Known columns in any order, matched without regard to case or spaces.
    expect(parseTrace(' Slots , DURATION_S,Arrival\n2,5,0\n').queries).toEqual([{ arrival: 0, duration: 5, slots: 2 }]);
  });

  test.each([
    ['start,length\n1,2', 'header has no arrival, duration_s column: found "start", "length". A trace needs arrival and duration_s, may have slots, and ignores other columns'],
    ['arrival,slots\n1,2', 'header has no duration_s column: found "arrival", "slots". A trace needs arrival and duration_s, may have slots, and ignores other columns'],
    ['0,5,1\n1,5,1', 'header has no arrival, duration_s column: found "0", "5", "1". A trace needs arrival and duration_s, may have slots, and ignores other columns; line 1 looks like a data row: is the header line missing?'],
    ['hour,queries,runtime_s\n0,5,60', 'header has no arrival, duration_s column: found "hour", "queries", "runtime_s". A trace needs arrival and duration_s, may have slots, and ignores other columns; it looks like an hourly profile (--hourly)'],
    ['arrival,duration_s,Arrival\n1,2,3', 'column "arrival" appears twice in the header (columns 1 and 3)'],
    ['"arrival,duration_s\n1,2', 'header is not valid CSV: a quoted value opened on this line is not closed by the end of the file'],
  ])('%j is refused as a whole, on line 1, naming the columns', (text, reason) => {
    const t = parseTrace(text);
    expect(t.fileProblem).toEqual({ line: 1, text: text.split('\n')[0], reason });
    expect(t.problems).toEqual([]);
    expect(t.queries).toEqual([]);
  });

  test('the header is the first line that is not blank, and its line is the one named', () => {
    const t = parseTrace('\n\narrival,duration_s\n0,1\nx,1\n');
    expect(t.queries).toHaveLength(1);
    expect(t.headerLine).toBe(3);
    expect(t.problems.map((p) => p.line)).toEqual([5]);
  });
});

describe('bounded whatever the file holds', () => {
  test('bad rows are all counted, the first 100 kept by line', () => {
    const t = parseTrace(['arrival,duration_s', ...Array.from({ length: 1000 }, (_, k) => `${k},soon`), '5,5'].join('\n'));
    expect(t.badRows).toBe(1000);
    expect(t.problems).toHaveLength(MAX_KEPT_PROBLEMS);
    expect(t.problems[0]).toEqual({ line: 2, text: '0,soon', reason: 'duration_s "soon" must be a number of seconds >= 0' });
    expect(t.problems[99].line).toBe(101);
    expect(t.queries).toHaveLength(1);
  });

  test('more queries than the limit stop the reading with a problem for the file, naming the line', () => {
    const t = parseTrace(['arrival,duration_s', '0,1', '86400,1', '172800,1', '259200,1'].join('\n'), { maxQueries: 3 });
    expect(t.fileProblem).toEqual({ line: 5, text: '259200,1', reason: 'more than 3 queries (the first 3 arrive over 2.0 days): more than a simulation holds in memory and runs in reasonable time; cut the trace to a shorter period' });
    expect(MAX_TRACE_QUERIES).toBe(5_000_000);
  });

  test('a line longer than the record limit is a bad row; the rows after it still read', () => {
    const t = parseTrace(`arrival,duration_s\n0,1\n1,${'9'.repeat(50)}\n2,1\n`, { maxRecordChars: 40 });
    expect(t.queries.map((q) => q.arrival)).toEqual([0, 2]);
    expect(t.problems).toEqual([{ line: 3, text: `1,${'9'.repeat(38)}…`, reason: 'not valid CSV: line over 40 characters' }]);
  });

  test('an unclosed quote ends at the record limit: its line is the bad row, and the lines it held are read again', () => {
    // 18 characters: the header's length, and 4 lines and a half of the rows.
    const t = parseTrace(['arrival,duration_s', '"0,1', '1,1', '2,1', '3,1', '4,1'].join('\n'), { maxRecordChars: 18 });
    expect(t.problems.map((p) => [p.line, p.reason])).toEqual([[2, 'not valid CSV: a quoted value opened on this line is not closed within 18 characters']]);
    expect(t.queries.map((q) => q.arrival)).toEqual([0, 1, 2, 3]);
  });

  test('a record whose quoted value carries it over lines says so when its columns do not fit', () => {
    const t = parseTrace(['arrival,duration_s', '"0,1', '1,1', '2",1,3', '5,1'].join('\n'));
    expect(t.problems).toEqual([{ line: 2, text: '"0,1…', reason: 'expected 2 columns, found 3 (a quoted value carries this row over lines 2 to 4)' }]);
    expect(t.queries).toHaveLength(1);
  });
});
