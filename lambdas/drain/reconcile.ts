/**
 * One pass of the drain controller over a set of waiting instances: record them durably, tell their
 * workers to stop, read their task counts, and act on the domain's decision. The event handler, the
 * sweep and the simulator all run this same code against their own ports.
 */
import { DrainDecision, TaskReading, decideDrain, effectiveDeadline, latestReading } from '../../core/drain';
import { FORCE_MARGIN_SECONDS } from '../../core/lifecycle-limits';
import { DrainedBy } from '../../core/drain-report';
import { ControllerSettings, managedGroup, policyForGroup } from '../../core/contract/lambda-settings';
import {
  ControllerLog,
  ControllerMetrics,
  DrainOutcome,
  DrainRecord,
  DrainStore,
  Fleet,
  TaskCounts,
  WaitingInstance,
  WorkerControl,
} from '../../core/ports';
import { mapSettled } from '../../core/util/concurrency';
import { capError } from '../../core/util/log-text';

/** An instance missing from Terminating:Wait this long after its drain began has left the wait. */
export const ORPHAN_GRACE_MS = 120_000;
/** Task counts are read from at most this far back: only the newest readings decide. */
export const READ_WINDOW_MS = 10 * 60_000;

export interface ControllerDeps {
  readonly fleet: Fleet;
  readonly taskCounts: TaskCounts;
  readonly workerControl: WorkerControl;
  readonly store: DrainStore;
  readonly metrics: ControllerMetrics;
  readonly log: ControllerLog;
  readonly settings: ControllerSettings;
  readonly now: () => number;
}

export interface ReconcileOptions {
  /** A sweep sees every waiting instance, so records it does not see have left the wait. */
  readonly sweep: boolean;
  /**
   * Start no new per-instance action after this time (the function's own timeout less a margin). What is
   * left is deferred to the next pass, nearest deadlines having gone first.
   */
  readonly stopBy?: number;
  /**
   * Verified "worker drained" reports from the instances' agents (sender and Auto Scaling state already
   * checked by the caller). Recorded durably first, so a completion that fails now is made by the sweep.
   */
  readonly drainReports?: ReadonlyMap<string, DrainedBy>;
}

/** What one pass did, per instance, for logs, tests and the simulator. */
export interface ReconcileSummary {
  readonly waiting: number;
  readonly decisions: ReadonlyMap<string, DrainDecision>;
  readonly finished: ReadonlyMap<string, DrainOutcome>;
  readonly stopsSent: number;
  readonly heartbeats: number;
  readonly errors: number;
  /** Instances left for the next pass because the time budget ran out. */
  readonly deferred: number;
}

