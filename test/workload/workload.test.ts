import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DEFAULT_SIM_OPTIONS, simulate } from '../../sim/fleet-sim';
import { parseTrace } from '../../sim/trace';
import { HistoryRecord, parseDurationValue, parseHistory } from '../../workload/history';
import { buildPlan, clusterHistory, planToTrace } from '../../workload/plan';
import { PostgresTarget, TrinoTarget, replay } from '../../workload/replay';
import { Postgres, startPostgres, startTrinoStandIn } from './servers';
import { parseInDstZone } from '../time-zone';

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0) / 1000;

/** A synthetic history with a known mix (60/30/10) and bursts: 40 queries in two seconds, then five quiet minutes. */
function history(n: number): HistoryRecord[] {
  const out: HistoryRecord[] = [];
  let t = T0;
  for (let k = 0; k < n; k++) {
    t += k % 40 === 0 ? 300 : 0.05;
    const kind = k % 10;
    const query = kind < 6 ? `SELECT * FROM orders WHERE id = ${k}` : kind < 9 ? `SELECT region, count(*) FROM orders WHERE day = DATE '2026-11-${(k % 28) + 1}' GROUP BY 1` : `INSERT INTO audit VALUES (${k}, 'x${k}')`;
    out.push({ arrival: t, durationS: kind < 6 ? 0.5 : kind < 9 ? 12 : 0.1, cpuS: kind < 6 ? 0.2 : 30, query });
  }
  return out;
}

