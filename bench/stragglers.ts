/**
 * npm run bench:stragglers — one fleet's straggler verdicts (core/stragglers.ts) at sizes up to
 * a large fleet: cold (the whole window filtered, as a function's first run does) and warm (a memo carried
 * minute to minute, as a warm function and the simulator do). Each worker has five pressure resources and
 * its load, with noise and one straggler in fifty. One JSON line per fleet size and mode, median and p99
 * milliseconds per run.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_STRAGGLER_SETTINGS, PRESSURE_RESOURCES, PeerModelMemo, WorkerPressure, detectStragglers } from '../core/stragglers';
import { percentile } from '../core/util/stats';
import { Rng } from '../sim/rng';

const S = DEFAULT_STRAGGLER_SETTINGS;
const RUNS = 30;

/** `minutes` of readings for `n` workers; every fiftieth is 35 points above its peers on steal. */
type History = Record<keyof Required<WorkerPressure>, number[]>;

function history(n: number, minutes: number, rng: Rng): Map<string, History> {
  const out = new Map<string, History>();
  for (let k = 0; k < n; k++) {
    const load = Array.from({ length: minutes }, () => 2 + 4 * rng.next());
    const series = Object.fromEntries(PRESSURE_RESOURCES.map((r) => [r, load.map((l) => (r === 'cpuSteal' && k % 50 === 7 ? 35 : 0) + 3 * l + Math.abs(3 * rng.normal()))]));
    out.set(`i-${k.toString(16).padStart(17, '0')}`, { ...series, load } as History);
  }
  return out;
}

const window = (h: Map<string, History>, end: number) =>
  new Map([...h].map(([id, p]) => [id, Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.slice(end - S.windowMinutes, end)])) as WorkerPressure]));

for (const n of [10, 100, 500]) {
  const rng = new Rng(n);
  const h = history(n, S.windowMinutes + RUNS, rng);
  const windows = Array.from({ length: RUNS }, (_, r) => window(h, S.windowMinutes + r + 1));
  for (const mode of ['cold', 'warm'] as const) {
    const memo: PeerModelMemo = { newestMinuteAt: 0, models: new Map(), beliefs: new Map() };
    const times: number[] = [];
    let stragglers = 0;
    windows.forEach((w, r) => {
      memo.newestMinuteAt = (S.windowMinutes + r) * 60_000;
      const t = performance.now();
      const verdicts = mode === 'cold' ? detectStragglers(w, S) : detectStragglers(w, S, memo);
      times.push(performance.now() - t);
      stragglers = verdicts.filter((v) => v.straggler).length;
    });
    // Warm: the first run fills the memo (a cold start); the rest are what a warm minute costs.
    const measured = mode === 'warm' ? times.slice(1) : times;
    console.log(JSON.stringify({ bench: 'stragglers', workers: n, mode, windowMinutes: S.windowMinutes, runs: measured.length, p50Ms: +percentile(measured, 50).toFixed(3), p99Ms: +percentile(measured, 99).toFixed(3), stragglers }));
  }
}
