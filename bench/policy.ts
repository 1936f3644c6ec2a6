/**
 * npm run bench:policy — the scaling decision (core/scaling-policy.ts) for 100 fleets, as one
 * minute's evaluation does it: signals varied over every rule, 2,000 rounds, and the time per round of
 * 100 decisions (median and p99). One JSON line. Goal: ≤ 10 ms per round (issue 12). Then the same
 * with the drain's price check and its predictions (issue 38), a second line.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SCALING_POLICY, FleetSignals, ScalingRule, decideScaling } from '../core/scaling-policy';
import { Rng } from '../sim/rng';
import { ActiveDrain, DEFAULT_DRAIN_EXTENSION, decideDrainExtensions } from '../core/drain-extension';
import { DEFAULT_REMAINING_QUANTILE, DurationHistory, MAX_SIGNATURES } from '../core/remaining-time';

const FLEETS = 100;
const ROUNDS = 2000;
const rng = new Rng(12);
const settings = { ...DEFAULT_SCALING_POLICY, targetCpuPercent: 40 };

function lookback(level: number): FleetSignals['busyInstances'] {
  const n = settings.scaleInLookbackMinutes;
  return Array.from({ length: n }, (_, k) => ({ minutesAgo: n - k, busy: level * (0.9 + 0.2 * rng.next()) }));
}

function signals(): FleetSignals {
  const capacity = 1 + rng.int(200);
  const launching = Math.min(capacity, rng.next() < 0.1 ? rng.int(5) : 0);
  const finishedPerMinute = rng.next() < 0.05 ? 0 : rng.next() * 600;
  return {
    capacity,
    minCapacity: 1,
    maxCapacity: 200,
    queued: rng.next() < 0.5 ? 0 : rng.int(2000),
    running: rng.int(capacity * 8),
    finishedPerMinute,
    backlogGrowthPerMinute: rng.int(200) - 100,
    cpuPercent: rng.next() < 0.02 ? undefined : rng.next() * 100,
    // The lookback's load, a minute each, around one level with ±10% noise, as a fleet's load moves from
    // minute to minute: none in 2% of fleets, as when CloudWatch has no datapoints yet.
    busyInstances: rng.next() < 0.02 ? [] : lookback(rng.next() * capacity),
    launching,
    // Newly in service instances still warming up: none in most minutes.
    warm: capacity - launching - (rng.next() < 0.1 ? rng.int(Math.max(1, capacity - launching)) : 0),
  };
}

const inputs = Array.from({ length: ROUNDS }, () => Array.from({ length: FLEETS }, signals));
const rules = new Map<ScalingRule, number>();
const times: number[] = [];
let sink = 0;
for (const round of inputs) {
  const t = performance.now();
  for (const s of round) {
    const d = decideScaling(s, settings);
    sink += d.ratio ?? 0;
    rules.set(d.rule, (rules.get(d.rule) ?? 0) + 1);
  }
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const ms = (x: number) => Math.round(x * 1000) / 1000;
/** Map entries by their key, in code-unit order (the order a plain sort of the rule names gives). */
const byKey = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
console.log(
  JSON.stringify({
    bench: 'policy',
    fleets: FLEETS,
    rounds: ROUNDS,
    msPerRoundMedian: ms(times[Math.floor(times.length / 2)]),
    msPerRoundP99: ms(times[Math.floor(times.length * 0.99)]),
    goalMs: 10,
    rules: Object.fromEntries([...rules].sort(byKey)),
    checksum: Math.round(sink),
  }),
);

/**
 * The same minute with the drain's price check (issue 38): per fleet, its run-time history read back from
 * its stored item (core/remaining-time.ts, at its bounds), a remaining time predicted for each running
 * query, and the decision over its drains (core/drain-extension.ts): 100 fleets, 200 running queries and
 * 5 drains each, 3 of them due. What the signals function does each minute besides the load decision;
 * the histories' parse is reported apart (historyLoadMsPerRoundMedian).
 */
function pricingRound(): { fleets: { stored: unknown; running: { elapsed: number; started: number; cpu: number; sig: string }[]; drains: ActiveDrain[] }[] } {
  const now = 1_700_000_000_000;
  return {
    fleets: Array.from({ length: FLEETS }, () => {
      const h = new DurationHistory();
      for (let k = 0; k < 1200; k++) h.record(rng.lognormal(k % 10 === 0 ? 900 : 8, 1), `sig-${rng.int(MAX_SIGNATURES * 2)}`);
      return {
        stored: JSON.parse(JSON.stringify(h.toJSON())),
        running: Array.from({ length: 200 }, () => {
          const elapsed = rng.lognormal(60, 1.5);
          return { elapsed, started: now - elapsed * 1000, cpu: elapsed * 4, sig: `sig-${rng.int(MAX_SIGNATURES * 2)}` };
        }),
        drains: Array.from({ length: 5 }, (_, k) => ({ instanceId: `i-${k}`, waitStartedAt: now - 8 * 60_000, deadlineAt: now + (k < 3 ? 2 : 9) * 60_000, limitAt: now + 48 * 3_600_000 })),
      };
    }),
  };
}
const PRICING_ROUNDS = 50;
const pricingInputs = Array.from({ length: PRICING_ROUNDS }, pricingRound);
const pricingTimes: number[] = [];
const loadTimes: number[] = [];
const extended = new Map<string, number>();
for (const round of pricingInputs) {
  // Reading each fleet's stored history back is timed apart: the function fetches that item from
  // DynamoDB first, milliseconds of I/O beside which its parse is small.
  const l = performance.now();
  const histories = round.fleets.map((f) => DurationHistory.fromJSON(f.stored));
  loadTimes.push(performance.now() - l);
  const t = performance.now();
  for (const [k, f] of round.fleets.entries()) {
    const history = histories[k];
    const blockers = f.running.map((q) => ({
      startedAtMs: q.started,
      elapsedSeconds: q.elapsed,
      remainingSeconds: history.predict(q.elapsed, DEFAULT_REMAINING_QUANTILE, q.sig).seconds,
      workInstanceSeconds: q.cpu / 8,
      survivesWorkerLoss: false,
    }));
    for (const d of decideDrainExtensions(f.drains, blockers, 1_700_000_000_000, DEFAULT_DRAIN_EXTENSION)) extended.set(d.rule, (extended.get(d.rule) ?? 0) + 1);
  }
  pricingTimes.push(performance.now() - t);
}
pricingTimes.sort((a, b) => a - b);
loadTimes.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'policy-with-prediction',
    fleets: FLEETS,
    rounds: PRICING_ROUNDS,
    runningQueriesPerFleet: 200,
    msPerRoundMedian: ms(pricingTimes[Math.floor(pricingTimes.length / 2)]),
    msPerRoundP99: ms(pricingTimes[Math.floor(pricingTimes.length * 0.99)]),
    goalMs: 10,
    historyLoadMsPerRoundMedian: ms(loadTimes[Math.floor(loadTimes.length / 2)]),
    rules: Object.fromEntries([...extended].sort(byKey)),
  }),
);