describe('history formats', () => {
  test('Trino /v1/query list: airlift durations, create and end times', () => {
    const h = parseHistory(
      JSON.stringify([
        { queryId: 'q1', state: 'FINISHED', query: 'SELECT 1', queryStats: { createTime: '2026-11-20T08:00:00.000Z', endTime: '2026-11-20T08:00:02.500Z', elapsedTime: '2.50s', totalCpuTime: '1.20s' } },
        { queryId: 'q2', state: 'FAILED', query: 'SELECT x', queryStats: { createTime: '2026-11-20T08:00:01.000Z', endTime: '2026-11-20T08:01:01.000Z' } },
        { queryId: 'q3', state: 'RUNNING', query: 'SELECT 2', queryStats: { createTime: '2026-11-20T08:00:03.000Z' } },
        { queryId: 'q4', query: '', queryStats: {} },
      ]),
    );
    expect(h.format).toBe('trino-query-list');
    expect(h.records).toEqual([
      { arrival: T0, durationS: 2.5, cpuS: 1.2, state: 'FINISHED', query: 'SELECT 1', line: 1 },
      { arrival: T0 + 1, durationS: 60, cpuS: undefined, state: 'FAILED', query: 'SELECT x', line: 2 },
    ]);
    expect(h.problems).toEqual([
      { line: 3, reason: 'no elapsedTime, and no endTime to derive it from (still running?)' },
      { line: 4, reason: 'no query text' },
    ]);
  });

  test('event-listener JSON lines: ISO and numeric times and durations; bad lines reported by number', () => {
    const lines = [
      JSON.stringify({ metadata: { queryId: 'a', query: 'SELECT 1', queryState: 'FINISHED' }, statistics: { cpuTime: 'PT1.5S', wallTime: 'PT2S' }, createTime: '2026-11-20T08:00:00Z', endTime: '2026-11-20T08:00:02Z' }),
      '{ not json',
      JSON.stringify({ metadata: { queryId: 'b', query: 'SELECT 2', queryState: 'FINISHED' }, statistics: { cpuTime: 0.25, wallTime: 3 }, createTime: T0 + 10 }),
      JSON.stringify({ metadata: { queryId: 'c' }, createTime: T0 }),
    ];
    const h = parseHistory(lines.join('\n'));
    expect(h.format).toBe('event-listener');
    expect(h.records.map((r) => [r.arrival, r.durationS, r.cpuS])).toEqual([[T0, 2, 1.5], [T0 + 10, 3, 0.25]]);
    expect(h.problems).toEqual([{ line: 2, reason: 'not valid JSON' }, { line: 4, reason: 'no metadata.query' }]);
  });

  test('CSV with quoted, multi-comma queries', () => {
    const h = parseHistory('arrival,duration_s,query\n0,1.5,"SELECT a, b FROM t WHERE s = \'x,y\' AND q = ""z"""\n2026-11-20T08:00:05Z,2,SELECT 1\nlater,1,SELECT 2\n3,-1,SELECT 3\n4,1,"SELECT unterminated\n');
    expect(h.records.map((r) => r.query)).toEqual(['SELECT a, b FROM t WHERE s = \'x,y\' AND q = "z"', 'SELECT 1']);
    expect(h.problems.map((p) => p.line)).toEqual([4, 5, 6]);
  });

  test('CSV arrivals in epoch milliseconds are read as milliseconds, as JSON times are', () => {
    const h = parseHistory('arrival,duration_s,query\n1710035940123,1,SELECT 1\n1710035950123,1,SELECT 2\n');
    expect(h.records.map((r) => r.arrival)).toEqual([1710035940.123, 1710035950.123]);
  });

  test('a CSV arrival or a createTime without a zone is UTC on any machine', () => {
    // 02:30 on 2024-03-10 does not exist in New York: read as local time it moved an hour.
    const csv = parseInDstZone('history', 'arrival,duration_s,query\n2024-03-10 01:30:00,1,SELECT 1\n2024-03-10T02:30:00,1,SELECT 2\n');
    if (!csv) return console.warn('skipped: the America/New_York zone is not installed (tzdata)');
    expect(csv.records.map((r: { arrival: number }) => r.arrival - csv.records[0].arrival)).toEqual([0, 3600]);
    const json = parseInDstZone('history', JSON.stringify([{ query: 'SELECT 1', queryStats: { createTime: '2024-03-10T02:30:00.000', endTime: '2024-03-10T02:30:01.500', elapsedTime: '1.50s' } }]));
    expect(json.records[0].arrival).toBe(Date.UTC(2024, 2, 10, 2, 30) / 1000);
  });

  test.each([['LF', '\n'], ['CRLF', '\r\n']])('CSV (%s): quoted newlines are part of the query, and problems keep the line their record starts on', (_, eol) => {
    const text = [
      'arrival,duration_s,query',
      '0,1.5,"SELECT a,',
      '  b',
      'FROM t"',
      '',
      '2,1,SELECT 1',
      '3,1,a,b',
      '4,1,"bad "quote" here"',
      '5,1,"SELECT 5 -- ""quoted"" comment"',
      '6,1,"SELECT never closed',
      '7,1,SELECT 7',
    ].join(eol);
    const h = parseHistory(`\ufeff${text}`);
    expect(h.records.map((r) => [r.arrival, r.query])).toEqual([
      [0, `SELECT a,${eol}  b${eol}FROM t`],
      [2, 'SELECT 1'],
      [5, 'SELECT 5 -- "quoted" comment'],
    ]);
    expect(h.problems).toEqual([
      { line: 7, reason: 'expected 3 fields, found 4' },
      { line: 8, reason: expect.stringMatching(/^not valid CSV: Invalid Closing Quote/) },
      // RFC 4180: an open quote runs to the end, taking line 11 with it.
      { line: 10, reason: expect.stringMatching(/^not valid CSV: Quote Not Closed/) },
    ]);
  });

  test.each([
    ['1.23s', 1.23],
    ['250.00ms', 0.25],
    ['2.00m', 120],
    ['1.50h', 5400],
    ['10ns', 1e-8],
    ['PT1M30S', 90],
    ['PT0.5S', 0.5],
    [7, 7],
    ['soon', undefined],
  ])('duration %j is %j seconds', (text, seconds) => {
    if (seconds === undefined) expect(parseDurationValue(text)).toBeUndefined();
    else expect(parseDurationValue(text)).toBeCloseTo(seconds, 9);
  });
});

