/**
 * The drain's price check (core/drain-extension.ts) as the signals function runs it each minute: the
 * fleet's active drains from the drain store, the coordinator's running queries with their predicted
 * remaining time, and the deadlines it moves through the same store the sweep reads.
 */
import { decideDrainExtensions, DrainBlocker } from '../core/drain-extension';
import { FORCE_MARGIN_SECONDS, globalTimeoutFor } from '../core/lifecycle-limits';
import { Run, SimState } from './state';

export async function priceDrains(sim: SimState): Promise<void> {
  const settings = sim.o.drainExtension;
  if (!settings) return;
  const active = [...sim.store.active.values()].filter((r) => sim.fleet.instances.get(r.instanceId)?.state === 'Terminating:Wait');
  if (active.length === 0) return;
  const nowMs = sim.now * 1000;
  const drains = active.map((r) => ({
    instanceId: r.instanceId,
    waitStartedAt: r.waitStartedAt,
    deadlineAt: sim.deadlines.has(r.instanceId) ? sim.deadlines.get(r.instanceId)! * 1000 : r.deadlineAt,
    limitAt: r.waitStartedAt + (globalTimeoutFor(r.heartbeatTimeoutSeconds) - FORCE_MARGIN_SECONDS) * 1000,
  }));
  // Most minutes no drain is near its deadline: then the queries are not looked at.
  if (!drains.some((d) => d.deadlineAt > nowMs && d.deadlineAt - nowMs <= settings.leadSeconds * 1000)) return;
  const decisions = decideDrainExtensions(drains, blockers(sim), nowMs, settings);
  for (const d of decisions) {
    sim.drainRules[d.rule] = (sim.drainRules[d.rule] ?? 0) + 1;
    if (d.deadlineAt === undefined) continue;
    if (await sim.store.setDeadline(d.instanceId, d.deadlineAt, true)) sim.deadlines.set(d.instanceId, d.deadlineAt / 1000);
  }
}

/** The running queries as the coordinator lists them: start, elapsed, predicted remaining, CPU so far. */
function blockers(sim: SimState): DrainBlocker[] {
  const seen = new Set<Run>();
  for (const i of sim.instances.values()) for (const run of i.runs) if (!run.done) seen.add(run);
  const q = sim.o.scaleInGate.quantile;
  return [...seen].map((run) => {
    const elapsed = sim.now - run.start;
    return {
      startedAtMs: run.start * 1000,
      elapsedSeconds: elapsed,
      remainingSeconds: sim.durationHistory.predict(elapsed, q, run.query.signature).seconds,
      workInstanceSeconds: (run.query.slots * elapsed) / sim.o.slotsPerInstance,
      survivesWorkerLoss: sim.engine === 'trino-fte',
    };
  });
}
