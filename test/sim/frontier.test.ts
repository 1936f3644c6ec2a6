import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FrontierPoint, analyseFrontier, frontierKillsAt, frontierPointFrom, killPrices, killsPerDayBound, recommendTimeout } from '../../sim/frontier';
import { DEFAULT_PRICES } from '../../core/cost/prices';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_ROOT_VOLUME_GIB } from '../../sim/cost';
import type { SimResult } from '../../sim/fleet-sim';
import { frontierText, recommendationLine } from '../../sim/frontier-report';
import { formatTrace, generateTrace } from '../../sim/trace';

const point = (timeout: string, timeoutSeconds: number, instanceHours: number, queriesKilled: number, costUsd: number, shortestKilledS?: number): FrontierPoint => ({
  timeout,
  timeoutSeconds,
  instanceHours,
  queriesKilled,
  costUsd,
  killedSeconds: queriesKilled * 100,
  ...(shortestKilledS === undefined ? {} : { shortestKilledS }),
});

// A hand-made frontier over 2 days: kills fall and dollars rise as the timeout grows.
const frontier = [
  point('2m', 120, 100, 200, 40, 150),
  point('10m', 600, 120, 100, 48, 650),
  point('30m', 1800, 150, 40, 60, 1900),
  point('2h', 7200, 200, 10, 80, 7300),
  point('6h', 21_600, 260, 0, 104),
];

describe('frontierKillsAt: piecewise linear in instance-hours', () => {
  test.each([
    [100, 200, 'within'], // on a point
    [110, 150, 'within'], // halfway from (100, 200) to (120, 100)
    [135, 70, 'within'], // halfway from (120, 100) to (150, 40)
    [160, 34, 'within'], // a fifth of the way from (150, 40) to (200, 10): 40 - 0.2 × 30
    [230, 5, 'within'], // halfway from (200, 10) to (260, 0)
    [90, 200, 'below'], // cheaper than the cheapest point: its kills, not an extrapolation
    [300, 0, 'above'],
  ] as const)('at %d instance-hours the frontier kills %d (%s)', (hours, kills, where) => {
    const at = frontierKillsAt(frontier, hours)!;
    expect(at.queriesKilled).toBeCloseTo(kills, 9);
    expect(at.where).toBe(where);
  });

  test('points are sorted by instance-hours, not by timeout; two at the same instance-hours count as the one with fewer kills', () => {
    // A longer timeout that happened to cost less: the line runs through instance-hours in order.
    const crossed = [point('2m', 120, 100, 90, 40), point('10m', 600, 140, 10, 56), point('30m', 1800, 120, 50, 48)];
    expect(frontierKillsAt(crossed, 110)!.queriesKilled).toBeCloseTo(70, 9);
    expect(frontierKillsAt(crossed, 130)!.queriesKilled).toBeCloseTo(30, 9);
    const tied = [point('2m', 120, 100, 90, 40), point('10m', 600, 100, 60, 40), point('30m', 1800, 200, 0, 80)];
    expect(frontierKillsAt(tied, 100)!.queriesKilled).toBe(60);
    expect(frontierKillsAt(tied, 150)!.queriesKilled).toBeCloseTo(30, 9);
    expect(frontierKillsAt([], 100)).toBeUndefined();
  });
});

test('killPrices: the dollars of each kill avoided between neighbouring timeouts, Δ cost ÷ Δ kills', () => {
  expect(killPrices(frontier)).toEqual([
    { from: '2m', to: '10m', killsAvoided: 100, extraCostUsd: 8, usdPerKillAvoided: 0.08 },
    { from: '10m', to: '30m', killsAvoided: 60, extraCostUsd: 12, usdPerKillAvoided: 0.2 },
    { from: '30m', to: '2h', killsAvoided: 30, extraCostUsd: 20, usdPerKillAvoided: 0.67 },
    { from: '2h', to: '6h', killsAvoided: 10, extraCostUsd: 24, usdPerKillAvoided: 2.4 },
  ]);
  // A step that avoids no kill has no price per kill; one that kills more says so with a negative count.
  const flat = killPrices([point('30m', 1800, 150, 5, 60), point('2m', 120, 100, 5, 40), point('2h', 7200, 200, 7, 80)]);
  expect(flat).toEqual([
    { from: '2m', to: '30m', killsAvoided: 0, extraCostUsd: 20, usdPerKillAvoided: null },
    { from: '30m', to: '2h', killsAvoided: -2, extraCostUsd: 20, usdPerKillAvoided: null },
  ]);
});