describe('clusters and plans', () => {
  const records = history(1000);
  const clustered = clusterHistory(records);

  test('clusters by signature with count, share, duration percentiles and CPU', () => {
    expect(clustered.clusters.map((c) => [c.count, c.share])).toEqual([[600, 0.6], [300, 0.3], [100, 0.1]]);
    const [point, report] = clustered.clusters;
    expect(point).toMatchObject({ signature: 'select * from orders where id = ?', durationP50S: 0.5, durationP95S: 0.5 });
    expect(report.signature).toBe('select region, count(*) from orders where day = date ? group by 1');
    expect(report.cpuSecondsTotal).toBe(9000);
  });

  test('unparseable SQL is counted, not clustered', () => {
    const c = clusterHistory([...records.slice(0, 10), { arrival: T0, durationS: 1, query: "SELECT 'oops" }]);
    expect(c.unparseable).toBe(1);
    expect(c.clusters.reduce((s, x) => s + x.count, 0)).toBe(10);
  });

  const share = (plan: { queries: readonly { cluster: string }[] }, id: string) => plan.queries.filter((q) => q.cluster === id).length / plan.queries.length;
  const cv = (xs: number[]) => {
    const gaps = xs.slice(1).map((x, i) => x - xs[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    return Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length) / mean;
  };

  test.each([200, 1000, 2500])('a plan of %i queries keeps the cluster mix within 2 points', (n) => {
    const plan = buildPlan(records, clustered, n, 1, 'test');
    expect(plan.queries).toHaveLength(n);
    for (const c of clustered.clusters) expect(Math.abs(share(plan, c.id) - c.share)).toBeLessThan(0.02);
  });

  /** Burstiness as the busiest 10-second window against the mean: independent of how many queries there are. */
  const peakToMean = (times: number[]) => {
    const counts = new Map<number, number>();
    for (const t of times) counts.set(Math.floor((t - times[0]) / 10), (counts.get(Math.floor((t - times[0]) / 10)) ?? 0) + 1);
    const windows = Math.floor((times[times.length - 1] - times[0]) / 10) + 1;
    return Math.max(...counts.values()) / (times.length / windows);
  };

  test.each([500, 1000])('a plan of %i keeps the arrivals\' burstiness (peak 10 s window against the mean)', (n) => {
    const plan = buildPlan(records, clustered, n, 1, 'test');
    const original = peakToMean(records.map((r) => r.arrival));
    expect(cv(records.map((r) => r.arrival))).toBeGreaterThan(3); // far burstier than Poisson arrivals (CV 1)
    expect(original).toBeGreaterThan(20);
    expect(Math.abs(peakToMean(plan.queries.map((q) => q.at)) - original) / original).toBeLessThan(0.1);
  });

  test('compressing time by 4 divides the span by 4 and keeps the shape', () => {
    const plain = buildPlan(records, clustered, 500, 1, 'test');
    const fast = buildPlan(records, clustered, 500, 4, 'test');
    expect(fast.queries.at(-1)!.at).toBeCloseTo(plain.queries.at(-1)!.at / 4, 6);
    expect(cv(fast.queries.map((q) => q.at))).toBeCloseTo(cv(plain.queries.map((q) => q.at)), 6);
  });

  test('a plan becomes a trace the simulator runs', async () => {
    const plan = buildPlan(records, clustered, 400, 1, 'test');
    const trace = planToTrace(plan);
    expect(trace).toHaveLength(400);
    const result = await simulate(trace, { ...DEFAULT_SIM_OPTIONS, policy: 'graceful-cpu', minCapacity: 1 });
    expect(result.queriesCompleted + result.queriesKilled).toBe(400);
  });
});

describe('replay against a Trino-protocol stand-in', () => {
  test('submits, follows nextUri through 503s, limits concurrency, reports per cluster and errors', async () => {
    const trino = await startTrinoStandIn(20);
    try {
      const records = history(60).map((r, k) => (k === 7 ? { ...r, query: 'SELECT fail_me FROM orders' } : r));
      const plan = buildPlan(records, clusterHistory(records), 60, 600, 'test');
      const report = await replay(plan, new TrinoTarget(trino.url, 'replayer'), { concurrency: 4, speed: 4 });
      expect(trino.state.submitted).toHaveLength(60);
      expect(trino.state.submitted.every((s) => s.user === 'replayer')).toBe(true);
      expect(trino.state.served503).toBeGreaterThan(0);
      expect(trino.state.maxConcurrent).toBeLessThanOrEqual(4);
      expect(report.errors).toBe(1);
      expect(report.firstErrors[0].error).toBe("COLUMN_NOT_FOUND: line 1:8: Column 'fail_me' cannot be resolved");
      expect(report.clusters.reduce((s, c) => s + c.queries, 0)).toBe(60);
      // Each successful query took the stand-in's two round trips of ~20 ms.
      expect(report.clusters.filter((c) => c.errors < c.queries).every((c) => c.latencyP50S > 0.015)).toBe(true);
    } finally {
      await trino.close();
    }
  }, 30_000);
});

describe('replay against a real PostgreSQL', () => {
  let pg: Postgres | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
    if (!pg) return;
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int primary key, region text, day date)');
    await client.query("INSERT INTO orders SELECT g, (ARRAY['eu','us','ap'])[1 + g % 3], DATE '2026-11-01' + (g % 28) FROM generate_series(1, 5000) g");
    await client.query('DROP TABLE IF EXISTS audit; CREATE TABLE audit (id int, note text)');
    await client.end();
  }, 60_000);
  afterAll(() => pg?.stop());

  test('a plan from history replays with its mix, and the rows it inserts are really there', async () => {
    if (!pg) {
      console.warn('PostgreSQL is not installed here: replay test not run (CI installs it and sets GA_REQUIRE_POSTGRES)');
      return;
    }
    const records = history(300);
    const plan = buildPlan(records, clusterHistory(records), 300, 1000, 'test');
    const target = new PostgresTarget(pg.url, 6);
    let report;
    try {
      report = await replay(plan, target, { concurrency: 6, speed: 10 });
    } finally {
      await target.close();
    }
    expect(report).toMatchObject({ target: 'postgres', queries: 300, errors: 0 });
    expect(report.clusters.map((c) => c.queries)).toEqual([180, 90, 30]);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM audit');
    await client.end();
    expect(rows[0].n).toBe(30);
  }, 60_000);

  test('a failing statement is counted as an error with the server\'s message, the rest still run', async () => {
    if (!pg) return;
    const records: HistoryRecord[] = [
      { arrival: T0, durationS: 0.1, query: 'SELECT count(*) FROM orders' },
      { arrival: T0 + 0.01, durationS: 0.1, query: 'SELECT nope FROM orders' },
      { arrival: T0 + 0.02, durationS: 0.1, query: 'SELECT count(*) FROM orders WHERE id < 10' },
    ];
    const target = new PostgresTarget(pg.url, 2);
    let report;
    try {
      report = await replay(buildPlan(records, clusterHistory(records), 3, 1, 'test'), target, { concurrency: 2, speed: 1 });
    } finally {
      await target.close();
    }
    expect(report.errors).toBe(1);
    expect(report.firstErrors[0].error).toMatch(/column "nope" does not exist/);
  });
});

