/**
 * In-memory implementations of the controller's ports, with Auto Scaling's lifecycle semantics: an
 * instance waits under the hook until its action is completed or the hook times out (heartbeat timeout,
 * capped by the global timeout), after which the default result (CONTINUE) terminates it. Completing or
 * heartbeating an action that is no longer active answers "gone", as Auto Scaling's ValidationError does.
 * Used by the simulator and by tests; nothing here is a stub: each port keeps real state.
 */
import { TaskReading } from '../core/drain';
import { DrainedBy } from '../core/drain-report';
import { globalTimeoutFor } from '../core/lifecycle-limits';
import {
  ControllerCounter,
  ControllerGauge,
  ControllerLog,
  ControllerMetrics,
  DrainRecord,
  DrainResult,
  DrainStore,
  Fleet,
  LifecycleWriteResult,
  ScaleInHold,
  TaskCounts,
  TaskReadings,
  WaitingInstance,
  WorkerControl,
} from '../core/ports';

export type MemoryInstanceState = 'InService' | 'Terminating:Wait' | 'Terminated';

export interface MemoryInstance {
  readonly instanceId: string;
  readonly groupName: string;
  state: MemoryInstanceState;
  waitStartedAt?: number;
  hookExpiresAt?: number;
  globalExpiresAt?: number;
  heartbeatTimeoutMs?: number;
  /** How the wait ended: completed by a call, or by the hook's own timeout. */
  endedBy?: 'complete' | 'timeout';
  endedAt?: number;
}

/** Auto Scaling groups and their lifecycle hook, in memory. */
export class MemoryFleet implements Fleet {
  private readonly all = new Map<string, MemoryInstance>();
  /** Every instance launched and not forgotten, ended ones too, in launch order. */
  readonly instances: ReadonlyMap<string, MemoryInstance> = this.all;
  /**
   * `instances` in the same order, less those that ended longer ago than Describe* lags: all that a scan
   * for waiting instances or expired hooks can find. A simulated week ends thousands of instances, and
   * every sweep and every lifecycle call scanned them all.
   */
  private readonly scanned = new Map<string, MemoryInstance>();
  /** Completions that found an active action; a second one for the same instance would be a bug. */
  readonly completions = new Map<string, number>();
  calls = { read: 0, write: 0 };

  /**
   * @param now the clock
   * @param onEnded called when an instance's wait ends (completed or timed out): the simulator
   *   terminates it there, killing whatever it still runs.
   */
  constructor(
    private readonly now: () => number,
    private readonly onEnded: (instance: MemoryInstance) => void = () => undefined,
    /**
     * How long Describe* keeps showing an ended wait as Terminating:Wait. Auto Scaling's Describe* APIs are
     * eventually consistent (Auto Scaling API reference, "Eventual consistency"); see testing/aws-model.ts.
     */
    private readonly consistencyLagMs = 5000,
  ) {}

  /** Whether Describe* still lists the instance as waiting: truly waiting, or ended within the lag. */
  private listedWaiting(i: MemoryInstance): boolean {
    return i.state === 'Terminating:Wait' || (i.endedAt !== undefined && this.now() - i.endedAt < this.consistencyLagMs);
  }

  /** Ended, and no longer listed as waiting by Describe*: no scan will find it again. */
  private settled(i: MemoryInstance, now: number): boolean {
    return i.state === 'Terminated' && i.endedAt !== undefined && now - i.endedAt >= this.consistencyLagMs;
  }

  /** Puts an instance in service. */
  launch(instanceId: string, groupName: string): MemoryInstance {
    const i: MemoryInstance = { instanceId, groupName, state: 'InService' };
    const known = this.all.has(instanceId);
    this.all.set(instanceId, i);
    if (!known || this.scanned.has(instanceId)) this.scanned.set(instanceId, i);
    else {
      // An id launched again after it settled keeps its first place in `instances`: so it does in the scan.
      this.scanned.clear();
      for (const [id, other] of this.all) this.scanned.set(id, other);
    }
    return i;
  }

  /** Removes an instance that ended without a hook (no lifecycle hook on the group). */
  forget(instanceId: string): void {
    this.all.delete(instanceId);
    this.scanned.delete(instanceId);
  }

  /** Auto Scaling chose the instance for termination: it enters Terminating:Wait under our hook. */
  beginTermination(instanceId: string, heartbeatTimeoutSeconds: number): void {
    const i = this.all.get(instanceId);
    if (!i || i.state !== 'InService') throw new Error(`${instanceId} is not InService`);
    const now = this.now();
    i.state = 'Terminating:Wait';
    i.waitStartedAt = now;
    i.heartbeatTimeoutMs = heartbeatTimeoutSeconds * 1000;
    i.hookExpiresAt = now + i.heartbeatTimeoutMs;
    i.globalExpiresAt = now + globalTimeoutFor(heartbeatTimeoutSeconds) * 1000;
  }