describe('recommendTimeout on a hand-made frontier (2 simulated days, 120 s of shutdown grace)', () => {
  test('kills per day: the shortest timeout at or under the tolerance, priced over the cheapest point', () => {
    // 200/2 = 100, 100/2 = 50, 40/2 = 20, 10/2 = 5, 0 a day.
    const r = recommendTimeout(frontier, { killsPerDay: 20 }, 2, 120)!;
    expect(r.point!.timeout).toBe('30m');
    expect(r.killsPerDay).toBe(20);
    expect(r.extraCostUsd).toBe(20);
    expect(r.cheapest.timeout).toBe('2m');
    expect(recommendTimeout(frontier, { killsPerDay: 19.9 }, 2, 120)!.point!.timeout).toBe('2h');
    expect(recommendTimeout(frontier, { killsPerDay: 0 }, 2, 120)!.point!.timeout).toBe('6h');
    expect(recommendTimeout(frontier, { killsPerDay: 1000 }, 2, 120)!.point!.timeout).toBe('2m');
    expect(recommendationLine(r)).toBe("Recommended drain timeout for at most 20 kills a day: 30m (40 killed, 20 a day; its shortest killed query ran 31m40s), $60.00: $20.00 over the frontier's cheapest point (2m, $40.00)");
  });

  test('kill nothing younger than D: the shortest timeout of at least D plus the grace whose run killed nothing shorter than D', () => {
    // 30m + 120 s = 32m: 30m is too short, 2h is the first long enough.
    expect(recommendTimeout(frontier, { killNothingYoungerThanS: 1800 }, 2, 120)!.point!.timeout).toBe('2h');
    // 8m + 120 s = 10m, and the 10m run's shortest kill ran 650 s, over 8m.
    expect(recommendTimeout(frontier, { killNothingYoungerThanS: 480 }, 2, 120)!.point!.timeout).toBe('10m');
    // Long enough by the rule, but the run killed a query shorter than D: the trace says no.
    const shortKill = [point('10m', 600, 120, 100, 48, 400), point('30m', 1800, 150, 40, 60, 1900)];
    expect(recommendTimeout(shortKill, { killNothingYoungerThanS: 420 }, 2, 120)!.point!.timeout).toBe('30m');
    // Both tolerances: each must hold.
    expect(recommendTimeout(frontier, { killsPerDay: 60, killNothingYoungerThanS: 1800 }, 2, 120)!.point!.timeout).toBe('2h');
  });

  test('no tolerance, no recommendation; a tolerance nothing meets says why', () => {
    expect(recommendTimeout(frontier, {}, 2, 120)).toBeUndefined();
    const none = recommendTimeout(frontier.slice(0, 3), { killsPerDay: 5, killNothingYoungerThanS: 7200 }, 2, 120)!;
    expect(none.point).toBeUndefined();
    expect(recommendationLine(none)).toBe(
      "No drain timeout to recommend for at most 5 kills a day and kill nothing younger than 2h: no frontier timeout meets it: the fewest kills per day on the frontier are 20 (30m), over 5; no frontier timeout reaches 2h plus Trino's 120 s shutdown grace; try longer timeouts with --frontier",
    );
  });
});

