/**
 * The Trino engine models' workers (sim/engine.ts): a query's tasks on several workers, each holding
 * slots ÷ workers for the query's run, so the CPU it burns is the same as under `executors`. Queries
 * finish, fail or have a task redone here; workers.ts hands the `trino` and `trino-fte` models to it.
 */
import { fteLayout, trinoSpread } from './engine';
import { DEGRADED_SLOWDOWN } from './pressure';
import { Instance, Run, SimState, Task, setRate } from './state';

const EPS = 1e-9;

/** Dispatches queued queries, FIFO, each to the least-loaded workers its spread asks for. */
export function dispatch(sim: SimState): void {
  const loads = sim.loads!;
  while (sim.waitingHead < sim.waitingQueries.length) {
    const index = sim.waitingQueries[sim.waitingHead];
    const q = sim.queries[index];
    const fte = sim.engine === 'trino-fte' ? fteLayout(q, loads.size) : undefined;
    const k = fte ? fte.lanes : trinoSpread(q, loads.size);
    const share = fte ? fte.share : q.slots / k;
    const chosen = k > 0 ? loads.pick(k, share) : undefined;
    if (!chosen) return; // FIFO: the head waits for room, and so does everyone behind it
    for (const i of chosen) {
      if (!i.accepting || (i.state !== 'InService' && i.state !== 'Terminating:Wait')) throw new Error(`simulator bug: dispatch to ${i.id} in state ${i.state}`);
    }
    sim.waitingHead++;
    if (sim.waitingHead > 4096 && sim.waitingHead * 2 > sim.waitingQueries.length) {
      sim.waitingQueries.splice(0, sim.waitingHead);
      sim.waitingHead = 0;
    }
    sim.queueDelays.push(sim.now - q.arrival);
    // A stage waits for its slowest task: one degraded worker slows the whole query.
    const rate = anyDegraded(sim, chosen) ? 1 / DEGRADED_SLOWDOWN : 1;
    const first = fte ? q.duration / fte.steps : q.duration;
    const run: Run = { query: q, index, start: sim.now, instance: chosen[0], done: false, remaining: first, since: sim.now, rate, version: 0, tasks: [], target: first };
    if (fte) run.fte = { lanes: fte.lanes, share, stepWork: first, stepsLeft: fte.steps - 1 };
    // The workers chosen are distinct, and the run is new: each task is the query's first on its worker.
    for (const i of chosen) place(sim, run, { instance: i, share, startWork: 0, endWork: first, node: -1 }, true);
    sim.demandSlots += q.slots;
    sim.runningQueries++;
    sim.queue.push(sim.now + first / rate, { kind: 'finish', run, version: 0 });
  }
}


/** Whether any of the workers is degraded (a loop, not some() with a closure: once per query placed). */
function anyDegraded(sim: SimState, workers: readonly Instance[]): boolean {
  for (const i of workers) if (sim.isDegraded(i)) return true;
  return false;
}


/**
 * A task lands on its worker, joining the query's membership there (RunSet) or starting it: `first` when
 * the caller knows no task of the query is on that worker. A draining worker's agent that has not yet
 * taken its final zero count sees it.
 */
function place(sim: SimState, run: Run, task: Task, first = false): void {
  const i = task.instance;
  let node = -1;
  if (!first) {
    for (const t of run.tasks!) {
      if (t.instance === i) {
        node = t.node;
        break;
      }
    }
  }
  run.tasks!.push(task);
  if (node >= 0) sim.memberships.count[node]++;
  else node = i.runs.add(run);
  task.node = node;
  setLoad(sim, i, i.busy + task.share);
  if (i.state === 'Terminating:Wait' && i.drainedAt !== undefined && i.detectedAt !== undefined && sim.now < i.detectedAt) {
    i.drainedAt = undefined;
    i.drainVersion = (i.drainVersion ?? 0) + 1;
  }
}


/** A task leaves its query's tasks: its membership counts one task fewer on its worker. */
function leave(sim: SimState, task: Task): void {
  sim.memberships.count[task.node]--;
}


/**
 * Takes a task, no longer among its query's tasks (`leave`), off its worker; the query leaves the
 * worker's runs when none of its tasks there is left among them.
 */
function release(sim: SimState, run: Run, task: Task): void {
  const i = task.instance;
  if (sim.memberships.count[task.node] === 0) i.runs.remove(task.node, run);
  setLoad(sim, i, i.runs.size === 0 ? 0 : i.busy - task.share);
}


function setLoad(sim: SimState, i: Instance, busy: number): void {
  i.busySlotSeconds += i.busy * (sim.now - i.lastChange);
  i.lastChange = sim.now;
  // An accepting worker goes last in its new load bucket (LoadIndex.move: a delete and an add).
  if (i.accepting && i.loadSlot !== undefined) sim.loads!.move(i, busy);
  else {
    i.busy = busy;
    if (i.accepting) sim.loads!.add(i);
  }
  i.history.push(sim.now, busy);
}


