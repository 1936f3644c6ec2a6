/**
 * npm run bench:policy — the scaling decision (core/scaling-policy.ts) for 100 fleets, as one
 * minute's evaluation does it: signals varied over every rule, 2,000 rounds, and the time per round of
 * 100 decisions (median and p99). One JSON line. Goal: ≤ 10 ms per round (issue 12).
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SCALING_POLICY, FleetSignals, ScalingRule, decideScaling } from '../core/scaling-policy';
import { Rng } from '../sim/rng';

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
console.log(
  JSON.stringify({
    bench: 'policy',
    fleets: FLEETS,
    rounds: ROUNDS,
    msPerRoundMedian: ms(times[Math.floor(times.length / 2)]),
    msPerRoundP99: ms(times[Math.floor(times.length * 0.99)]),
    goalMs: 10,
    rules: Object.fromEntries([...rules].sort()),
    checksum: Math.round(sink),
  }),
);
