/**
 * npm run bench:scale-in -- SCENARIOS [ENGINES] [VARIANT_JSON] — the traces docs/scaling.md measures the
 * drain's price check and the scale-in gate on: per scenario and engine model, `graceful-cpu`'s frontier
 * (drain timeouts 2m, 10m, 30m, 2h, 6h; cached in scratch/cache/ keyed by scenario and engine, delete it
 * after changing the simulator), then `signals` with the variant's options over the defaults, placed on
 * it. One JSON line per run. SCENARIOS is a comma list of the names below, or `all`; ENGINES defaults to
 * `trino`; the variant `{"drainExtension":null}` is `signals` without the price check,
 * `{"scaleInMode":"gate"}` with the gate. Two days each: expect minutes per scenario.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_SIM_OPTIONS, simulate, SimOptions } from '../sim/fleet-sim';
import { generateTrace, Query } from '../sim/trace';
import { frontierKillsAt, FrontierPoint } from '../sim/frontier';
import { comeAndGo, hourlyEtl } from './generators';
import type { EngineName } from '../sim/engine';

import { mkdirSync } from 'node:fs';

const TIMEOUTS = [120, 600, 1800, 7200, 21600];

/** The scenarios, each a generated 2-day trace: diurnal, bursty and spikes are sim/trace.ts's shapes. */
export const SCENARIOS: Record<string, () => { queries: Query[]; opts?: Partial<SimOptions> }> = {
  'diurnal-s1': () => ({ queries: generateTrace({ days: 2, peakRate: 1.2, troughShare: 0.15, seed: 1, shape: 'diurnal' }) }),
  'diurnal-s2-r0.6': () => ({ queries: generateTrace({ days: 2, peakRate: 0.6, troughShare: 0.15, seed: 2, shape: 'diurnal' }) }),
  'diurnal-s3': () => ({ queries: generateTrace({ days: 2, peakRate: 1.2, troughShare: 0.15, seed: 3, shape: 'diurnal' }) }),
  'bursty-s2-r1': () => ({ queries: generateTrace({ days: 2, peakRate: 1, troughShare: 0.05, seed: 2, shape: 'bursty' }) }),
  'bursty-s1-r2': () => ({ queries: generateTrace({ days: 2, peakRate: 2, troughShare: 0.05, seed: 1, shape: 'bursty' }) }),
  'spikes-s3': () => ({ queries: generateTrace({ days: 2, peakRate: 1.2, troughShare: 0.025, seed: 3, shape: 'spikes' }) }),
  'comego-40m': () => ({ queries: comeAndGo(5, 2, 2400, 900) }),
  'comego-2h': () => ({ queries: comeAndGo(6, 2, 7200, 1500) }),
  'etl-hourly': () => ({ queries: hourlyEtl(7, 2) }),
};

async function frontier(name: string, engine: EngineName, queries: Query[], base: Partial<SimOptions>): Promise<FrontierPoint[]> {
  mkdirSync('scratch/cache', { recursive: true });
  const file = `scratch/cache/${name}-${engine}.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const pts: FrontierPoint[] = [];
  for (const t of TIMEOUTS) {
    const r = await simulate(queries, { ...DEFAULT_SIM_OPTIONS, ...base, engine, policy: 'graceful-cpu', drainTimeoutSeconds: t });
    pts.push({ timeout: String(t), timeoutSeconds: t, instanceHours: r.instanceHours, queriesKilled: r.queriesKilled, costUsd: 0, killedSeconds: r.killedSeconds, flaps: r.flaps, qp95: r.queueDelayP95S } as FrontierPoint);
  }
  writeFileSync(file, JSON.stringify(pts));
  return pts;
}

async function main() {
  const [scenarioList, engineList, variantJson] = process.argv.slice(2);
  const variant: Partial<SimOptions> = variantJson ? JSON.parse(variantJson) : {};
  for (const name of scenarioList === 'all' ? Object.keys(SCENARIOS) : scenarioList.split(',')) {
    if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}: one of ${Object.keys(SCENARIOS).join(', ')}`);
    const { queries, opts = {} } = SCENARIOS[name]();
    for (const engine of (engineList ?? 'trino').split(',') as EngineName[]) {
      const f = await frontier(name, engine, queries, opts);
      const merged: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...opts, engine, policy: 'signals', ...variant, scaleInGate: { ...DEFAULT_SIM_OPTIONS.scaleInGate, ...variant.scaleInGate } } as SimOptions;

      const r = await simulate(queries, merged);

      const at = frontierKillsAt(f, r.instanceHours)!;
      const g10 = f[1] as FrontierPoint & { flaps: number; qp95: number };
      console.log(JSON.stringify({
        scenario: name, engine, ih: Math.round(r.instanceHours), killed: r.queriesKilled, frontierKills: Math.round(at.queriesKilled * 10) / 10, where: at.where,
        killRatio: Math.round((r.queriesKilled / Math.max(at.queriesKilled, 1e-9)) * 100) / 100, ihVsG10: Math.round((r.instanceHours / g10.instanceHours) * 1000) / 1000,
        qp95: Math.round(r.queueDelayP95S), flaps: r.flaps, g10flaps: g10.flaps, g10qp95: Math.round(g10.qp95), gate: r.scaleInGate, ext: r.drainExtensions,
        frontier: f.map((p) => [p.timeoutSeconds, Math.round(p.instanceHours), p.queriesKilled]),
      }));
    }
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