export async function reconcile(deps: ControllerDeps, waiting: readonly WaitingInstance[], options: ReconcileOptions): Promise<ReconcileSummary> {
  const { store, fleet, settings, log, metrics } = deps;
  const limit = settings.writeConcurrency;
  const now = deps.now();
  const decisions = new Map<string, DrainDecision>();
  const finished = new Map<string, DrainOutcome>();
  let errors = 0;
  const failed = (instanceId: string, step: string, reason: unknown) => {
    errors++;
    metrics.count('InstanceErrors');
    log.error('drain step failed; the next pass retries it', { instanceId, step, error: capError(reason) });
  };

  const managed = waiting.filter((w) => managedGroup(settings, w.groupName) !== undefined);
  const active = new Map((await store.listActive()).map((r) => [r.instanceId, r]));

  // 1. A durable record for every instance first seen now: the deadline survives any restart.
  let unseen = managed.filter((w) => !active.has(w.instanceId));
  if (unseen.length > 0 && options.sweep) {
    // The sweep's list is a snapshot, possibly stale by the time it gets here (Auto Scaling's Describe* is
    // eventually consistent, and a long pass ages it): re-check before claiming, so no drain is started
    // for an instance another pass just completed.
    // If the re-check itself fails (throttled), new instances wait for the next sweep; drains already
    // recorded still get their pass.
    const still = await fleet.filterWaiting(unseen).then(
      (w) => new Set(w.map((i) => i.instanceId)),
      (e) => {
        log.warn('re-check of newly listed instances failed; they are claimed next pass', { instances: unseen.length, error: capError(e) });
        return new Set<string>();
      },
    );
    unseen = unseen.filter((w) => still.has(w.instanceId));
  }
  const started = await waitStartTimes(deps, unseen, now);
  const claimed = await mapSettled(unseen, limit, (w) => store.claimFirstSeen(newRecord(deps, w, started.get(w.instanceId) ?? now)));
  claimed.forEach((r, i) => {
    if (r.status === 'rejected') return failed(unseen[i].instanceId, 'record', r.reason);
    if (r.value) active.set(r.value.instanceId, r.value);
    // Its drain already finished: Auto Scaling's view lags the completion. A completed drain stays completed.
    else log.info('drain already finished; stale listing ignored', { instanceId: unseen[i].instanceId });
  });
  const records = managed.map((w) => active.get(w.instanceId)).filter((r): r is DrainRecord => r !== undefined);

  // 1b. Verified drain reports, once each: the durable record says "drained" whatever happens next.
  const reported = records.filter((r) => r.drainedAt === undefined && options.drainReports?.has(r.instanceId));
  const marked = await mapSettled(reported, limit, (r) => store.markDrained(r.instanceId, now, options.drainReports!.get(r.instanceId)!));
  marked.forEach((m, i) => {
    if (m.status === 'rejected') return failed(reported[i].instanceId, 'mark-drained', m.reason);
    if (m.value) active.set(reported[i].instanceId, { ...active.get(reported[i].instanceId)!, drainedAt: now, drainedBy: options.drainReports!.get(reported[i].instanceId) });
  });

  // 2. Stop new work, once: claim, send, then mark sent. A send that fails is retried after the claim lapses.
  let stopsSent = 0;
  const needStop = records.filter((r) => r.stopSentAt === undefined && !(r.stopClaimUntil !== undefined && r.stopClaimUntil > now));
  if (needStop.length > 0) {
    const claims = await mapSettled(needStop, limit, (r) => store.claimStop(r.instanceId, now, now + settings.stopClaimSeconds * 1000));
    const ours = needStop.filter((_, i) => claims[i].status === 'fulfilled' && (claims[i] as PromiseFulfilledResult<boolean>).value);
    if (ours.length > 0) {
      const reached = await deps.workerControl.requestStop(ours).catch((e) => {
        log.error('stop request failed', { instances: ours.length, error: capError(e) });
        return new Set<string>();
      });
      const sent = ours.filter((r) => reached.has(r.instanceId));
      const marks = await mapSettled(sent, limit, (r) => store.markStopSent(r.instanceId, now));
      marks.forEach((m, i) => {
        if (m.status === 'rejected') return failed(sent[i].instanceId, 'mark-stop', m.reason);
        stopsSent++;
        active.set(sent[i].instanceId, { ...sent[i], stopSentAt: now, stopClaimUntil: undefined });
      });
      metrics.count('StopRequests', sent.length);
      for (const r of ours) if (!reached.has(r.instanceId)) log.warn('worker not reached by stop request; retried next pass', { instanceId: r.instanceId });
    }
  }

  // 3. Task counts, in batches the source allows.
  const current = records.map((r) => active.get(r.instanceId)!);
  const since = Math.max(now - READ_WINDOW_MS, Math.min(...current.map((r) => r.stopSentAt ?? r.waitStartedAt)));
  let readings: Awaited<ReturnType<TaskCounts['read']>> = new Map();
  if (current.length > 0) {
    try {
      readings = await deps.taskCounts.read(current, since, now);
    } catch (e) {
      // Unknown is never idle: every instance waits this pass, and the deadline still applies.
      log.error('task counts unavailable this pass', { error: capError(e) });
    }
  }

  // 4. Decide and act, one instance at a time, none able to stop the others; nearest deadline first so a
  // pass that runs out of time has spent it where it matters.
  current.sort((a, b) => a.deadlineAt - b.deadlineAt);
  let heartbeats = 0;
  let deferred = 0;
  const acted = await mapSettled(current, limit, async (record) => {
    if (options.stopBy !== undefined && deps.now() > options.stopBy) {
      deferred++;
      return;
    }
    const observed = readings.get(record.instanceId) ?? { readings: [] };
    let samples = observed.readings;
    if (!deps.taskCounts.keepsHistory) {
      samples = mergeReadings(record.readings, observed.readings, settings.policy.idleReadings + 1);
      if (observed.readings.length > 0) await store.saveReadings(record.instanceId, samples);
    }
    const policy = policyForGroup(settings, managedGroup(settings, record.groupName)!);
    const decision = decideDrain(record, { readings: samples, drainedAt: observed.drainedAt }, now, policy);
    decisions.set(record.instanceId, decision);
    const instance = { instanceId: record.instanceId, groupName: record.groupName };

    if (decision.action === 'complete' || decision.action === 'force') {
      const written = await fleet.completeLifecycleAction(instance, settings.hookName, 'CONTINUE');
      const outcome: DrainOutcome = written === 'gone' ? 'left-wait' : decision.action === 'force' ? 'forced' : decision.reason;
      const runningTasksAtEnd = decision.action === 'force' ? decision.runningTasks : outcome === 'left-wait' ? latestReading(samples)?.runningTasks : 0;
      if (await store.finish(record, { outcome, completedAt: now, runningTasksAtEnd })) {
        finished.set(record.instanceId, outcome);
        reportFinished(deps, record, outcome, now, runningTasksAtEnd);
      }
      return;
    }
    if (decision.heartbeat) {
      const written = await fleet.recordHeartbeat(instance, settings.hookName);
      if (written === 'gone') {
        if (await store.finish(record, { outcome: 'left-wait', completedAt: now, runningTasksAtEnd: decision.runningTasks })) {
          finished.set(record.instanceId, 'left-wait');
          reportFinished(deps, record, 'left-wait', now, decision.runningTasks);
        }
        return;
      }
      await store.recordHeartbeat(record.instanceId, now, now + record.heartbeatTimeoutSeconds * 1000);
      heartbeats++;
      metrics.count('Heartbeats');
    }
  });
  acted.forEach((a, i) => a.status === 'rejected' && failed(current[i].instanceId, 'act', a.reason));

  // 5. A sweep sees every waiting instance: records it no longer sees have left the wait (completed by
  // a pass that died before recording it, by an operator, or by the hook's own timeout).
  if (options.sweep) {
    const seen = new Set(managed.map((w) => w.instanceId));
    const orphans = [...active.values()].filter((r) => !seen.has(r.instanceId) && now - r.waitStartedAt > ORPHAN_GRACE_MS);
    const done = await mapSettled(orphans, limit, async (r) => {
      const runningTasksAtEnd = latestReading(r.readings)?.runningTasks;
      if (await store.finish(r, { outcome: 'left-wait', completedAt: now, runningTasksAtEnd })) {
        finished.set(r.instanceId, 'left-wait');
        reportFinished(deps, r, 'left-wait', now, runningTasksAtEnd);
      }
    });
    done.forEach((d, i) => d.status === 'rejected' && failed(orphans[i].instanceId, 'orphan', d.reason));
    const still = [...active.values()].filter((r) => !finished.has(r.instanceId) && seen.has(r.instanceId));
    metrics.gauge('InstancesDraining', still.length, 'Count');
    metrics.gauge('OldestDrainAgeSeconds', still.length ? (now - Math.min(...still.map((r) => r.waitStartedAt))) / 1000 : 0, 'Seconds');
    // Drains that should have been forced by now (deadline + two sweeps) yet still wait: the alarm's signal.
    metrics.gauge('DrainsPastDeadline', still.filter((r) => now > effectiveDeadline(r) + FORCE_MARGIN_SECONDS * 1000).length, 'Count');
  }

  if (deferred > 0) log.warn('time budget spent; instances deferred to the next pass', { deferred });
  return { waiting: managed.length, decisions, finished, stopsSent, heartbeats, errors, deferred };
}

