import { WORKING_CPU_PERCENT, countCoordinatorQueries, durationSeconds, queriesInvisible, MAX_QUERY_CPU_SECONDS, queryCpuSeconds, queriesInFlight, MAX_SIGNATURE_SQL_CHARS } from '../../core/coordinator-signals';

const now = Date.parse('2026-11-21T12:00:00Z');
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
// BasicQueryInfo as Trino's GET /v1/query lists it, trimmed to the fields read.
const query = (state: string, stats: Record<string, unknown> = {}) => ({ queryId: `q_${state}_${Math.random()}`, state, queryStats: { createTime: at(300), ...stats } });

test('queued and waiting-for-resources are the backlog; the admitted states are running', () => {
  const body = [query('QUEUED'), query('QUEUED'), query('WAITING_FOR_RESOURCES'), query('DISPATCHING'), query('PLANNING'), query('STARTING'), query('RUNNING'), query('FINISHING')];
  expect(countCoordinatorQueries(body, now)).toMatchObject({ queued: 3, running: 5, finishedLastMinute: 0 });
});

test('throughput is the queries that ended within the last minute, with their CPU time', () => {
  const body = [
    query('FINISHED', { endTime: at(10), totalCpuTime: '2.50s' }),
    query('FAILED', { endTime: at(59), totalCpuTime: '1.00m' }),
    query('FINISHED', { endTime: at(61), totalCpuTime: '9.00s' }),
    query('FINISHED', { endTime: 'not a time' }),
  ];
  expect(countCoordinatorQueries(body, now)).toMatchObject({ finishedLastMinute: 2, finishedCpuSecondsLastMinute: 62.5, throughputCapped: false });
});

test('a full history whose oldest query ended within the minute says throughput may be undercounted', () => {
  const body = Array.from({ length: 100 }, (_, i) => query('FINISHED', { endTime: at(i * 0.5) }));
  expect(countCoordinatorQueries(body, now)).toMatchObject({ finishedLastMinute: 100, throughputCapped: true });
});

test('entries without a state are counted as unreadable, unknown states are neither backlog nor throughput', () => {
  expect(countCoordinatorQueries([null, 7, { queryId: 'x' }, query('SOME_NEW_STATE')], now)).toMatchObject({ queued: 0, running: 0, unreadable: 3 });
});

test('a body that is not a list is an error, not an empty fleet', () => {
  expect(() => countCoordinatorQueries({ message: 'Unauthorized' }, now)).toThrow(/not a list/);
  expect(() => countCoordinatorQueries(null, now)).toThrow(/null/);
});

test("airlift durations in every unit Trino prints", () => {
  expect(durationSeconds('250.00ms')).toBeCloseTo(0.25);
  expect(durationSeconds('1.50h')).toBe(5400);
  expect(durationSeconds('12ns')).toBeCloseTo(12e-9);
  expect(durationSeconds('soon')).toBeUndefined();
  expect(durationSeconds(3)).toBeUndefined();
});

describe('a coordinator that lists nothing while the fleet works', () => {
  // Trino's GET /v1/query lists only the queries the caller may view (QueryResource.getAllQueryInfo,
  // AccessControlUtil.filterQueries). Under query rules that let a user view only its own, our user sees
  // an empty list however busy the fleet is, and the backlog reads 0 forever.
  test('an empty list with the fleet at or above the working CPU is invisible queries', () => {
    expect(queriesInvisible(countCoordinatorQueries([], now), 35)).toBe(true);
    expect(queriesInvisible(countCoordinatorQueries([], now), WORKING_CPU_PERCENT)).toBe(true);
  });

  test('an idle fleet, an unknown CPU, or any listed query (even finished or unreadable) is not', () => {
    expect(queriesInvisible(countCoordinatorQueries([], now), WORKING_CPU_PERCENT - 0.1)).toBe(false);
    expect(queriesInvisible(countCoordinatorQueries([], now), undefined)).toBe(false);
    // Trino keeps finished queries for query.min-expire-age (15 minutes): a fleet we can see that worked in
    // the last minute lists at least the queries that ran on it.
    expect(queriesInvisible(countCoordinatorQueries([query('FINISHED', { endTime: at(600) })], now), 80)).toBe(false);
    expect(queriesInvisible(countCoordinatorQueries([{ queryId: 'x' }], now), 80)).toBe(false);
    expect(countCoordinatorQueries([query('RUNNING'), null], now).listed).toBe(2);
  });
});

