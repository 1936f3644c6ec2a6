/**
 * npm run bench:timeout-holdout — does the recommended drain timeout hold on held-out replays of the same
 * fleet (issue 38: "The recommended timeout for a stated tolerance meets that tolerance on held-out
 * replays of the same fleet")?
 *
 * A fleet is a generator with fixed parameters; its history is one seed's trace, a held-out replay
 * another seed's. Per fleet: the frontier (`graceful-cpu` at 2m, 10m, 30m, 2h, 6h, as `npm start` runs
 * it) on the history seed gives the recommendation for each tolerance (sim/frontier.ts's
 * recommendTimeout, as `--tolerate-kills-per-day` and `--kill-nothing-younger-than` print it); the
 * recommended timeout is then replayed on each held-out seed under `graceful-cpu` (what the
 * recommendation was computed from) and under `signals` with the drain's price check (what an operator
 * deploys: the product's default policy at that drain timeout), and the tolerance is checked on each.
 *
 * A tolerance is judged as the recommendation states it: kills per day are the run's queries killed ÷
 * the trace's days (first arrival at 0 to the last query's end, as `npm start` counts them); "kill
 * nothing younger than D" holds when no killed query had run less than D when it was killed (its age;
 * that also bounds the product's own check, the killed query's full duration).
 *
 * One JSON object per line per fleet and tolerance, then one summary line. Every run is cached in
 * scratch/cache/holdout/ keyed by fleet, seed, days, engine, policy and timeout (delete it after changing
 * the simulator). Options:
 *   --fleets LIST|all   (default all)     --seeds LIST (default 1,2,3,4)
 *   --history N         the history seed (default 1); every other seed is held out
 *   --rotate            each seed in turn is the history, the others held out (a cross-validation)
 *   --days N (default 2)                  --engine trino|trino-fte|executors (default trino)
 *   --tolerances LIST   (default 10/d,50/d,30m: N/d kills a day, a duration "nothing younger than")
 *   --jobs N            simulations at once, each in a child process (default 1; the machine is shared)
 *   --estimate bound|point  hold a kills-per-day tolerance to the frontier's 90% bound on another replay
 *                       (killsPerDayBound, as `npm start` does; default) or to the history's own count
 * Runtime: about 30 runs of 4-6 s CPU per fleet at 2 days, 6 fleets; reruns read the cache.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDurationSeconds, formatDuration } from '../core/util/duration';
import { DEFAULT_SIM_OPTIONS, ENGINES, EngineName, PolicyName, simulate } from '../sim/fleet-sim';
import { DEFAULT_FRONTIER_TIMEOUTS, FRONTIER_POLICY, FrontierPoint, Recommendation, Tolerance, killsPerDayBound, recommendTimeout } from '../sim/frontier';
import { DEFAULT_INSTANCE_TYPE, DEFAULT_ROOT_VOLUME_GIB, SimPricing, fleetCostUsd } from '../sim/cost';
import { DEFAULT_PRICES } from '../core/cost/prices';
import { oracle } from '../sim/oracle';
import { Query, TROUGH_SHARE, generateTrace } from '../sim/trace';
import { comeAndGo, hourlyEtl } from './generators';

/** The fleets: each a generator with fixed parameters, a trace per seed. */
export const FLEETS: Record<string, { readonly trace: string; readonly generate: (seed: number, days: number) => Query[] }> = {
  'diurnal-1.2': { trace: 'sim/trace.ts diurnal, peak 1.2/s, trough 0.15', generate: (seed, days) => generateTrace({ shape: 'diurnal', peakRate: 1.2, troughShare: TROUGH_SHARE.diurnal, seed, days }) },
  'diurnal-0.6': { trace: 'sim/trace.ts diurnal, peak 0.6/s, trough 0.15', generate: (seed, days) => generateTrace({ shape: 'diurnal', peakRate: 0.6, troughShare: TROUGH_SHARE.diurnal, seed, days }) },
  'bursty-2': { trace: 'sim/trace.ts bursty, peak 2/s, trough 0.1', generate: (seed, days) => generateTrace({ shape: 'bursty', peakRate: 2, troughShare: TROUGH_SHARE.bursty, seed, days }) },
  'spikes-1.2': { trace: 'sim/trace.ts spikes, peak 1.2/s, trough 0.025', generate: (seed, days) => generateTrace({ shape: 'spikes', peakRate: 1.2, troughShare: TROUGH_SHARE.spikes, seed, days }) },
  'comego-40m': { trace: 'bench/generators.ts comeAndGo, a 15-minute query every 40 minutes', generate: (seed, days) => comeAndGo(seed, days, 2400, 900) },
  'etl-hourly': { trace: 'bench/generators.ts hourlyEtl, batches of 5-40 minutes each hour', generate: (seed, days) => hourlyEtl(seed, days) },
};

