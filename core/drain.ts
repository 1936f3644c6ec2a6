/**
 * The drain decision: given what is durably known about one instance in Terminating:Wait and what its
 * worker reported, decide whether to complete its lifecycle action, force it, send a heartbeat, or wait.
 * Pure: no SDK, no environment, no clock. Times are epoch milliseconds passed in.
 */
import { FORCE_MARGIN_SECONDS, globalTimeoutFor } from './lifecycle-limits';

/** One running-task count for an instance, at the time the worker measured it. */
export interface TaskReading {
  readonly at: number;
  readonly runningTasks: number;
  /**
   * How long, at `at`, the oldest of those tasks had run; only read when asked for (the termination
   * policy's tie-break) and only from sources that know it. 0 with no tasks.
   */
  readonly oldestTaskAgeSeconds?: number;
}

/** What the durable drain record says about an instance (see ports.DrainRecord). */
export interface DrainState {
  /** When the instance entered Terminating:Wait (the lifecycle event's time, or the sweep's first sight). */
  readonly waitStartedAt: number;
  /** When the drain must end; starts at waitStartedAt + drain timeout, an operator may move it. */
  readonly deadlineAt: number;
  /** When Auto Scaling's hook times out unless a heartbeat is sent: last heartbeat (or start) + heartbeat timeout. */
  readonly hookExpiresAt: number;
  /** The hook's heartbeat timeout, which also fixes its global timeout. */
  readonly heartbeatTimeoutSeconds: number;
  /** When the worker was told to stop taking work; undefined until that succeeded. */
  readonly stopSentAt?: number;
  /** When the worker's own agent reported it drained (verified by the controller, kept durably). */
  readonly drainedAt?: number;
}

/** What the task source observed. */
export interface TaskObservation {
  /** Readings, any order; only those taken after the stop signal count towards idle. */
  readonly readings: readonly TaskReading[];
  /** When the worker reported its graceful shutdown complete, if it did. */
  readonly drainedAt?: number;
}

/** Tunables of the idle test and heartbeat timing. */
export interface DrainPolicy {
  /** Consecutive fresh zero readings, taken after the stop signal, that make an instance idle. */
  readonly idleReadings: number;
  /** A reading older than this is stale: it says nothing about now. */
  readonly readingMaxAgeSeconds: number;
  /** Send the heartbeat this long before the hook would expire; more than one sweep period. */
  readonly heartbeatLeadSeconds: number;
  /**
   * Readings taken less than this long after the stop do not count towards idle: until then the
   * coordinator may still schedule work to the worker. For Trino this is the worker's
   * `shutdown.grace-period`, the window Trino itself leaves the coordinator to notice the shutdown.
   */
  readonly stopSettleSeconds: number;
}

/** Trino's default `shutdown.grace-period` (Trino docs, "Graceful shutdown"): 2 minutes. */
export const TRINO_DEFAULT_GRACE_SECONDS = 120;

/**
 * Defaults: three zero readings (30 s at the agent's 10 s period), fresh within 2 minutes, heartbeat 5
 * minutes early, and only readings taken a Trino grace period after the stop.
 */
export const DEFAULT_DRAIN_POLICY: DrainPolicy = {
  idleReadings: 3,
  readingMaxAgeSeconds: 120,
  heartbeatLeadSeconds: 300,
  stopSettleSeconds: TRINO_DEFAULT_GRACE_SECONDS,
};

/** Why an instance is still waiting. */
export type WaitReason =
  | 'awaiting-stop' // the worker has not been told to stop yet
  | 'settling' // stopped so recently that the coordinator may still schedule to the worker
  | 'busy' // the newest fresh reading is above zero
  | 'confirming-idle' // fresh zeros, fewer than idleReadings of them so far
  | 'stale' // readings exist, none fresh and after the stop
  | 'no-data'; // nothing at all: unknown is never idle