describe('killsPerDayBound: at 90%, the kills per day of another replay as long as the run', () => {
  const z = 1.2815515655446004;
  const hour = (h: number, n: number) => Array.from({ length: n }, (_, k) => h * 3600 + k);

  test('clustered kills: the hour blocks\' variance, doubled for a replay against this run', () => {
    // 4 hours (1/6 day): 10 kills in the first hour, 10 in the last. Blocks 10, 0, 0, 10: mean 5,
    // variance 25, so the total's is 4 × 25 = 100, above the Poisson 20.
    const kills = [...hour(0, 10), ...hour(3, 10)];
    expect(killsPerDayBound(kills, 4 * 3600)).toBeCloseTo((20 + z * Math.sqrt(200)) * 6, 9);
  });

  test('spread-out kills are bounded no lower than a Poisson count; none bounds at the Poisson 90% limit of a zero count', () => {
    // One kill an hour for 2 days: the blocks do not vary, the Poisson variance 48 is taken.
    const kills = Array.from({ length: 48 }, (_, h) => h * 3600 + 60);
    expect(killsPerDayBound(kills, 2 * 86_400)).toBeCloseTo((48 + z * Math.sqrt(96)) / 2, 9);
    // No kill in 2 days: a mean of 2.3 kills would still give none one time in ten, so 1.15 a day.
    expect(killsPerDayBound([], 2 * 86_400)).toBeCloseTo(-Math.log(0.1) / 2, 9);
    // A kill after the span (the last query's end) counts in the last block.
    expect(killsPerDayBound([7300], 7200)).toBeCloseTo((1 + z * Math.sqrt(2)) * 12, 9);
  });

  test('a run\'s frontier point carries it, and a kills-per-day tolerance is held to it', () => {
    const run = { drainTimeoutSeconds: 600, instanceHours: 120, queriesKilled: 20, killedSeconds: 2000, killedDurations: Array(20).fill(700), killedAt: [...hour(0, 10), ...hour(3, 10)] } as unknown as SimResult;
    const p = frontierPointFrom(run, { table: DEFAULT_PRICES, instanceType: DEFAULT_INSTANCE_TYPE, rootVolumeGiB: DEFAULT_ROOT_VOLUME_GIB }, 4 * 3600);
    expect(p.killsPerDayBound).toBeCloseTo((20 + z * Math.sqrt(200)) * 6, 2);
    // Over 2 days: 100 kills a day at 2m and 50 at 10m by their counts, but at 90% another replay makes up to 130 and 70.
    const bounded = [{ ...frontier[0], killsPerDayBound: 130 }, { ...frontier[1], killsPerDayBound: 70 }, { ...frontier[2], killsPerDayBound: 28 }, ...frontier.slice(3)];
    expect(recommendTimeout(frontier, { killsPerDay: 60 }, 2, 120)!.point!.timeout).toBe('10m');
    const r = recommendTimeout(bounded, { killsPerDay: 60 }, 2, 120)!;
    expect(r.point!.timeout).toBe('30m');
    expect(r).toMatchObject({ killsPerDay: 20, killsPerDayBound: 28 });
    expect(recommendationLine(r)).toContain('30m (40 killed, 20 a day, at most 28 a day on another replay at 90%;');
    expect(recommendTimeout(bounded.slice(0, 2), { killsPerDay: 60 }, 2, 120)!.reason).toContain('the fewest kills per day on the frontier are 50 (at most 70 on another replay, at 90%) (10m), over 60');
  });
});