const PRICING: SimPricing = { table: DEFAULT_PRICES, instanceType: DEFAULT_INSTANCE_TYPE, rootVolumeGiB: DEFAULT_ROOT_VOLUME_GIB };

/** One run, as cached: what the tolerance checks and the recommendation need. */
interface RunRecord extends RunKey {
  /** The trace's days as `npm start` counts them (to the last query's end): kills per day divide by it. */
  readonly traceDays: number;
  readonly instanceHours: number;
  readonly queriesKilled: number;
  readonly killedSeconds: number;
  readonly shortestKilledS?: number;
  readonly youngestKilledAgeS?: number;
  /** When each kill happened, simulated seconds rounded. */
  readonly killedAt: readonly number[];
  readonly queueDelayP95S: number;
  readonly flaps: number;
  readonly cpuSeconds: number;
}

interface RunKey {
  readonly fleet: string;
  readonly seed: number;
  readonly days: number;
  readonly engine: EngineName;
  readonly policy: PolicyName;
  readonly timeoutSeconds: number;
}

const CACHE = 'scratch/cache/holdout';
const cacheFile = (k: RunKey) => `${CACHE}/${k.fleet}-d${k.days}-s${k.seed}-${k.engine}-${k.policy}-${k.timeoutSeconds}.json`;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Runs one simulation in this process and caches it (what a child process does). */
async function runHere(k: RunKey): Promise<RunRecord> {
  const queries = FLEETS[k.fleet].generate(k.seed, k.days);
  const c0 = process.cpuUsage();
  const r = await simulate(queries, { ...DEFAULT_SIM_OPTIONS, engine: k.engine, policy: k.policy, drainTimeoutSeconds: k.timeoutSeconds, seed: k.seed });
  const c = process.cpuUsage(c0);
  const min = (xs: readonly number[]) => (xs.length === 0 ? undefined : round(xs.reduce((m, x) => Math.min(m, x), Infinity)));
  const record: RunRecord = {
    ...k,
    traceDays: oracle(queries, DEFAULT_SIM_OPTIONS.slotsPerInstance, DEFAULT_SIM_OPTIONS.targetCpu, DEFAULT_SIM_OPTIONS.minCapacity).end / 86_400,
    instanceHours: round(r.instanceHours),
    queriesKilled: r.queriesKilled,
    killedSeconds: round(r.killedSeconds),
    ...(min(r.killedDurations) === undefined ? {} : { shortestKilledS: min(r.killedDurations), youngestKilledAgeS: min(r.killedAges) }),
    killedAt: r.killedAt.map((t) => Math.round(t)),
    queueDelayP95S: round(r.queueDelayP95S),
    flaps: r.flaps,
    cpuSeconds: round((c.user + c.system) / 1e6),
  };
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(cacheFile(k), JSON.stringify(record));
  return record;
}

/** At most `jobs` simulations at once, each in a child process running this file with `--one KEY`. */
function runner(jobs: number): (k: RunKey) => Promise<RunRecord> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const memo = new Map<string, Promise<RunRecord>>();
  const child = (k: RunKey) =>
    new Promise<RunRecord>((resolve, reject) => {
      const p = spawn(process.execPath, [...process.execArgv, __filename, '--one', JSON.stringify(k)], { stdio: ['ignore', 'ignore', 'inherit'] });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(readFileSync(cacheFile(k), 'utf8'))) : reject(new Error(`run ${JSON.stringify(k)} exited ${code}`))));
    });
  return (k) => {
    const file = cacheFile(k);
    if (!memo.has(file)) {
      memo.set(
        file,
        existsSync(file)
          ? Promise.resolve(JSON.parse(readFileSync(file, 'utf8')))
          : (async () => {
              if (running >= jobs) await new Promise<void>((go) => waiting.push(go));
              running++;
              try {
                return await child(k);
              } finally {
                running--;
                waiting.shift()?.();
              }
            })(),
      );
    }
    return memo.get(file)!;
  };
}