test('a totalCpuTime no real coordinator prints is not a duration: too many digits, exponents, signs, past any query', () => {
  expect(durationSeconds(`${'9'.repeat(400)}s`)).toBeUndefined();
  expect(durationSeconds(`0.${'0'.repeat(120)}1s`)).toBeUndefined();
  expect(durationSeconds('1e110s')).toBeUndefined();
  expect(durationSeconds('-5.00s')).toBeUndefined();
  expect(durationSeconds('NaNs')).toBeUndefined();
  expect(durationSeconds('Infinityd')).toBeUndefined();
  // The longest real ones still read: 15 integer digits, 9 decimals.
  expect(durationSeconds('123456789012345.00ns')).toBeCloseTo(123456.789012345);
  expect(durationSeconds('0.000000001ns')).toBeCloseTo(1e-18, 25);
  expect(queryCpuSeconds(`${MAX_QUERY_CPU_SECONDS}s`)).toBe(MAX_QUERY_CPU_SECONDS);
  expect(queryCpuSeconds(`${MAX_QUERY_CPU_SECONDS * 10}s`)).toBeUndefined();
  expect(queryCpuSeconds('999999999999999d')).toBeUndefined();
});

test("a query whose CPU time is unreadable still counts as finished; its CPU does not, and it is counted as such", () => {
  const body = [query('FINISHED', { endTime: at(5), totalCpuTime: '2.00s' }), query('FINISHED', { endTime: at(6), totalCpuTime: `${'9'.repeat(400)}s` }), query('FINISHED', { endTime: at(7) })];
  expect(countCoordinatorQueries(body, now)).toMatchObject({ finishedLastMinute: 3, finishedCpuSecondsLastMinute: 2, unreadableCpuTimes: 1 });
});

describe('the queries in flight, for the drain price check', () => {
  const info = (queryId: string, state: string, stats: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ queryId, state, query: 'SELECT 1', queryStats: stats, ...extra });

  test('a running query starts when it left the queue, and its run is its execution time; TASK retries survive a worker loss', () => {
    const body = [
      info('a', 'RUNNING', { createTime: at(600), queuedTime: '30.00s', executionTime: '9.50m', totalCpuTime: '2.00h' }, { retryPolicy: 'NONE' }),
      info('b', 'FINISHING', { createTime: at(100), queuedTime: '0.00ms', executionTime: '100.00s', totalCpuTime: '5.00s' }, { retryPolicy: 'TASK' }),
    ];
    expect(queriesInFlight(body, now, now - 60_000).running).toEqual([
      { queryId: 'a', startedAtMs: now - 570_000, runSeconds: 570, cpuSeconds: 7200, survivesWorkerLoss: false, sql: 'SELECT 1' },
      { queryId: 'b', startedAtMs: now - 100_000, runSeconds: 100, cpuSeconds: 5, survivesWorkerLoss: true, sql: 'SELECT 1' },
    ]);
  });

  test('finished queries since the last read are run times; failed ones and those read before are not', () => {
    const body = [
      info('done', 'FINISHED', { createTime: at(200), endTime: at(20), executionTime: '3.00m' }),
      info('old', 'FINISHED', { createTime: at(900), endTime: at(120), executionTime: '1.00m' }),
      info('failed', 'FAILED', { createTime: at(200), endTime: at(10), executionTime: '2.00m' }),
    ];
    expect(queriesInFlight(body, now, now - 60_000).finished).toEqual([{ queryId: 'done', endedAtMs: now - 20_000, runSeconds: 180, sql: 'SELECT 1' }]);
  });

  test('entries missing what they need are skipped; a very long statement is kept without its SQL; a non-list is nothing', () => {
    const body = [
      info('no-exec', 'RUNNING', { createTime: at(10) }),
      info('no-create', 'RUNNING', { executionTime: '1.00s' }),
      { state: 'RUNNING', queryStats: { createTime: at(10), executionTime: '1.00s' } },
      info('long-sql', 'RUNNING', { createTime: at(10), executionTime: '1.00s' }, { query: 'x'.repeat(MAX_SIGNATURE_SQL_CHARS + 1) }),
    ];
    const { running } = queriesInFlight(body, now, now - 60_000);
    expect(running.map((q) => q.queryId)).toEqual(['long-sql']);
    expect(running[0].sql).toBeUndefined();
    expect(queriesInFlight({ message: 'no' }, now, 0)).toEqual({ running: [], finished: [] });
  });
});