/**
 * When each new drain's wait began: Auto Scaling's own record of the termination (DescribeScalingActivities),
 * never later than now. An instance without one starts at first sight. A lifecycle event's `time` is a
 * claim anyone able to send to the queue can forge: an old one would force a busy worker at once, a
 * future one would put the force off; it never sets a deadline.
 */
async function waitStartTimes(deps: ControllerDeps, instances: readonly WaitingInstance[], now: number): Promise<Map<string, number>> {
  if (instances.length === 0) return new Map();
  try {
    const times = await deps.fleet.terminationStartTimes(instances);
    for (const [id, t] of times) times.set(id, Math.min(t, now));
    return times;
  } catch (e) {
    deps.log.warn('scaling activities unavailable; new drains start at first sight', { instances: instances.length, error: capError(e) });
    return new Map();
  }
}

function newRecord(deps: ControllerDeps, w: WaitingInstance, waitStartedAt: number): DrainRecord {
  const group = managedGroup(deps.settings, w.groupName)!;
  return {
    instanceId: w.instanceId,
    groupName: w.groupName,
    fleet: group.fleet,
    waitStartedAt,
    deadlineAt: waitStartedAt + group.drainTimeoutSeconds * 1000,
    hookExpiresAt: waitStartedAt + group.heartbeatTimeoutSeconds * 1000,
    heartbeatTimeoutSeconds: group.heartbeatTimeoutSeconds,
    // The on-instance agent stops the worker itself when IMDS says the instance is going away.
    stopSentAt: deps.workerControl.kind === 'agent' ? waitStartedAt : undefined,
    heartbeats: 0,
    readings: [],
  };
}