/** A frontier point as `npm start` computes it; with `point`, without the 90% bound (as before it was added). */
const pointOf = (r: RunRecord, estimate: 'bound' | 'point'): FrontierPoint => ({
  timeout: formatDuration(r.timeoutSeconds),
  timeoutSeconds: r.timeoutSeconds,
  instanceHours: r.instanceHours,
  queriesKilled: r.queriesKilled,
  costUsd: round(fleetCostUsd(r.instanceHours, PRICING), 2),
  killedSeconds: r.killedSeconds,
  ...(r.shortestKilledS === undefined ? {} : { shortestKilledS: r.shortestKilledS }),
  ...(estimate === 'bound' ? { killsPerDayBound: round(killsPerDayBound(r.killedAt, r.traceDays * 86_400), 2) } : {}),
});

/** Whether a run met the tolerance, with the figure it was judged on. */
function judge(r: RunRecord, t: Tolerance) {
  const killsPerDay = round(r.queriesKilled / r.traceDays, 2);
  const perDayMet = t.killsPerDay === undefined || killsPerDay <= t.killsPerDay;
  const youngMet = t.killNothingYoungerThanS === undefined || r.youngestKilledAgeS === undefined || r.youngestKilledAgeS >= t.killNothingYoungerThanS;
  return {
    killsPerDay,
    ...(t.killNothingYoungerThanS === undefined ? {} : { youngestKilledAgeS: r.youngestKilledAgeS ?? null, shortestKilledS: r.shortestKilledS ?? null }),
    instanceHours: r.instanceHours,
    met: perDayMet && youngMet,
  };
}

function parseTolerance(text: string): Tolerance {
  const perDay = /^(\d+(?:\.\d+)?)\/d$/.exec(text);
  if (perDay) return { killsPerDay: Number(perDay[1]) };
  const s = parseDurationSeconds(text);
  if (s === undefined) throw new Error(`--tolerances: ${text} is neither N/d nor a duration`);
  return { killNothingYoungerThanS: s };
}