describe('the CLI', () => {
  const run = promisify(execFile);
  const tsx = join(__dirname, '../../node_modules/.bin/tsx');
  const cli = join(__dirname, '../../bin/workload.ts');
  const dir = mkdtempSync(join(tmpdir(), 'ga-workload-'));

  test('analyze prints the cluster summary and writes a plan; trace turns it into a simulator trace', async () => {
    const csv = join(dir, 'history.csv');
    const rows = history(200).map((r) => `${r.arrival},${r.durationS},"${r.query.replace(/"/g, '""')}"`);
    writeFileSync(csv, ['arrival,duration_s,query', ...rows, 'garbage,1,SELECT 1'].join('\n'));
    const planFile = join(dir, 'plan.json');
    const { stdout, stderr } = await run(tsx, [cli, 'analyze', csv, '--plan', planFile, '--queries', '100', '--compress', '10']);
    expect(stderr).toContain(`${csv}:202: arrival "garbage" is neither seconds nor an ISO-8601 time`);
    expect(stdout).toMatch(/200 queries read, 1 records skipped, 0 with SQL that does not tokenize; 3 clusters/);
    expect(stdout).toMatch(/select \* from orders where id = \?/);
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    expect(plan.queries).toHaveLength(100);
    const traceFile = join(dir, 'trace.csv');
    await run(tsx, [cli, 'trace', planFile, '--out', traceFile]);
    const trace = parseTrace(readFileSync(traceFile, 'utf8'));
    expect(trace.problems).toEqual([]);
    expect(trace.queries).toHaveLength(100);
  }, 60_000);

  // Before, the plan went out with a query 54 years after the others, "3 queries over 1710201605 s", and a
  // replay of it would have waited that long.
  test('analyze refuses a history spanning over a year (a stray 1970 time) before writing any plan', async () => {
    const csv = join(dir, 'stray.csv');
    writeFileSync(csv, 'arrival,duration_s,query\n2024-03-12T00:00:00Z,1,SELECT 1\n2024-03-12T00:00:05Z,1,SELECT 2\n1970-01-01T00:00:00Z,1,SELECT 3\n');
    const planFile = join(dir, 'stray-plan.json');
    const refused = await run(tsx, [cli, 'analyze', csv, '--plan', planFile]).catch((e) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(`workload: ${csv} spans 19794 days, from line 4 to line 3: over 366. A time that far from the others is usually a missing value written as 0 or 1970-01-01; fix or remove that row`);
    expect(existsSync(planFile)).toBe(false);
  }, 60_000);

  test('a fractional --queries or --concurrency is refused with a message, not a stack trace', async () => {
    const csv = join(dir, 'small.csv');
    writeFileSync(csv, 'arrival,duration_s,query\n0,1,SELECT 1\n');
    const refused = await run(tsx, [cli, 'analyze', csv, '--plan', join(dir, 'p.json'), '--queries', '0.4']).catch((e) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe('workload: --queries (0.4) must be a whole number >= 1');
  }, 60_000);

  test('--help, -h and COMMAND --help print every command\'s options with defaults and exit 0; a usage error is exit 2', async () => {
    const all = await run(tsx, [cli, '--help']);
    for (const option of ['--dialect', '--plan', '--queries', '--compress', '--out', '--schema', '--sample', '--seed', '--plan-out', '--target', '--url', '--user', '--concurrency', '--speed', '--json']) {
      expect(all.stdout).toMatch(new RegExp(`^ +${option}\\b.*\\(default: [^)]+\\)$`, 'm'));
    }
    expect((await run(tsx, [cli, '-h'])).stdout).toBe(all.stdout);
    const one = await run(tsx, [cli, 'replay', '-h']);
    expect(one.stdout).toContain('workload replay PLAN --target trino|postgres --url URL');
    expect(one.stdout).not.toContain('workload analyze');
    for (const args of [['trace', 'plan.json', '--nope'], ['frobnicate'], []]) {
      const refused = await run(tsx, [cli, ...args]).catch((e) => e);
      expect(refused.code).toBe(2);
    }
    const unknown = await run(tsx, [cli, 'trace', 'plan.json', '--nope']).catch((e) => e);
    expect(unknown.stderr).toContain("workload: trace: Unknown option '--nope'");
  }, 60_000);

  const signatures = async (input: string, args: string[] = []) => {
    const child = execFile(tsx, [cli, 'signature', ...args]);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stdin!.end(input);
    await new Promise((r) => child.on('exit', r));
    return out.trim().split('\n').map((l) => JSON.parse(l));
  };

  test('signature: JSON lines in, one JSON line out per line, blank and empty ones included, so outputs stay aligned', async () => {
    const lines = await signatures('{"query":"SELECT * FROM t WHERE a = 1","user":"bi"}\nnot json\n\n{"query":"-- nothing"}\n{"query":"select * from T where A = 99"}\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ user: 'bi', signature: 'select * from t where a = ?' });
    expect(lines[1]).toMatchObject({ line: 2, error: expect.any(String) });
    expect(lines[2]).toEqual({ line: 3, error: 'blank line: no query' });
    expect(lines[3]).toMatchObject({ line: 4, error: expect.stringMatching(/^empty query/) });
    expect(lines[4].id).toBe(lines[0].id);
  }, 60_000);

  test('signature --dialect postgres keeps quoted names exact; an unknown dialect is refused', async () => {
    const [quoted, plain] = await signatures('{"query":"SELECT \\"Name\\" FROM t"}\n{"query":"SELECT name FROM t"}\n', ['--dialect', 'postgres']);
    expect(quoted.signature).toBe('select "Name" from t');
    expect(plain.signature).toBe('select name from t');
    const refused = await run(tsx, [cli, 'signature', '--dialect', 'oracle']).catch((e) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe('workload: --dialect: dialect "oracle" is not one of trino, postgres, mysql');
  }, 60_000);
});
