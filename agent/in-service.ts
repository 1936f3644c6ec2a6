/**
 * The worker's start gate: `agent.js wait-in-service` returns only once Auto Scaling means this instance
 * to serve, so a worker unit ordered after it never joins the coordinator from a warm pool.
 *
 * An instance launched into a warm pool boots, runs its user data and starts its services, and Auto
 * Scaling then stops it without waiting for them ("As soon as an instance finishes launching into the
 * warm pool, Amazon EC2 Auto Scaling stops or hibernates the instance": user guide, "Use lifecycle hooks
 * with a warm pool"). A worker started at that first boot joins the coordinator, takes tasks, and is
 * stopped under them; with a lifecycle hook holding the instance in `Warmed:Pending:Wait`, for minutes.
 * No drain runs: the instance is not terminating. The instance's own view of where it is going is IMDS's
 * `autoscaling/target-lifecycle-state` (user guide, "Retrieve the target lifecycle state through
 * instance metadata"): `Warmed:Stopped`, `Warmed:Running` or `Warmed:Hibernated` on the way into the
 * pool, `InService` on the way into the group, whether launched directly or started from the pool.
 */
import { ImdsClient, readTargetLifecycleState } from './imds';
import { AgentLog, message } from './log';
import { sleep } from './waits';

export interface GateOptions {
  /** Seconds between reads of the target lifecycle state. */
  readonly pollSeconds: number;
  /**
   * Seconds of answers with no lifecycle state (404), from the first answer, after which the instance is
   * taken to be in no Auto Scaling group and the worker may start.
   */
  readonly absentGraceSeconds: number;
  /**
   * Seconds IMDS may fail (unreachable, 5xx) before it has answered once; the gate retries with capped
   * exponential backoff and jitter until then, and then refuses (fails closed).
   */
  readonly imdsLimitSeconds: number;
}

/**
 * IMDS answers errors for a while at boot on some instances (a 500 for the first half minute has been
 * seen): the limit is well past that, and far below the time an operator would notice a missing worker.
 */
export const DEFAULT_IMDS_LIMIT_SECONDS = 300;
export const DEFAULT_GATE_OPTIONS: GateOptions = { pollSeconds: 1, absentGraceSeconds: 30, imdsLimitSeconds: DEFAULT_IMDS_LIMIT_SECONDS };
/** The longest wait between two reads after errors: a recovered IMDS is noticed within this. */
export const MAX_BACKOFF_SECONDS = 8;

/**
 * The wait before the next read after `failures` consecutive errors: the poll interval doubled per
 * failure, capped, with "equal jitter" (half fixed, half random) so instances booted together do not
 * retry in step, and never less than half the capped delay.
 */
export function backoffSeconds(pollSeconds: number, failures: number, random: () => number = Math.random): number {
  const capped = Math.min(MAX_BACKOFF_SECONDS, pollSeconds * 2 ** Math.min(failures, 30));
  return capped / 2 + (capped / 2) * random();
}

export type GateOutcome =
  /** Start the worker: Auto Scaling puts the instance in service (or it has left the group). */
  | { readonly start: true; readonly state: string | undefined; readonly waitedSeconds: number }
  /** Do not start it: the instance is being terminated, IMDS never answered, or the wait was stopped. */
  | { readonly start: false; readonly state: string | undefined; readonly waitedSeconds: number; readonly reason: string };

/** Steady states a worker may serve in (`Detached`: the group no longer manages the instance). */
const SERVE = new Set(['InService', 'Detached']);
/** Steady states on the way out: starting a worker there only sets up a kill. */
const REFUSE = new Set(['Terminated', 'Warmed:Terminated']);

/**
 * Waits until the target lifecycle state says the instance will serve. A warm pool's states and
 * `Standby` hold it; so does a state this code does not know, since a worker that starts late costs
 * time, one that starts in the wrong place costs queries.
 */