const toleranceText = (t: Tolerance) => (t.killsPerDay !== undefined ? `${t.killsPerDay} kills/day` : `nothing younger than ${formatDuration(t.killNothingYoungerThanS!)}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      one: { type: 'string' },
      fleets: { type: 'string', default: 'all' },
      seeds: { type: 'string', default: '1,2,3,4' },
      history: { type: 'string', default: '1' },
      rotate: { type: 'boolean', default: false },
      days: { type: 'string', default: '2' },
      engine: { type: 'string', default: DEFAULT_SIM_OPTIONS.engine },
      tolerances: { type: 'string', default: '10/d,50/d,30m' },
      jobs: { type: 'string', default: '1' },
      estimate: { type: 'string', default: 'bound' },
    },
  });
  if (values.one) {
    await runHere(JSON.parse(values.one));
    return;
  }
  const engine = values.engine as EngineName;
  if (!ENGINES.includes(engine)) throw new Error(`--engine (${engine}) must be ${ENGINES.join(', ')}`);
  const fleets = values.fleets === 'all' ? Object.keys(FLEETS) : values.fleets!.split(',');
  for (const f of fleets) if (!FLEETS[f]) throw new Error(`unknown fleet ${f}: one of ${Object.keys(FLEETS).join(', ')}`);
  const seeds = values.seeds!.split(',').map(Number);
  const histories = values.rotate ? seeds : [Number(values.history)];
  if (!histories.every((h) => seeds.includes(h))) throw new Error(`--history ${values.history} is not one of --seeds ${values.seeds}`);
  const days = Number(values.days);
  const estimate = values.estimate as 'bound' | 'point';
  if (estimate !== 'bound' && estimate !== 'point') throw new Error(`--estimate (${values.estimate}) must be bound or point`);
  const tolerances = values.tolerances!.split(',').map(parseTolerance);
  const run = runner(Math.max(1, Number(values.jobs)));
  const timeouts = DEFAULT_FRONTIER_TIMEOUTS.split(',').map((t) => parseDurationSeconds(t)!);
  const grace = DEFAULT_SIM_OPTIONS.shutdownGraceSeconds;
  const date = new Date().toISOString().slice(0, 10);
  const tally = new Map<string, { met: number; of: number }>();
  const count = (key: string, met: boolean) => {
    const t = tally.get(key) ?? { met: 0, of: 0 };
    tally.set(key, { met: t.met + (met ? 1 : 0), of: t.of + 1 });
  };

  const lines = await Promise.all(
    fleets.map(async (fleet) => {
      const key = (seed: number, policy: PolicyName, timeoutSeconds: number): RunKey => ({ fleet, seed, days, engine, policy, timeoutSeconds });
      // Every seed's frontier: the history's gives the recommendation, a held-out seed's its own (for comparison).
      const frontiers = new Map(await Promise.all(seeds.map(async (s) => [s, await Promise.all(timeouts.map((t) => run(key(s, FRONTIER_POLICY, t))))] as const)));
      const recommend = (s: number, t: Tolerance) => recommendTimeout(frontiers.get(s)!.map((r) => pointOf(r, estimate)), t, frontiers.get(s)![0].traceDays, grace);
      const jobs = histories.flatMap((history) =>
        tolerances.map(async (tolerance) => {
          const rec: Recommendation = recommend(history, tolerance)!;
          // A held-out seed's own recommendation is the one its count alone asks for: what it needed, for comparison.
          const needed = (s: number) => recommendTimeout(frontiers.get(s)!.map((r) => pointOf(r, 'point')), tolerance, frontiers.get(s)![0].traceDays, grace)?.point?.timeout ?? null;
          const trace = { generator: FLEETS[fleet].trace, days, historySeed: history };
          if (!rec.point) return { date, engine, fleet, trace, tolerance: toleranceText(tolerance), recommended: null, reason: rec.reason };
          const T = rec.point.timeoutSeconds;
          const heldOut = seeds.filter((s) => s !== history);
          const signals = await Promise.all([history, ...heldOut].map((s) => run(key(s, 'signals', T))));
          const at = (s: number) => frontiers.get(s)!.find((r) => r.timeoutSeconds === T)!;
          const perSeed = heldOut.map((seed, j) => {
            const g = judge(at(seed), tolerance);
            const sg = judge(signals[j + 1], tolerance);
            count(`${fleet}|${toleranceText(tolerance)}|graceful-cpu`, g.met);
            count(`${fleet}|${toleranceText(tolerance)}|signals`, sg.met);
            const need = needed(seed);
            const atNeed = need === null ? undefined : frontiers.get(seed)!.find((r) => formatDuration(r.timeoutSeconds) === need)!;
            // graceful-cpu's instance-hours at the recommended timeout over those at the one this seed needed.
            const costVsNeeded = atNeed ? round(at(seed).instanceHours / atNeed.instanceHours, 3) : null;
            return { seed, needed: need, costVsNeeded, gracefulCpu: g, signals: sg };
          });
          return {
            date,
            engine,
            fleet,
            trace,
            tolerance: toleranceText(tolerance),
            recommended: rec.point.timeout,
            ...(rec.killsPerDayBound === undefined ? {} : { killsPerDayBound: rec.killsPerDayBound }),
            history: { gracefulCpu: judge(at(history), tolerance), signals: judge(signals[0], tolerance) },
            heldOut: perSeed,
            met: { gracefulCpu: `${perSeed.filter((p) => p.gracefulCpu.met).length}/${perSeed.length}`, signals: `${perSeed.filter((p) => p.signals.met).length}/${perSeed.length}` },
          };
        }),
      );
      return Promise.all(jobs);
    }),
  );
  for (const line of lines.flat()) console.log(JSON.stringify(line));
  const byPolicy = (policy: string) => [...tally].filter(([k]) => k.endsWith(`|${policy}`)).reduce((a, [, v]) => ({ met: a.met + v.met, of: a.of + v.of }), { met: 0, of: 0 });
  console.log(JSON.stringify({ summary: true, date, engine, days, estimate, seeds, histories, tolerances: tolerances.map(toleranceText), met: { gracefulCpu: byPolicy('graceful-cpu'), signals: byPolicy('signals') } }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
