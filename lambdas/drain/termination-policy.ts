import { DrainPolicy, latestReading } from '../../core/drain';
import { CandidateLoad, CapacityToTerminate, TerminationCandidate, chooseLeastBusy } from '../../core/termination-choice';
import { capError, capText, capValue } from '../../core/util/log-text';
import { ControllerLog, InstanceDetails, ReadingsStore, StragglerFindings, TaskCounts } from '../../core/ports';
import { taskReadingsOf } from '../../core/worker-readings';

/** Auto Scaling's request to a custom termination policy (user guide, "Create a custom termination policy with Lambda"). */
export interface TerminationPolicyRequest {
  readonly AutoScalingGroupARN?: string;
  readonly AutoScalingGroupName: string;
  readonly CapacityToTerminate: readonly { AvailabilityZone: string; Capacity: number; InstanceMarketOption: string }[];
  readonly Instances: readonly { AvailabilityZone: string; InstanceId: string; InstanceType?: string; InstanceMarketOption: string }[];
  readonly Cause?: string;
  readonly HasMoreInstances?: boolean;
}

export interface TerminationPolicyDeps {
  readonly taskCounts: TaskCounts;
  readonly instances: InstanceDetails;
  readonly policy: DrainPolicy;
  readonly log: ControllerLog;
  readonly now: () => number;
  /** Auto Scaling gives the function 2 s; past this budget it answers with Auto Scaling's own suggestion. */
  readonly budgetMs: number;
  /**
   * Milliseconds this execution environment spent starting before its first call (a cold start's init),
   * which count against Auto Scaling's 2 s too; asked on the first call only. @default none
   */
  readonly initMs?: () => number;
  /**
   * The straggler detector's findings (BottleneckedMinutes per instance), for fleets that detect them:
   * among equally busy instances a straggler goes first. Unreadable counts as no straggler. @default none
   */
  readonly stragglers?: StragglerFindings;
  /**
   * The agents' in-service readings, sent once a minute through the readings queue (one Query for the
   * group). Read beside `taskCounts`, which then holds only what terminating instances publish: each
   * candidate is ranked on its newest reading from either. @default none (the metric alone)
   */
  readonly readings?: Pick<ReadingsStore, 'read'>;
}

/**
 * A minute's readings are sent together, early in the next minute: a message sent within the freshness
 * limit can hold readings up to a minute older than it.
 */
const READINGS_SENT_SLACK_MS = 60_000;

/** A choice log names at most this many instances (a scale-in rarely removes more at once). */
const CHOICES_LOGGED = 50;

/** Kept free of the 2 s for the invocation's round trip between Auto Scaling, Lambda and back. */
export const ROUND_TRIP_MARGIN_MS = 300;

/** Auto Scaling waits at most 2 seconds for a custom termination policy (same guide, "Limitations"). */
export const TERMINATION_POLICY_LIMIT_MS = 2000;

/**
 * Offers the least-busy instances first so drains end sooner and fewer tasks are forced. On bad input,
 * a failure or a timeout it returns every suggested instance: Auto Scaling then applies its default policy
 * among them, so a scale-in is never blocked by this function.
 */
