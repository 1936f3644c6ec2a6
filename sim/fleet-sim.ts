/**
 * The fleet simulator: one Auto Scaling group of workers under target tracking, fed a query trace, with
 * the drain controller's real handlers (the same makeDrainEventsHandler, makeDrainSweepHandler and
 * makeTerminationPolicyHandler the Lambdas export) acting through in-memory ports. Discrete events in
 * simulated seconds; the ports see the simulated clock.
 */
import { DrainStore, Fleet } from '../core/ports';
import { MemoryInstance } from './memory-ports';
import { Query } from './trace';
import * as autoscalingModule from './autoscaling';
import * as faultsModule from './faults';
import * as groupModule from './group';
import * as tallyModule from './tally';
import * as wiringModule from './wiring';
import * as workersModule from './workers';
import { SimOptions, drains } from './options';
import { SimResult } from './result';
import { Instance, Run, SimState, fail } from './state';

export * from './options';
export type { Invariants, SimResult, StragglerReport, WarmPoolReport } from './result';

// The components' functions, read once: run by tsx (as CommonJS), each read of an imported binding is
// two getter calls, and the event loop and the methods below make tens of millions of them.
const autoscaling = { ...autoscalingModule };
const faults = { ...faultsModule };
const group = { ...groupModule };
const tally = { ...tallyModule };
const wiring = { ...wiringModule };
const workers = { ...workersModule };

export async function simulate(queries: readonly Query[], options: SimOptions): Promise<SimResult> {
  return new FleetSimulation(queries, options).run();
}

/** The event loop over the components; each event kind is handled by its component. */
class FleetSimulation extends SimState {
  constructor(queries: readonly Query[], o: SimOptions) {
    super(queries, o);
    const stragglerActions = o.policy === 'signals' && o.stragglerActions;
    if (drains(o.policy)) this.handlers = wiring.controller(this, stragglerActions);
    if (stragglerActions) this.detectStragglers = wiring.stragglerFunction(this);
  }

  async run(): Promise<SimResult> {
    this.horizon = this.queries.reduce((end, q) => Math.max(end, q.arrival + q.duration), 0);
    this.queries.forEach((q, index) => index === 0 || q.arrival >= this.queries[index - 1].arrival || fail('trace not sorted'));
    if (this.queries.length > 0) this.queue.push(this.queries[0].arrival, { kind: 'arrive', index: 0 });
    for (let k = 0; k < this.desired; k++) group.launch(this, 0, true);
    group.resizePool(this, true);
    this.queue.push(60, { kind: 'minute' });
    let nextProgress = 0;
    while (this.queue.size > 0) {
      const time = this.queue.peekTime()!;
      const item = this.queue.popItem();
      tally.account(this, time);
      this.now = time;
      this.events++;
      switch (item.kind) {
        case 'arrive':
          workers.arrive(this, item.index);
          break;
        case 'finish':
          if (item.version === item.run.version) workers.finish(this, item.run);
          break;
        case 'degrade':
          workers.degrade(this, item.instance);
          break;
        case 'launched':
          group.inService(this, item.instance);
          break;
        case 'agent-stop':
          group.agentStop(this, item.instance);
          break;
        case 'coordinator-notice':
          group.coordinatorNotice(this, item.instance);
          break;
        case 'node-map':
          group.nodeMapRefresh(this, item.instance);
          break;
        case 'deliver':
          await wiring.deliver(this, item.instance, item.time);
          break;
        case 'report':
          // A task that landed before the agent's decisive count cancelled this report (Trino models).
          if (item.version === undefined || item.version === (item.instance.drainVersion ?? 0)) await wiring.report(this, item.instance);
          break;
        case 'minute':
          await autoscaling.minute(this);
          break;
      }
      if (this.o.onProgress && time >= nextProgress) {
        this.o.onProgress(Math.min(1, time / Math.max(1, this.horizon)));
        nextProgress = time + this.horizon / 200;
      }
    }
    this.o.onProgress?.(1);
    return tally.result(this);
  }

  done(): boolean {
    return this.completed + this.killed >= this.queries.length + (this.o.retryKilled ? this.killed : 0) && this.now >= this.horizon;
  }

  // ---- the methods components call on each other ----------------------------------------------

  applyDesired(): Promise<void> {
    return group.applyDesired(this);
  }

  becameDrained(instance: Instance): void {
    return group.becameDrained(this, instance);
  }

  beginTermination(instance: Instance): void {
    return group.beginTermination(this, instance);
  }

  checkInvariants(): void {
    return tally.checkInvariants(this);
  }

  count(state: Instance['state']): number {
    return group.count(this, state);
  }

  cronCheck(): Promise<void> {
    return wiring.cronCheck(this);
  }

  deadlineOf(instance: Instance): number {
    return wiring.deadlineOf(this, instance);
  }

  dispatch(): void {
    return workers.dispatch(this);
  }

  isDegraded(instance: Instance): boolean {
    return workers.isDegraded(this, instance);
  }

  kill(run: Run): void {
    return workers.kill(this, run);
  }

  launchIntoGroup(): void {
    return group.launchIntoGroup(this);
  }

  leavePool(p: { readyAt: number }): void {
    return group.leavePool(this, p);
  }

  onWaitEnded(m: MemoryInstance): void {
    return group.onWaitEnded(this, m);
  }

  queuedSlots(): number {
    return workers.queuedSlots(this);
  }

  samplePressure(instance: Instance, load: number): void {
    return workers.samplePressure(this, instance, load);
  }

  sweep(): Promise<void> {
    return wiring.sweep(this);
  }

  withFaults<T extends Fleet | DrainStore>(port: T): T {
    return faults.withFaults(this, port);
  }
}