/** Keeps the newest `keep` readings of both lists, without duplicates. */
export function mergeReadings(kept: readonly TaskReading[], fresh: readonly TaskReading[], keep: number): TaskReading[] {
  const byTime = new Map<number, TaskReading>();
  for (const r of [...kept, ...fresh]) byTime.set(r.at, r);
  return [...byTime.values()].sort((a, b) => a.at - b.at).slice(-keep);
}

function reportFinished(deps: ControllerDeps, record: DrainRecord, outcome: DrainOutcome, now: number, runningTasks: number | undefined): void {
  const seconds = (now - record.waitStartedAt) / 1000;
  deps.metrics.gauge('DrainDurationSeconds', seconds, 'Seconds');
  if (record.drainedAt !== undefined) deps.metrics.gauge('DrainedToCompletedSeconds', (now - record.drainedAt) / 1000, 'Seconds');
  const fields = { instanceId: record.instanceId, groupName: record.groupName, fleet: record.fleet, outcome, drainSeconds: seconds, runningTasks, ...(record.drainedBy ? { drainedBy: record.drainedBy } : {}) };
  if (outcome === 'forced') {
    deps.metrics.count('ForcedTerminations');
    deps.metrics.count('TasksKilled', runningTasks ?? 0);
    deps.log.warn('drain deadline reached: termination forced', { ...fields, tasksKilled: runningTasks ?? 'unknown' });
  } else if (outcome === 'left-wait') {
    deps.metrics.count('LeftWait');
    deps.log.warn('instance left Terminating:Wait without this controller completing it', fields);
  } else {
    deps.metrics.count('GracefulCompletions');
    deps.log.info('drained gracefully: lifecycle action completed', fields);
  }
}
