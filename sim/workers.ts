/**
 * The workers: queries dispatched to task slots, finished or killed, and degraded instances' rates.
 */
import * as trinoModule from './engine-trino';
import { PRESSURE_RESOURCES } from '../core/stragglers';
import { DEGRADED_SLOWDOWN } from './pressure';
import { Instance, Run, SimState, setRate } from './state';


// Read once: under tsx (CommonJS) each read of an imported binding is two getter calls (see fleet-sim.ts).
const trino = { ...trinoModule };


export function isDegraded(sim: SimState, instance: Instance): boolean {
  return instance.degradedAt !== undefined && sim.now >= instance.degradedAt;
}


/** A degraded instance's slowdown begins: its running tasks go on at the slower rate. */
export function degrade(sim: SimState, instance: Instance): void {
  if (instance.state === 'Terminated') return;
  sim.degradedSeen.set(instance.id, sim.now);
  for (const run of instance.runs) setRate(sim, run, 1 / DEGRADED_SLOWDOWN);
}




// ---- queries --------------------------------------------------------------------------------

export function arrive(sim: SimState, index: number): void {
  const next = index + 1;
  if (next < sim.queries.length) sim.queue.push(sim.queries[next].arrival, { kind: 'arrive', index: next });
  sim.waitingQueries.push(index);
  dispatch(sim);
}


export function dispatch(sim: SimState): void {
  if (sim.loads) return trino.dispatch(sim);
  while (sim.waitingHead < sim.waitingQueries.length) {
    const index = sim.waitingQueries[sim.waitingHead];
    const q = sim.queries[index];
    const instance = leastLoaded(sim, q.slots);
    if (!instance) return; // FIFO: the head waits for room, and so does everyone behind it
    if (!instance.accepting || (instance.state !== 'InService' && instance.state !== 'Terminating:Wait')) {
      throw new Error(`simulator bug: dispatch to ${instance.id} in state ${instance.state}`);
    }
    sim.waitingHead++;
    if (sim.waitingHead > 4096 && sim.waitingHead * 2 > sim.waitingQueries.length) {
      sim.waitingQueries.splice(0, sim.waitingHead);
      sim.waitingHead = 0;
    }
    sim.queueDelays.push(sim.now - q.arrival);
    const rate = isDegraded(sim, instance) ? 1 / DEGRADED_SLOWDOWN : 1;
    const run: Run = { query: q, index, start: sim.now, instance, done: false, remaining: q.duration, since: sim.now, rate, version: 0 };
    setBusy(sim, instance, instance.busy + q.slots);
    run.node = instance.runs.add(run);
    sim.demandSlots += q.slots;
    sim.runningQueries++;
    sim.queue.push(sim.now + q.duration / rate, { kind: 'finish', run, version: 0 });
  }
}


export function leastLoaded(sim: SimState, slots: number): Instance | undefined {
  for (let b = 0; b + slots <= sim.o.slotsPerInstance; b++) {
    const set = sim.byLoad[b];
    if (set.size > 0) return set.values().next().value;
  }
  return undefined;
}


export function setBusy(sim: SimState, instance: Instance, busy: number): void {
  instance.busySlotSeconds += instance.busy * (sim.now - instance.lastChange);
  instance.lastChange = sim.now;
  if (instance.accepting) {
    sim.byLoad[instance.busy].delete(instance);
    sim.byLoad[busy].add(instance);
  }
  instance.busy = busy;
  instance.history.push(sim.now, busy);
}


export function finish(sim: SimState, run: Run): void {
  if (run.tasks) return trino.finish(sim, run);
  if (run.done) return;
  run.done = true;
  run.instance.runs.remove(run.node!, run);
  setBusy(sim, run.instance, run.instance.busy - run.query.slots);
  sim.queryCompleted(run);
  const i = run.instance;
  if (i.state === 'Terminating:Wait' && i.noticedAt !== undefined && i.runs.size === 0 && i.drainedAt === undefined) sim.becameDrained(i);
  dispatch(sim);
}


export function kill(sim: SimState, run: Run): void {
  if (run.tasks) return trino.kill(sim, run);
  run.done = true;
  run.instance.runs.remove(run.node!, run);
  setBusy(sim, run.instance, run.instance.busy - run.query.slots);
  sim.queryKilled(run);
}


/** The agent's readings for the minute that just ended, kept for the detector's window. */
export function samplePressure(sim: SimState, instance: Instance, load: number): void {
  instance.pressure.sampleInto(sampled, sim.now, Math.min(1, load), isDegraded(sim, instance));
  // The agent's RunningTasks, averaged over the minute, is the load the detector weighs pressure against.
  // Published (visible to the straggler function) once the metric delay has passed: wiring.ts readPressure.
  instance.pressureReadings.offer(sim.now - 60, sampled, load * sim.o.slotsPerInstance);
}
const sampled = new Float64Array(PRESSURE_RESOURCES.length);


export function queuedSlots(sim: SimState): number {
  let s = 0;
  for (let k = sim.waitingHead; k < sim.waitingQueries.length; k++) s += sim.queries[sim.waitingQueries[k]].slots;
  return s;
}