export function makeTerminationPolicyHandler(deps: TerminationPolicyDeps) {
  let firstCall = true;
  return async (request: TerminationPolicyRequest): Promise<{ InstanceIDs: string[] }> => {
    // A cold start's init already used part of the 2 s: the first call's budget is what is left of it.
    // An environment up for longer than the 2 s was started ahead of this call (Lambda's proactive
    // initialization reports itself as on-demand too), so this call did not wait for it.
    const sinceStart = firstCall ? (deps.initMs?.() ?? 0) : 0;
    const initMs = sinceStart > TERMINATION_POLICY_LIMIT_MS ? 0 : sinceStart;
    firstCall = false;
    const budgetMs = Math.min(deps.budgetMs, TERMINATION_POLICY_LIMIT_MS - ROUND_TRIP_MARGIN_MS - initMs);
    const suggested = Array.isArray(request?.Instances) ? request.Instances.map((i) => i.InstanceId).filter((id) => typeof id === 'string') : [];
    if (typeof request?.AutoScalingGroupName !== 'string' || !Array.isArray(request.CapacityToTerminate) || suggested.length === 0) {
      deps.log.warn('termination policy request not understood; deferring to the default policy', { request: capValue(request) });
      return { InstanceIDs: suggested };
    }
    if (budgetMs <= 0) {
      // Answering late is worse than answering plainly: Auto Scaling would wait and ask again.
      deps.log.warn('cold start used the time to read task counts; deferring to the default policy', { groupName: capText(request.AutoScalingGroupName), initMs: Math.round(initMs) });
      return { InstanceIDs: suggested };
    }
    const candidates: TerminationCandidate[] = request.Instances.map((i) => ({ instanceId: i.InstanceId, availabilityZone: i.AvailabilityZone, marketOption: i.InstanceMarketOption }));
    const capacity: CapacityToTerminate[] = request.CapacityToTerminate.map((c) => ({ availabilityZone: c.AvailabilityZone, capacity: c.Capacity, marketOption: c.InstanceMarketOption }));
    const now = deps.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const load = await Promise.race([
        readLoad(deps, request.AutoScalingGroupName, candidates, now),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(budgetMs)} ms`)), budgetMs);
        }),
      ]);
      const chosen = chooseLeastBusy(capacity, candidates, load);
      // Bounded whatever the request held: the first CHOICES_LOGGED choices with their loads, and the count.
      const logged = chosen.slice(0, CHOICES_LOGGED);
      deps.log.info('termination choice', {
        groupName: capText(request.AutoScalingGroupName),
        cause: capValue(request.Cause),
        chosenCount: chosen.length,
        chosen: logged.map((id) => capText(id)),
        load: Object.fromEntries(logged.map((id) => [capText(id), load.get(id)])),
      });
      return { InstanceIDs: chosen };
    } catch (e) {
      deps.log.warn('task counts unavailable; deferring to the default policy', { groupName: capText(request.AutoScalingGroupName), error: capError(e) });
      return { InstanceIDs: suggested };
    } finally {
      clearTimeout(timer);
    }
  };
}

async function readLoad(deps: TerminationPolicyDeps, groupName: string, candidates: readonly TerminationCandidate[], now: number): Promise<Map<string, CandidateLoad>> {
  const instances = candidates.map((c) => ({ instanceId: c.instanceId, groupName }));
  const maxAgeMs = deps.policy.readingMaxAgeSeconds * 1000;
  const ids = candidates.map((c) => c.instanceId);
  const [metricReadings, stored, details, bottlenecked] = await Promise.all([
    deps.taskCounts.read(instances, now - maxAgeMs, now, { taskAges: true }),
    // Only messages SQS stamped within the freshness limit: a late or missing one is no data, never zero.
    deps.readings?.read(groupName, now - maxAgeMs - READINGS_SENT_SLACK_MS),
    deps.instances.describe(ids),
    // A tie-breaker only: when it cannot be read, the choice is made without it rather than deferred.
    deps.stragglers?.read(groupName, ids, now).catch((e) => {
      deps.log.warn('straggler findings unavailable; choosing without them', { groupName: capText(groupName), error: capError(e) });
      return undefined;
    }),
  ]);
  const fromStore = stored ? taskReadingsOf(stored, groupName, ids) : new Map();
  const load = new Map<string, CandidateLoad>();
  for (const c of candidates) {
    const reading = latestReading([...(metricReadings.get(c.instanceId)?.readings ?? []), ...(fromStore.get(c.instanceId)?.readings ?? [])]);
    // Only a fresh reading counts: a stale one would rank a busy worker as idle.
    const newest = reading && now - reading.at <= maxAgeMs ? reading : undefined;
    // An age read a few seconds ago is that much older now. A worker with no tasks has none to age (the
    // agent publishes no age while idle), so its age is 0 whatever was last published.
    const age = newest?.runningTasks === 0 ? 0 : newest?.oldestTaskAgeSeconds;
    load.set(c.instanceId, {
      runningTasks: newest?.runningTasks,
      ...(age !== undefined && Number.isFinite(age) && age >= 0 ? { oldestTaskAgeSeconds: age === 0 ? 0 : age + Math.max(0, now - newest!.at) / 1000 } : {}),
      launchedAt: details.get(c.instanceId)?.launchedAt,
      ...(bottlenecked?.get(c.instanceId) ? { bottleneckedMinutes: bottlenecked.get(c.instanceId) } : {}),
    });
  }
  return load;
}