test('analyseFrontier places ours and graceful-cpu against the frontier, and the text says so', () => {
  const a = analyseFrontier(
    [...frontier].reverse(),
    [
      { policy: 'signals', instanceHours: 135, queriesKilled: 50 },
      { policy: 'graceful-cpu', instanceHours: 120, queriesKilled: 100 },
      { policy: 'no-hook', instanceHours: 80, queriesKilled: 900 },
    ],
    { drainTimeout: '10m', tolerance: {}, days: 2, graceSeconds: 120 },
  );
  expect(a.frontier.map((p) => p.timeout)).toEqual(['2m', '10m', '30m', '2h', '6h']);
  expect(a.againstFrontier).toEqual([
    { policy: 'signals', drainTimeout: '10m', instanceHours: 135, queriesKilled: 50, frontierKills: 70, where: 'within' },
    { policy: 'graceful-cpu', drainTimeout: '10m', instanceHours: 120, queriesKilled: 100, frontierKills: 100, where: 'within' },
  ]);
  expect(a.recommendation).toBeUndefined();
  const text = frontierText(a).join('\n');
  expect(text).toContain("signals (ours) at 10m: ours kills 50 vs the frontier's 70 at the same instance-hours (135 instance-hours)");
  expect(text).toMatch(/^10m\s+100\s+10000\s+120\s+48\.00\s+\$0\.08 \(100 for \$8\.00\)$/m);
  expect(text).toContain('No recommendation: state a tolerance with --tolerate-kills-per-day N or --kill-nothing-younger-than D');
});

describe('the CLI', () => {
  const run = promisify(execFile);
  const cli = join(__dirname, '../../bin/simulate.ts');
  const tsx = join(__dirname, '../../node_modules/.bin/tsx');
  const dir = mkdtempSync(join(tmpdir(), 'ga-frontier-'));
  const trace = join(dir, 'trace.csv');
  writeFileSync(trace, formatTrace(generateTrace({ days: 0.25, peakRate: 0.6, troughShare: 0.15, seed: 3 })));

  test('--json carries the frontier at its five timeouts in order, the kill prices and ours against it; --frontier none omits it', async () => {
    const report = join(dir, 'report.html');
    const { stdout, stderr } = await run(tsx, [cli, '--trace', trace, '--json', '--sweep-timeouts', 'none', '--tolerate-kills-per-day', '1000000', '--report', report], { maxBuffer: 1 << 24 });
    const out = JSON.parse(stdout);
    // Four runs more than the policies: the 10m point is --drain-timeout's, already run.
    expect(stderr).toMatch(/^simulating [\d,]+ queries over [\d.]+ days? under the \w[\w-]* engine model: 5 policies, a frontier of 5 timeouts \(9 runs\)$/m);
    expect(out.frontier.map((p: FrontierPoint) => p.timeout)).toEqual(['2m', '10m', '30m', '2h', '6h']);
    for (const p of out.frontier) for (const field of ['instanceHours', 'queriesKilled', 'costUsd', 'killedSeconds']) expect(typeof p[field]).toBe('number');
    // The 10m point is the policy comparison's graceful-cpu run, reused.
    const cpu = out.runs.find((r: { policy: string }) => r.policy === 'graceful-cpu');
    expect(out.frontier[1]).toMatchObject({ instanceHours: cpu.instanceHours, queriesKilled: cpu.queriesKilled, costUsd: cpu.costUsd });
    expect(out.killPrices.map((k: { from: string; to: string }) => `${k.from}-${k.to}`)).toEqual(['2m-10m', '10m-30m', '30m-2h', '2h-6h']);
    expect(out.againstFrontier.map((p: { policy: string }) => p.policy)).toEqual(['signals', 'graceful-cpu']);
    expect(out.recommendation.point.timeout).toBe('2m');
    expect(readFileSync(report, 'utf8')).toContain('Queries killed against instance-hours');

    const without = JSON.parse((await run(tsx, [cli, '--trace', trace, '--json', '--sweep-timeouts', 'none', '--frontier', 'none'], { maxBuffer: 1 << 24 })).stdout);
    for (const key of ['frontier', 'killPrices', 'againstFrontier', 'recommendation']) expect(without).not.toHaveProperty(key);
    const refused = await run(tsx, [cli, '--trace', trace, '--json', '--frontier', 'none', '--tolerate-kills-per-day', '3']).catch((e) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('drop --frontier none');
  }, 120_000);
});