  /** Applies hook timeouts up to now: the default result CONTINUE terminates the instance. */
  expireHooks(): MemoryInstance[] {
    const now = this.now();
    const expired: MemoryInstance[] = [];
    // Values, not entries: an entry is an array made per instance per scan (scanned is keyed by instanceId).
    for (const i of this.scanned.values()) {
      if (this.settled(i, now)) this.scanned.delete(i.instanceId);
      else if (i.state === 'Terminating:Wait' && now >= Math.min(i.hookExpiresAt!, i.globalExpiresAt!)) {
        i.state = 'Terminated';
        i.endedBy = 'timeout';
        i.endedAt = now;
        expired.push(i);
      }
    }
    for (const i of expired) this.onEnded(i);
    return expired;
  }

  async listWaitingInstances(groupNames: readonly string[]): Promise<WaitingInstance[]> {
    this.calls.read++;
    const groups = new Set(groupNames);
    const now = this.now();
    const out: WaitingInstance[] = [];
    for (const i of this.scanned.values()) {
      if (this.settled(i, now)) this.scanned.delete(i.instanceId);
      else if (this.listedWaiting(i) && groups.has(i.groupName)) out.push({ instanceId: i.instanceId, groupName: i.groupName });
    }
    return out;
  }

  async filterWaiting(instances: readonly WaitingInstance[]): Promise<WaitingInstance[]> {
    this.calls.read++;
    // DescribeAutoScalingInstances names each instance's group: a claim naming another group is not waiting there.
    return instances.filter((w) => {
      const i = this.instances.get(w.instanceId);
      return i !== undefined && this.listedWaiting(i) && i.groupName === w.groupName;
    });
  }

  async terminationStartTimes(instances: readonly WaitingInstance[]): Promise<Map<string, number>> {
    this.calls.read++;
    const out = new Map<string, number>();
    for (const w of instances) {
      const i = this.instances.get(w.instanceId);
      if (i?.waitStartedAt !== undefined && i.groupName === w.groupName) out.set(w.instanceId, i.waitStartedAt);
    }
    return out;
  }

  async completeLifecycleAction(instance: WaitingInstance, _hookName: string): Promise<LifecycleWriteResult> {
    this.calls.write++;
    const i = this.active(instance);
    if (!i) return 'gone';
    i.state = 'Terminated';
    i.endedBy = 'complete';
    i.endedAt = this.now();
    this.completions.set(i.instanceId, (this.completions.get(i.instanceId) ?? 0) + 1);
    this.onEnded(i);
    return 'done';
  }

  async recordHeartbeat(instance: WaitingInstance): Promise<LifecycleWriteResult> {
    this.calls.write++;
    const i = this.active(instance);
    if (!i) return 'gone';
    i.hookExpiresAt = this.now() + i.heartbeatTimeoutMs!;
    return 'done';
  }

  private active(instance: WaitingInstance): MemoryInstance | undefined {
    this.expireHooks();
    const i = this.instances.get(instance.instanceId);
    return i && i.state === 'Terminating:Wait' && i.groupName === instance.groupName ? i : undefined;
  }
}

/** The drain table, with the same conditional-write semantics as the DynamoDB store. */
export class MemoryDrainStore implements DrainStore {
  readonly active = new Map<string, DrainRecord>();
  readonly history: (DrainRecord & DrainResult)[] = [];
  calls = { read: 0, write: 0 };

  async listActive(): Promise<DrainRecord[]> {
    this.calls.read++;
    return [...this.active.values()].map((r) => ({ ...r }));
  }

  /** Instances whose drain finished: a completed drain stays completed (the DynamoDB store's tombstones). */
  readonly finished = new Set<string>();
  /** Holders that ended: a late START holds nothing. */
  readonly endedHolders = new Set<string>();

  async claimFirstSeen(record: DrainRecord): Promise<DrainRecord | undefined> {
    this.calls.write++;
    if (this.finished.has(record.instanceId)) return undefined;
    const existing = this.active.get(record.instanceId);
    if (existing) return { ...existing };
    this.active.set(record.instanceId, { ...record });
    return record;
  }

  async claimStop(instanceId: string, now: number, until: number): Promise<boolean> {
    this.calls.write++;
    const r = this.active.get(instanceId);
    if (!r || r.stopSentAt !== undefined || (r.stopClaimUntil !== undefined && r.stopClaimUntil >= now)) return false;
    this.active.set(instanceId, { ...r, stopClaimUntil: until });
    return true;
  }

  async markStopSent(instanceId: string, at: number): Promise<void> {
    this.update(instanceId, (r) => ({ ...r, stopSentAt: at, stopClaimUntil: undefined }));
  }

  async recordHeartbeat(instanceId: string, _at: number, hookExpiresAt: number): Promise<void> {
    this.update(instanceId, (r) => ({ ...r, hookExpiresAt, heartbeats: r.heartbeats + 1 }));
  }

  async saveReadings(instanceId: string, readings: readonly TaskReading[]): Promise<void> {
    this.update(instanceId, (r) => ({ ...r, readings: [...readings] }));
  }

