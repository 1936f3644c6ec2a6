/**
 * npm run bench:sim — the simulator at scale: 7 simulated days, 1,000,000 queries, a fleet of up to 500
 * instances, this project's controller in the loop. Then the target-tracking floor (sim/floor.ts) of the
 * same trace, which every `npm start` computes. One JSON line each.
 *
 * `npm run bench:sim -- --engine executors` measures another engine model (default: the simulator's).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SIM_OPTIONS, ENGINES, EngineName, simulate } from '../sim/fleet-sim';
import { floorInstanceMinutes, minuteNeeds } from '../sim/floor';
import { generateTrace } from '../sim/trace';

function engineArg(): EngineName {
  const { values } = parseArgs({ options: { engine: { type: 'string', default: DEFAULT_SIM_OPTIONS.engine } } });
  const engine = values.engine as EngineName;
  if (!ENGINES.includes(engine)) throw new Error(`--engine (${engine}) must be ${ENGINES.join(', ')}`);
  return engine;
}

async function main() {
  const engine = engineArg();
  const days = 7;
  // Peak arrival rate chosen so 7 days of the default diurnal shape hold about a million queries, and
  // 5 slots per instance so weekday peaks reach the 500-instance maximum.
  const queries = generateTrace({ days, peakRate: 3.47, troughShare: 0.15, seed: 42 });
  const t0 = performance.now();
  const r = await simulate(queries, { ...DEFAULT_SIM_OPTIONS, engine, policy: 'signals', slotsPerInstance: 5, maxCapacity: 500, timelineStepSeconds: 3600 });
  const wallMs = Math.round(performance.now() - t0);
  if (r.queriesCompleted + r.queriesKilled !== queries.length) throw new Error('not every query finished or was killed');
  console.log(
    JSON.stringify({
      engine: r.engine,
      queries: queries.length,
      simDays: days,
      instancesMax: r.instancesMax,
      wallMs,
      eventsPerSec: Math.round(r.events / (wallMs / 1000)),
      instanceHours: Math.round(r.instanceHours),
      queriesKilled: r.queriesKilled,
    }),
  );

  const f0 = performance.now();
  const needs = minuteNeeds(queries, 5, DEFAULT_SIM_OPTIONS.targetCpu, DEFAULT_SIM_OPTIONS.minCapacity, 500);
  const floorMinutes = floorInstanceMinutes(needs);
  console.log(
    JSON.stringify({
      floor: true,
      minutes: needs.length,
      largestNeed: needs.reduce((a, b) => Math.max(a, b), 0),
      wallMs: Math.round(performance.now() - f0),
      floorInstanceHours: Math.round(floorMinutes / 60),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