/** The work position a run has reached (seconds of its run at full rate). */
function position(sim: SimState, run: Run): number {
  return run.target! - Math.max(0, run.remaining - (sim.now - run.since) * run.rate);
}


/** A worker whose last task ended is drained once the coordinator's view says it is shutting down. */
function checkDrained(sim: SimState, i: Instance): void {
  if (i.state === 'Terminating:Wait' && i.noticedAt !== undefined && i.runs.size === 0 && i.drainedAt === undefined) sim.becameDrained(i);
}


/** The run reached its target: tasks that end there end; the query completes with its last task. */
export function finish(sim: SimState, run: Run): void {
  if (run.done) return;
  const at = run.target!;
  const tasks = run.tasks!;
  let ends = 0;
  for (const t of tasks) if (t.endWork <= at + EPS) ends++;
  // Most often every task ends with the query: its tasks are the ones ending.
  const ending: Task[] = ends === tasks.length ? tasks : [];
  const left: Task[] = [];
  for (const t of tasks) {
    if (t.endWork <= at + EPS) {
      if (ending !== tasks) ending.push(t);
      leave(sim, t);
    } else if (t.endWork > at + EPS) left.push(t);
  }
  run.tasks = left;
  for (const t of ending) release(sim, run, t);
  if (left.length > 0) {
    // A redone task still runs: the query (or, under trino-fte, its step) goes on until it ends.
    const next = Math.min(...left.map((t) => t.endWork));
    run.remaining = next - at;
    run.target = next;
    run.since = sim.now;
    run.version++;
    sim.queue.push(sim.now + run.remaining / run.rate, { kind: 'finish', run, version: run.version });
  } else if (run.fte && run.fte.stepsLeft > 0) {
    // trino-fte: the lanes' next tasks go to the least-loaded workers now (room or not: they are due).
    run.fte.stepsLeft--;
    const { lanes, share, stepWork } = run.fte;
    const chosen = sim.loads!.pick(lanes, share) ?? [];
    while (chosen.length < lanes) {
      const least = sim.loads!.least();
      if (!least) break;
      chosen.push(least);
    }
    if (chosen.length === 0) {
      for (const t of ending) checkDrained(sim, t.instance);
      return kill(sim, run); // no worker accepts work at all
    }
    for (let l = 0; l < lanes; l++) place(sim, run, { instance: chosen[l % chosen.length], share, startWork: at, endWork: at + stepWork, node: -1 });
    run.remaining = stepWork;
    run.target = at + stepWork;
    run.since = sim.now;
    run.rate = anyDegraded(sim, chosen) ? 1 / DEGRADED_SLOWDOWN : 1;
    run.version++;
    sim.queue.push(sim.now + stepWork / run.rate, { kind: 'finish', run, version: run.version });
  } else {
    run.done = true;
    sim.queryCompleted(run);
  }
  for (const t of ending) checkDrained(sim, t.instance);
  sim.dispatch();
}


/** The query fails: every task of it ends, on every worker; its CPU so far is the work lost. */
export function kill(sim: SimState, run: Run): void {
  if (run.done) return;
  run.done = true;
  const tasks = run.tasks!;
  run.tasks = [];
  for (const t of tasks) leave(sim, t);
  for (const t of tasks) {
    t.instance.runs.remove(t.node, run);
    setLoad(sim, t.instance, t.instance.runs.size === 0 ? 0 : t.instance.busy - t.share);
  }
  sim.queryKilled(run);
  for (const t of tasks) checkDrained(sim, t.instance);
}


/**
 * A worker dies with tasks on it. Under `trino` each query with a task there fails. Under `trino-fte`
 * each such task is redone from its start on the least-loaded accepting worker (with room if one has
 * it; Trino has no hard slot limit), so the task, and the query if it was its last, ends later by the
 * work the dead task had done; a query fails only when no worker accepts work at all.
 */
export function workerDied(sim: SimState, dying: Instance): void {
  const runs = [...dying.runs];
  for (const run of runs) {
    if (run.done) continue;
    if (sim.engine !== 'trino-fte') {
      kill(sim, run);
      continue;
    }
    const lost = run.tasks!.filter((t) => t.instance === dying);
    const at = position(sim, run);
    for (const t of lost) {
      const to = sim.loads!.pick(1, t.share)?.[0] ?? sim.loads!.least();
      if (!to) {
        kill(sim, run);
        break;
      }
      const redone = Math.max(0, at - t.startWork);
      run.tasks = run.tasks!.filter((o) => o !== t);
      leave(sim, t);
      release(sim, run, t);
      sim.tasksRedone++;
      sim.redoneTaskSeconds += redone;
      place(sim, run, { instance: to, share: t.share, startWork: at, endWork: t.endWork + redone, node: -1 });
      if (sim.isDegraded(to) && run.rate === 1) setRate(sim, run, 1 / DEGRADED_SLOWDOWN);
    }
  }
  sim.dispatch();
}