  async markDrained(instanceId: string, at: number, drainedBy: DrainedBy): Promise<boolean> {
    this.calls.write++;
    const r = this.active.get(instanceId);
    if (!r || r.drainedAt !== undefined) return false;
    this.active.set(instanceId, { ...r, drainedAt: at, drainedBy });
    return true;
  }

  readonly holds = new Map<string, ScaleInHold>();

  async setDeadline(instanceId: string, deadlineAt: number, onlyLater = false): Promise<boolean> {
    this.calls.write++;
    const r = this.active.get(instanceId);
    if (!r || (onlyLater && r.deadlineAt >= deadlineAt)) return false;
    this.active.set(instanceId, { ...r, deadlineAt });
    return true;
  }

  async putHold(hold: ScaleInHold): Promise<boolean> {
    this.calls.write++;
    const key = `${hold.groupName}|${hold.holder}`;
    if (this.endedHolders.has(key)) return false;
    this.holds.set(key, { ...hold });
    return true;
  }

  async removeHold(groupName: string, holder: string, ended = false): Promise<boolean> {
    this.calls.write++;
    if (ended) this.endedHolders.add(`${groupName}|${holder}`);
    return this.holds.delete(`${groupName}|${holder}`);
  }

  async listHolds(): Promise<ScaleInHold[]> {
    this.calls.read++;
    return [...this.holds.values()];
  }

  async finish(record: DrainRecord, result: DrainResult): Promise<boolean> {
    this.calls.write++;
    const r = this.active.get(record.instanceId);
    if (!r) return false;
    this.active.delete(record.instanceId);
    this.finished.add(record.instanceId);
    this.history.push({ ...r, ...result });
    return true;
  }

  private update(instanceId: string, f: (r: DrainRecord) => DrainRecord): void {
    this.calls.write++;
    const r = this.active.get(instanceId);
    if (r) this.active.set(instanceId, f(r));
  }
}

/** Task counts as a metric store: readings per instance, kept as history like CloudWatch. */
export class MemoryTaskCounts implements TaskCounts {
  readonly keepsHistory = true;
  readonly series = new Map<string, TaskReading[]>();
  calls = 0;
  /** When set, read() throws it: the metric service is down. */
  failure?: Error;

  /** Records one reading; `oldestTaskAgeSeconds` is the second metric, returned only to a read asking for ages. */
  publish(instanceId: string, at: number, runningTasks: number, oldestTaskAgeSeconds?: number): void {
    const list = this.series.get(instanceId) ?? [];
    list.push({ at, runningTasks, ...(oldestTaskAgeSeconds !== undefined ? { oldestTaskAgeSeconds } : {}) });
    this.series.set(instanceId, list);
  }

  async read(instances: readonly WaitingInstance[], since: number, now: number, options?: { readonly taskAges?: boolean }): Promise<TaskReadings> {
    this.calls++;
    if (this.failure) throw this.failure;
    const out = new Map<string, { readings: TaskReading[] }>();
    for (const i of instances) {
      const readings = (this.series.get(i.instanceId) ?? [])
        .filter((r) => r.at >= since && r.at <= now)
        .map((r) => (options?.taskAges ? r : { at: r.at, runningTasks: r.runningTasks }));
      if (readings.length > 0) out.set(i.instanceId, { readings });
    }
    return out;
  }
}

/** Records stop requests per instance; `unreachable` ids are never reached. */
export class MemoryWorkerControl implements WorkerControl {
  readonly stops = new Map<string, number>();
  readonly unreachable = new Set<string>();

  constructor(readonly kind: 'agent' | 'ssm' | 'http' = 'ssm') {}

  async requestStop(instances: readonly WaitingInstance[]): Promise<Set<string>> {
    const reached = new Set<string>();
    for (const i of instances) {
      if (this.unreachable.has(i.instanceId)) continue;
      this.stops.set(i.instanceId, (this.stops.get(i.instanceId) ?? 0) + 1);
      reached.add(i.instanceId);
    }
    return reached;
  }
}

/** Tallies metrics the way EMF would aggregate them. */
export class TallyMetrics implements ControllerMetrics {
  readonly counts = new Map<ControllerCounter, number>();
  readonly gauges = new Map<ControllerGauge, number[]>();
  count(name: ControllerCounter, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
  /** Appends in place: a copy per call made a long simulation quadratic in its days (14 days: 79 s → 23 s). */
  gauge(name: ControllerGauge, value: number): void {
    const values = this.gauges.get(name);
    if (values) values.push(value);
    else this.gauges.set(name, [value]);
  }
}

/** Keeps log lines for assertions (or discards them with `quiet`). */
export class MemoryLog implements ControllerLog {
  readonly lines: { level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }[] = [];
  constructor(private readonly quiet = false) {}
  info(message: string, fields?: Record<string, unknown>): void {
    if (!this.quiet) this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    if (!this.quiet) this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
}
