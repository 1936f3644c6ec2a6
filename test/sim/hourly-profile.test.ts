import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedProfileQueries, parseHourlyProfile, readHourlyProfile, traceFromHourly } from '../../sim/hourly-profile';
import { Query } from '../../sim/trace';
import { parseInDstZone } from '../time-zone';

/** Mean queries running over the hour starting at `from`, counting each query's whole run (as the profile does). */
const running = (qs: readonly Query[], from: number) => qs.filter((q) => q.arrival >= from && q.arrival < from + 3600).reduce((s, q) => s + q.duration, 0) / 3600;

test('ISO hours parse, sort and shift to start at 0; the first hour is the origin', () => {
  const p = parseHourlyProfile('hour,queries,runtime_s\n2024-03-12T01:00:00Z,10,900\n2024-03-12T00:00:00Z,20,3600.5\n');
  expect(p.problems).toEqual([]);
  expect(p.hours).toEqual([
    { hour: 0, queries: 20, runtimeSeconds: 3600.5 },
    { hour: 3600, queries: 10, runtimeSeconds: 900 },
  ]);
  expect(p.origin?.toISOString()).toBe('2024-03-12T00:00:00.000Z');
});

test('bad rows are reported with their line numbers, never silently dropped', () => {
  const p = parseHourlyProfile(['hour,queries,runtime_s', '0,5,60', 'noon,5,60', '3600,-1,60', '7200,5', '10800,5,lots', '1800,5,60', '3600,4,60', '3600,5,60', ''].join('\n'));
  expect(p.hours).toEqual([
    { hour: 0, queries: 5, runtimeSeconds: 60 },
    { hour: 3600, queries: 4, runtimeSeconds: 60 },
  ]);
  expect(p.problems.map((x) => [x.line, x.reason])).toEqual([
    [3, 'hour "noon" is neither seconds nor an ISO-8601 time'],
    [4, 'queries "-1" must be a whole number >= 0'],
    [5, 'expected 3 columns, found 2'],
    [6, 'runtime_s "lots" must be a number of seconds >= 0'],
    [7, 'hour is 1800 s after the first, not a whole number of hours'],
    [9, 'hour appears twice'],
  ]);
});

test('a wrong header is a problem of the file, naming the columns found and the ones needed; no row is read', () => {
  const p = parseHourlyProfile('arrival,duration_s\n0,1');
  expect(p.fileProblem).toEqual({
    line: 1,
    text: 'arrival,duration_s',
    reason: 'header has no hour, queries, runtime_s column: found "arrival", "duration_s". An hourly profile needs hour, queries and runtime_s, and ignores other columns; it looks like a per-query trace (--trace)',
  });
  expect(p.problems).toEqual([]);
  expect(p.hours).toEqual([]);
  expect(parseHourlyProfile('').fileProblem?.reason).toBe('empty file: no header line');
});

test('columns are found by name in any order; others are ignored and named', () => {
  const p = parseHourlyProfile('cluster,runtime_s,Hour,queries\nprod,3600,2024-03-12T01:00:00Z,10\nprod,1800,2024-03-12T00:00:00Z,20\n');
  expect(p.problems).toEqual([]);
  expect(p.ignoredColumns).toEqual(['cluster']);
  expect(p.hours).toEqual([
    { hour: 0, queries: 20, runtimeSeconds: 1800 },
    { hour: 3600, queries: 10, runtimeSeconds: 3600 },
  ]);
});

test('a profile file is read as a stream: rows split across chunks, CRLF, a BOM and quotes read as the whole text does', async () => {
  const text = '\uFEFFhour,queries,runtime_s,note\r\n"2024-03-12T00:00:00Z",20,3600.5,"busy, as usual"\r\n2024-03-12T01:00:00Z,10,900,"two\r\nlines"\r\n2024-03-12T03:00:00Z,1,60,';
  const path = join(mkdtempSync(join(tmpdir(), 'ga-hourly-')), 'profile.csv');
  writeFileSync(path, text);
  for (const chunkBytes of [1, 5, 1 << 16]) {
    const p = await readHourlyProfile(path, { chunkBytes });
    expect(p.problems).toEqual([]);
    expect(p.hours.map((h) => h.hour)).toEqual([0, 3600, 3 * 3600]);
    expect(p.span).toEqual({ seconds: 4 * 3600, firstLine: 2, lastLine: 5 });
    expect(p).toEqual(parseHourlyProfile(text));
  }
});