export type DrainDecision =
  | { readonly action: 'complete'; readonly reason: 'idle' | 'drained' }
  | { readonly action: 'force'; readonly runningTasks: number | undefined; readonly deadlineAt: number }
  | {
      readonly action: 'wait';
      readonly reason: WaitReason;
      /** Send RecordLifecycleActionHeartbeat now: the hook would otherwise expire before the deadline. */
      readonly heartbeat: boolean;
      readonly runningTasks: number | undefined;
      readonly deadlineAt: number;
    };

/**
 * The deadline actually enforced: the record's, but never later than the hook's global timeout less the
 * force margin, so the force is always ours and recorded, never Auto Scaling's silent timeout.
 */
export function effectiveDeadline(state: DrainState): number {
  const globalCap = state.waitStartedAt + (globalTimeoutFor(state.heartbeatTimeoutSeconds) - FORCE_MARGIN_SECONDS) * 1000;
  return Math.min(state.deadlineAt, globalCap);
}

/** The newest reading, if any. */
export function latestReading(readings: readonly TaskReading[]): TaskReading | undefined {
  let best: TaskReading | undefined;
  for (const r of readings) if (!best || r.at > best.at) best = r;
  return best;
}

/** Decides what to do with one waiting instance now. */
export function decideDrain(state: DrainState, observed: TaskObservation, now: number, policy: DrainPolicy = DEFAULT_DRAIN_POLICY): DrainDecision {
  const deadlineAt = effectiveDeadline(state);
  const newest = latestReading(observed.readings);

  // Drained: the worker exited after its shutdown, or its agent saw the coordinator stop scheduling to it
  // with no task left. Only a report made after the stop can say that.
  const drainedAt = Math.max(observed.drainedAt ?? -Infinity, state.drainedAt ?? -Infinity);
  if (state.stopSentAt !== undefined && drainedAt >= state.stopSentAt) {
    return { action: 'complete', reason: 'drained' };
  }

  const idle = idleStatus(state, observed.readings, now, policy);
  if (idle.reason === 'idle') return { action: 'complete', reason: 'idle' };

  if (now >= deadlineAt) return { action: 'force', runningTasks: newest?.runningTasks, deadlineAt };

  // Heartbeat only when the hook would expire before deadline + margin (a drain longer than one
  // heartbeat period); shorter drains are covered by the heartbeat timeout itself.
  const hookTooShort = state.hookExpiresAt < deadlineAt + FORCE_MARGIN_SECONDS * 1000;
  const heartbeat = hookTooShort && now >= state.hookExpiresAt - policy.heartbeatLeadSeconds * 1000;
  return { action: 'wait', reason: idle.reason, heartbeat, runningTasks: newest?.runningTasks, deadlineAt };
}

function idleStatus(state: DrainState, readings: readonly TaskReading[], now: number, policy: DrainPolicy): { reason: WaitReason | 'idle' } {
  if (state.stopSentAt === undefined) return { reason: 'awaiting-stop' };
  if (readings.length === 0) return { reason: 'no-data' };
  // Only readings the worker took after it was told to stop: an earlier zero says nothing about work it
  // may have accepted since.
  const afterStop = readings.filter((r) => r.at >= state.stopSentAt! && r.at <= now).sort((a, b) => b.at - a.at);
  const newest = afterStop[0];
  // And only zeros taken once the coordinator can no longer schedule to it count towards idle: inside
  // Trino's grace period a zero says nothing about work the coordinator may still send.
  const settledAt = state.stopSentAt + policy.stopSettleSeconds * 1000;
  if (!newest || now - newest.at > policy.readingMaxAgeSeconds * 1000) return { reason: now < settledAt ? 'settling' : 'stale' };
  if (newest.runningTasks > 0) return { reason: 'busy' };
  const settled = afterStop.filter((r) => r.at >= settledAt);
  const zeros = settled.findIndex((r) => r.runningTasks !== 0);
  const streak = zeros === -1 ? settled.length : zeros;
  if (streak >= policy.idleReadings) return { reason: 'idle' };
  return { reason: settled.length === 0 ? 'settling' : 'confirming-idle' };
}
