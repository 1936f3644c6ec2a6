import { DEFAULT_PRICES } from '../../core/cost/prices';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_ROOT_VOLUME_GIB } from '../../sim/cost';
import { RunSummary, Scenario, SweepRow, scenarioPrices, textSummary } from '../../sim/report';

// Issue 40 item 7: a light trace gave every policy at 1.00x the oracle and five identical sweep rows, and
// nothing said why.
const scenario: Scenario = {
  engine: 'trino',
  source: 'trace light.csv',
  queries: 500,
  days: 14,
  slotsPerInstance: 8,
  targetCpu: 40,
  drainTimeout: '10m',
  minCapacity: 2,
  maxCapacity: 500,
  staticCapacity: 4,
  seed: 1,
  faults: false,
  degraded: 0,
  degradedMidRun: false,
  floorInstanceHours: 700,
  prices: scenarioPrices({ table: DEFAULT_PRICES, instanceType: DEFAULT_INSTANCE_TYPE, rootVolumeGiB: DEFAULT_ROOT_VOLUME_GIB }),
  ownCostUsd: 1,
};

const run = (policy: string, minCapacityShare?: number): RunSummary =>
  ({ policy, instanceHours: 700, costUsd: 300, oracleInstanceHours: 690, queries: 500, queriesKilled: 0, killedSeconds: 0, queueDelayP50S: 0, queueDelayP95S: 0, queryLatencyP50S: 5, queryLatencyP95S: 200, drainSecondsP50: 4, drainSecondsP99: 50, drainedToCompletedP50S: 3, drainedToCompletedP99S: 4, forcedTerminations: 0, gracefulTerminations: 3, instancesMax: 4, scalingActions: 6, flaps: 0, minCapacityShare }) as RunSummary;

const sweepRow = (drainTimeout: string, seconds: number, figures: Partial<SweepRow> = {}): SweepRow => ({
  drainTimeout,
  drainTimeoutSeconds: seconds,
  queriesKilled: 0,
  killedSeconds: 0,
  instanceHours: 700,
  drainSecondsP50: 4.5,
  drainSecondsP99: 80,
  forcedTerminations: 0,
  drains: 12,
  drainSecondsMax: 95,
  ...figures,
});

test('a fleet at its minimum most of the time is said to be, with each policy\'s share, and that the policies cannot differ', () => {
  const text = textSummary(scenario, [run('signals', 0.93), run('graceful-cpu', 0.95), run('no-hook', 0.96), run('cron-timeout', 0.96), run('static-peak', 0)], []);
  expect(text).toContain(
    "What happened: the fleet sat at its minimum capacity (--min 2) most of the time: signals 93% of the time, graceful-cpu 95%, no-hook 96%, cron-timeout 96%. The load needed more only at times: its peak needs 4 instances at the 40% target, so the policies cannot differ much on it: each pays about the minimum's instance-hours, as the oracle does. To compare them, replay a busier trace, or set --min to what the load needs.",
  );
  // One autoscaled fleet that left its minimum for long: nothing of the kind.
  expect(textSummary(scenario, [run('signals', 0.6), run('graceful-cpu', 0.95)], [])).not.toContain('What happened');
  expect(textSummary(scenario, [run('signals')], [])).not.toContain('What happened');
});

test('identical sweep rows next to each other are one row, and a line says why', () => {
  const sweep = [sweepRow('2m', 120, { queriesKilled: 2, killedSeconds: 700, forcedTerminations: 2, drainSecondsMax: 120 }), sweepRow('5m', 300), sweepRow('10m', 600), sweepRow('20m', 1200), sweepRow('30m', 1800)];
  const text = textSummary(scenario, [run('signals')], sweep);
  const rows = text.split('\n').filter((l) => /^\d+m(–\d+m)?( \*)?\s+\d/.test(l));
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatch(/^2m\s+2\s+700\s/);
  expect(rows[1]).toMatch(/^5m–30m \*\s+0\s+0\s+700\s+4\.5\s+80\s+0$/);
  expect(text).toContain('5m–30m: the 4 timeouts (5m, 10m, 20m, 30m) gave identical results: no drain lasted as long as 5m (the longest took 95 s), so none was cut short and a longer timeout changes nothing on this trace');
  expect(text).toContain('* recommended: 5m, the shortest timeout with the sweep\'s fewest kills (0)');
  // Rows that differ stay rows of their own.
  const distinct = textSummary(scenario, [run('signals')], [sweepRow('5m', 300, { queriesKilled: 3 }), sweepRow('10m', 600, { queriesKilled: 1 })]);
  expect(distinct).not.toContain('identical');
  // Kills still falling at the longest timeout swept: that timeout is only the end of the list.
  expect(distinct).not.toContain('* recommended');
  expect(distinct).toContain('No recommendation from the sweep: kills still fall at its longest timeout (10m: 1 killed)');
  expect(distinct.split('\n').filter((l) => /^\d+m(–\d+m)?( \*)?\s+\d/.test(l))).toHaveLength(2);
});