/** Over several seeds, so that a few multi-hour queries in the tail do not decide the check. */
function meanRunning(hours: Parameters<typeof traceFromHourly>[0], from: number, peakRunning?: number): number {
  let sum = 0;
  for (let seed = 1; seed <= 12; seed++) sum += running(traceFromHourly(hours, { seed, peakRunning }), from);
  return sum / 12;
}
const arrivals = (qs: readonly Query[], from: number) => qs.filter((q) => q.arrival >= from && q.arrival < from + 3600).length;

test("each hour's run time is the profile's, and arrivals stay in their hour", () => {
  const hours = [
    { hour: 0, queries: 1000, runtimeSeconds: 200 * 3600 },
    { hour: 3600, queries: 0, runtimeSeconds: 0 },
    { hour: 7200, queries: 250, runtimeSeconds: 50 * 3600 },
  ];
  const qs = traceFromHourly(hours, { seed: 3 });
  expect(traceFromHourly(hours, { seed: 3 })).toEqual(qs);
  expect(qs.every((q) => q.arrival >= 0 && q.arrival < 3 * 3600)).toBe(true);
  expect(arrivals(qs, 3600)).toBe(0);
  // Arrivals are Poisson: the count lands within 5% of its expectation (about 5 standard deviations).
  const expected = expectedProfileQueries(hours, {});
  expect(qs.length / expected).toBeGreaterThan(0.95);
  expect(qs.length / expected).toBeLessThan(1.05);
  expect(arrivals(qs, 0) / arrivals(qs, 7200)).toBeCloseTo(4, 0);
  expect(meanRunning(hours, 0) / 200).toBeGreaterThan(0.92);
  expect(meanRunning(hours, 0) / 200).toBeLessThan(1.08);
  expect(meanRunning(hours, 7200) / 50).toBeGreaterThan(0.9);
  expect(meanRunning(hours, 7200) / 50).toBeLessThan(1.1);
});

test('an hour of heavier queries draws fewer, longer ones for the same run time', () => {
  // Same run time; the second hour's queries ran 4 times as long each (a nightly batch against dashboards).
  const hours = [
    { hour: 0, queries: 16000, runtimeSeconds: 400 * 3600 },
    { hour: 3600, queries: 4000, runtimeSeconds: 400 * 3600 },
  ];
  const qs = traceFromHourly(hours, { seed: 5 });
  const first = qs.filter((q) => q.arrival < 3600);
  const second = qs.filter((q) => q.arrival >= 3600);
  expect(first.length / second.length).toBeGreaterThan(3.5);
  expect(first.length / second.length).toBeLessThan(4.5);
  expect(meanRunning(hours, 3600) / meanRunning(hours, 0)).toBeGreaterThan(0.9);
  expect(meanRunning(hours, 3600) / meanRunning(hours, 0)).toBeLessThan(1.1);
});

test('peakRunning rescales every hour so the busiest runs that many queries', () => {
  const hours = [
    { hour: 0, queries: 10, runtimeSeconds: 1800 },
    { hour: 3600, queries: 40, runtimeSeconds: 7200 },
  ];
  expect(expectedProfileQueries(hours, { peakRunning: 120 })).toBeCloseTo(60 * expectedProfileQueries(hours, {}), 6);
  expect(meanRunning(hours, 3600, 120) / 120).toBeGreaterThan(0.9);
  expect(meanRunning(hours, 3600, 120) / 120).toBeLessThan(1.1);
  expect(meanRunning(hours, 0, 120) / 30).toBeGreaterThan(0.88);
  expect(meanRunning(hours, 0, 120) / 30).toBeLessThan(1.12);
});

test('hours without a zone are UTC: a profile across a DST change is neither refused nor shifted on a machine in such a zone', () => {
  const rows = ['hour,queries,runtime_s'];
  for (let h = 0; h < 6; h++) rows.push(`2024-03-10 ${String(h).padStart(2, '0')}:00:00,10,60`);
  const result = parseInDstZone('hourly', rows.join('\n'));
  if (!result) return console.warn('skipped: the America/New_York zone is not installed (tzdata)');
  expect(result.problems).toEqual([]);
  expect(result.hours.map((h: { hour: number }) => h.hour)).toEqual([0, 3600, 7200, 10800, 14400, 18000]);
  expect(result.origin).toBe('2024-03-10T00:00:00.000Z');
});

test('a profile with quoted fields (Trino CLI CSV_HEADER) parses as the same profile unquoted', () => {
  const unquoted = 'hour,queries,runtime_s\n2024-03-12 00:00:00,20,3600.5\n2024-03-12 01:00:00,10,900\n';
  const p = parseHourlyProfile(unquoted.replace(/[^,\n]+/g, '"$&"'));
  expect(p.problems).toEqual([]);
  expect(p.hours).toHaveLength(2);
  expect(p).toEqual(parseHourlyProfile(unquoted));
});