export async function waitForInService(imds: ImdsClient, options: GateOptions, log: AgentLog, signal: AbortSignal): Promise<GateOutcome> {
  const started = Date.now();
  const waited = () => (Date.now() - started) / 1000;
  /** When IMDS first answered (a state or a 404); a lifecycle state was seen at least once. */
  let firstAnswerAt: number | undefined;
  let lastState: string | undefined;
  let lastShown: string | undefined;
  /** Consecutive errors: the backoff's exponent. */
  let failures = 0;
  for (;;) {
    if (signal.aborted) return { start: false, state: lastState, waitedSeconds: waited(), reason: 'stopped while waiting (the instance is shutting down)' };
    let state: string | undefined;
    let error: string | undefined;
    try {
      state = await readTargetLifecycleState(imds);
      firstAnswerAt ??= Date.now();
      failures = 0;
    } catch (e) {
      error = message(e);
      failures++;
    }
    if (state !== undefined) lastState = state;
    if (state !== undefined && SERVE.has(state)) {
      log.info('instance in service: the worker may start', { targetLifecycleState: state, waitedSeconds: waited() });
      return { start: true, state, waitedSeconds: waited() };
    }
    if (state !== undefined && REFUSE.has(state)) {
      const reason = `the target lifecycle state is ${state}: the instance is being terminated and the worker must not start`;
      log.warn('worker start refused', { targetLifecycleState: state, reason });
      return { start: false, state, waitedSeconds: waited(), reason };
    }
    if (state === undefined && error === undefined && lastState === undefined && firstAnswerAt !== undefined && (Date.now() - firstAnswerAt) / 1000 >= options.absentGraceSeconds) {
      // 404 from the first answer on: IMDS answers, and Auto Scaling has set no lifecycle state: the
      // instance is in no group. Once a state was seen, a 404 releases nothing.
      log.warn('no target lifecycle state: not in an Auto Scaling group; the worker may start', { waitedSeconds: waited() });
      return { start: true, state: undefined, waitedSeconds: waited() };
    }
    if (error !== undefined && firstAnswerAt === undefined && waited() >= options.imdsLimitSeconds) {
      // Fail closed: without IMDS nobody can tell whether this instance is going into a warm pool.
      const reason = `instance metadata unreachable for ${Math.round(waited())} s, the gate's limit (--imds-limit-seconds ${options.imdsLimitSeconds}), last error: ${error}; cannot tell whether the instance is in service`;
      log.error('worker start refused: instance metadata never answered', { reason, attempts: failures });
      return { start: false, state: undefined, waitedSeconds: waited(), reason };
    }
    // One line each time what it reads changes, not one per poll.
    const shown = state ?? (error !== undefined ? 'unreachable' : 'none yet');
    if (shown !== lastShown) {
      if (state !== undefined) log.info('holding the worker until the instance is in service', { targetLifecycleState: state });
      else if (error !== undefined) log.warn('target lifecycle state unavailable; retrying with backoff', { error, limitSeconds: firstAnswerAt === undefined ? options.imdsLimitSeconds : undefined });
      lastShown = shown;
    }
    let delay = error !== undefined ? backoffSeconds(options.pollSeconds, failures - 1) : options.pollSeconds;
    // Before the first answer, never sleep past the limit: the refusal comes on time.
    if (error !== undefined && firstAnswerAt === undefined) delay = Math.max(0, Math.min(delay, options.imdsLimitSeconds - waited()));
    await sleep(delay * 1000, signal);
  }
}

/** `wait-in-service [--poll-seconds N] [--absent-grace-seconds N] [--imds-limit-seconds N]`: the options, or a usage error. */
export function parseGateArgs(args: readonly string[]): GateOptions {
  const out: { -readonly [K in keyof GateOptions]: number } = { ...DEFAULT_GATE_OPTIONS };
  const limits = { '--poll-seconds': ['pollSeconds', 0.1, 60], '--absent-grace-seconds': ['absentGraceSeconds', 0, 3600], '--imds-limit-seconds': ['imdsLimitSeconds', 0, 3600] } as const;
  for (let i = 0; i < args.length; i++) {
    const eq = args[i].indexOf('=');
    const flag = eq < 0 ? args[i] : args[i].slice(0, eq);
    const inline = eq < 0 ? undefined : args[i].slice(eq + 1);
    const limit = limits[flag as keyof typeof limits];
    if (!limit) throw new Error(`wait-in-service: unknown argument ${JSON.stringify(args[i])}; usage: wait-in-service [--poll-seconds N] [--absent-grace-seconds N] [--imds-limit-seconds N]`);
    const text = inline ?? args[++i];
    const value = Number(text);
    if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < limit[1] || value > limit[2]) {
      throw new Error(`wait-in-service: ${flag} ${JSON.stringify(text ?? '')} must be a number of seconds from ${limit[1]} to ${limit[2]}`);
    }
    out[limit[0]] = value;
  }
  return out;
}
