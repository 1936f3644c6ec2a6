/**
 * The drain's price check (core/drain-extension.ts) as the signals function runs it each minute: the
 * fleet's active drains from the drain store, the coordinator's running queries with their predicted
 * remaining time, and the deadlines it moves through the same store the sweep reads. The drains and
 * queries are shaped by the same core functions the function uses (activeDrainOf, blockersOf).
 */
import { InFlightQuery } from '../core/coordinator-signals';
import { DrainBlocker, activeDrainOf, blockersOf, decideDrainExtensions, isDrainDue } from '../core/drain-extension';
import { Run, SimState } from './state';

export async function priceDrains(sim: SimState): Promise<void> {
  const settings = sim.o.drainExtension;
  if (!settings) return;
  const active = [...sim.store.active.values()].filter((r) => sim.fleet.instances.get(r.instanceId)?.state === 'Terminating:Wait');
  if (active.length === 0) return;
  const nowMs = sim.now * 1000;
  const drains = active.map((r) => activeDrainOf(r, sim.deadlines.has(r.instanceId) ? sim.deadlines.get(r.instanceId)! * 1000 : r.deadlineAt));
  // Most minutes no drain is near its deadline: then the queries are not looked at.
  if (!drains.some((d) => isDrainDue(d, nowMs, settings.leadSeconds))) return;
  const decisions = decideDrainExtensions(drains, runningBlockers(sim), nowMs, settings);
  for (const d of decisions) {
    sim.drainRules[d.rule] = (sim.drainRules[d.rule] ?? 0) + 1;
    if (d.deadlineAt === undefined) continue;
    if (await sim.store.setDeadline(d.instanceId, d.deadlineAt, true)) sim.deadlines.set(d.instanceId, d.deadlineAt / 1000);
  }
}

/** A running query as the coordinator lists it, with the trace's signature where it has one. */
type Listed = InFlightQuery & { readonly signature?: string };

/**
 * The queries running now, as the coordinator lists them (a slot is a core's worth of CPU, so an
 * instance has `slotsPerInstance` vCPUs), predicted from the fleet's history: what the price check and the
 * scale-in gate weigh. Under trino-fte every query survives a worker's loss.
 */
export function runningBlockers(sim: SimState): DrainBlocker[] {
  const seen = new Set<Run>();
  const see = (run: Run) => {
    if (!run.done) seen.add(run);
  };
  for (const i of sim.instances.values()) i.runs.forEach(see);
  const listed: Listed[] = [...seen].map((run) => {
    const elapsed = sim.now - run.start;
    return { queryId: String(run.index), startedAtMs: run.start * 1000, runSeconds: elapsed, cpuSeconds: run.query.slots * elapsed, survivesWorkerLoss: sim.engine === 'trino-fte', signature: run.query.signature };
  });
  return blockersOf(listed, sim.durationHistory, sim.o.scaleInGate.quantile, sim.o.slotsPerInstance, (q) => q.signature);
}
