/**
 * The operators' levers, one factory per runbook. Each validates its input, refuses anything outside
 * this environment's fleets before changing anything, supports dryRun, and audits who asked what.
 */
import { decideDrain, latestReading } from '../../core/drain';
import { MAX_DEPLOYMENT_HOLD_SECONDS, MAX_OPERATOR_HOLD_SECONDS, holdsInForce } from '../../core/holds';
import { FORCE_MARGIN_SECONDS, MAX_DRAIN_TIMEOUT_SECONDS, globalTimeoutFor } from '../../core/lifecycle-limits';
import { parseDurationSeconds } from '../../core/util/duration';
import { capText, capValue } from '../../core/util/log-text';
import { ControllerLog, Deployments, DrainRecord, DrainStore, Fleet, FleetAdmin, TaskCounts } from '../../core/ports';
import { Refused, RunbookSettings, applyHolds, fleetInput, fleetOfInstance, instanceIdInput, reasonInput, runbook } from './common';
import { RunbookName } from '../../core/contract/runbooks';

export interface RunbookDeps {
  readonly settings: RunbookSettings;
  readonly admin: FleetAdmin;
  readonly fleet: Fleet;
  readonly store: DrainStore;
  readonly taskCounts: TaskCounts;
  readonly deployments: Deployments;
  readonly log: ControllerLog;
  readonly now: () => number;
  /** Who started an Automation execution (SSM GetAutomationExecution ExecutedBy), for the audit. */
  readonly whoStarted?: (executionId: string) => Promise<string | undefined>;
}

/** Instances Auto Scaling refused to (un)protect because they left service meanwhile: said, never dropped. */
const skippedView = (skipped: readonly string[]) =>
  skipped.length === 0 ? {} : { instancesSkipped: skipped, note: 'these left service while the change was made; the guard\'s schedule re-applies the holds' };

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

function durationInput(input: Record<string, unknown>, field: string, maxSeconds: number): number {
  const text = input[field];
  const seconds = typeof text === 'string' ? parseDurationSeconds(text) : undefined;
  if (seconds === undefined || seconds <= 0 || seconds > maxSeconds) {
    throw new Refused(`${field} (${JSON.stringify(text)}) must be a duration such as "30m" or "2h", at most ${Math.round(maxSeconds / 3600)}h`);
  }
  return seconds;
}

/** fleet-status: per group, capacity and holds; per draining instance, tasks, deadline and the controller's next move. */
export function makeFleetStatus(deps: RunbookDeps) {
  return runbook('fleet-status', deps, async (input) => {
    // An empty fleet (the Automation document's default) means every fleet.
    const only = input.fleet === undefined || input.fleet === '' ? undefined : fleetInput(deps.settings, input)[0];
    const names = Object.entries(deps.settings.fleets).filter(([name]) => !only || name === only);
    const now = deps.now();
    const [groups, active, holds] = await Promise.all([deps.admin.describeGroups(names.map(([, f]) => f.groupName)), deps.store.listActive(), deps.store.listHolds()]);
    const readings = await deps.taskCounts.read(active, now - 10 * 60_000, now).catch(() => new Map());
    const fleets = names.map(([name, f]) => {
      const group = groups.find((g) => g.groupName === f.groupName);
      const count = (state: string) => group?.instances.filter((i) => i.lifecycleState === state).length ?? 0;
      const drains = active.filter((r) => r.groupName === f.groupName).map((r) => drainView(r, readings.get(r.instanceId), now, deps));
      const inForce = holdsInForce(holds, f.groupName, now);
      return {
        fleet: name,
        groupName: f.groupName,
        desired: group?.desiredCapacity,
        min: group?.minSize,
        max: group?.maxSize,
        inService: count('InService'),
        pending: count('Pending') + count('Pending:Wait') + count('Pending:Proceed'),
        draining: count('Terminating:Wait'),
        scaleIn: inForce.length > 0 ? { held: true, holds: inForce.map((h) => ({ ...h, since: iso(h.since), until: iso(h.until) })) } : { held: false },
        drains,
      };
    });
    return { environment: deps.settings.environment, at: iso(now), fleets };
  });
}

function drainView(r: DrainRecord, observed: { readings: { at: number; runningTasks: number }[]; drainedAt?: number } | undefined, now: number, deps: RunbookDeps) {
  // The same unsafe window the controller applies to this drain's fleet.
  const settle = Object.values(deps.settings.fleets).find((f) => f.groupName === r.groupName)?.stopSettleSeconds;
  const policy = settle === undefined ? deps.settings.policy : { ...deps.settings.policy, stopSettleSeconds: settle };
  const decision = decideDrain(r, observed ?? { readings: [] }, now, policy);
  const next =
    decision.action === 'complete'
      ? 'complete at the next pass: idle'
      : decision.action === 'force'
        ? 'force at the next pass: deadline reached'
        : `wait (${decision.reason})${decision.heartbeat ? ', heartbeat due' : ''}`;
  return {
    instanceId: r.instanceId,
    runningTasks: latestReading(observed?.readings ?? [])?.runningTasks ?? null,
    drainStarted: iso(r.waitStartedAt),
    drainingForSeconds: Math.round((now - r.waitStartedAt) / 1000),
    deadline: iso(decision.action === 'complete' ? r.deadlineAt : decision.deadlineAt),
    stopSent: iso(r.stopSentAt),
    heartbeats: r.heartbeats,
    next,
  };
}

/** drain-instance: terminate one instance through its group, so our hook drains it gracefully. */
export function makeDrainInstance(deps: RunbookDeps) {
  return runbook('drain-instance', deps, async (input, { dryRun }) => {
    const instanceId = instanceIdInput(input);
    if (input.decrementDesiredCapacity !== undefined && typeof input.decrementDesiredCapacity !== 'boolean') {
      throw new Refused(`decrementDesiredCapacity (${JSON.stringify(input.decrementDesiredCapacity)}) must be true or false`);
    }
    const decrement = input.decrementDesiredCapacity === true;
    const { fleet, groupName, lifecycleState } = await fleetOfInstance(deps.settings, deps.admin, instanceId);
    if (lifecycleState !== 'InService') throw new Refused(`instance ${instanceId} is ${lifecycleState}, not InService: nothing to drain`);
    if (decrement) {
      const [group] = await deps.admin.describeGroups([groupName]);
      // TerminateInstanceInAutoScalingGroup refuses to go below MinSize when decrementing (Auto Scaling API reference).
      if (group && group.desiredCapacity <= group.minSize) {
        throw new Refused(`fleet ${fleet} is at its minimum (${group.minSize}): lowering desired capacity would break it; drain without decrementDesiredCapacity to replace the instance`);
      }
    }
    if (!dryRun) await deps.admin.terminateInstance(instanceId, decrement);
    return {
      fleet,
      instanceId,
      action: dryRun ? 'would terminate through the group (dry run)' : 'terminating through the group: the drain controller takes it from Terminating:Wait',
      decrementDesiredCapacity: decrement,
    };
  });
}

/** force-complete: complete one waiting instance's hook now; recorded as a forced termination. */
export function makeForceComplete(deps: RunbookDeps) {
  return runbook('force-complete', deps, async (input, { dryRun, requestedBy }) => {
    const instanceId = instanceIdInput(input);
    const reason = reasonInput(input);
    const { fleet, groupName, lifecycleState } = await fleetOfInstance(deps.settings, deps.admin, instanceId);
    if (lifecycleState !== 'Terminating:Wait') throw new Refused(`instance ${instanceId} is ${lifecycleState}, not Terminating:Wait: there is no drain to force`);
    const record = (await deps.store.listActive()).find((r) => r.instanceId === instanceId);
    const now = deps.now();
    const observed = record ? (await deps.taskCounts.read([record], now - 10 * 60_000, now).catch(() => new Map())).get(instanceId) : undefined;
    const runningTasks = latestReading(observed?.readings ?? [])?.runningTasks;
    if (dryRun) return { fleet, instanceId, action: 'would complete the lifecycle action now (dry run)', runningTasks: runningTasks ?? null };
    const written = await deps.fleet.completeLifecycleAction({ instanceId, groupName }, deps.settings.hookName, 'CONTINUE');
    if (record) await deps.store.finish(record, { outcome: written === 'gone' ? 'left-wait' : 'forced', completedAt: now, runningTasksAtEnd: runningTasks });
    // "Forced by an operator" only when this call ended the wait: an action already over killed nothing.
    if (written === 'done') deps.log.warn('termination forced by an operator', { instanceId, fleet, requestedBy, reason: capText(reason), tasksKilled: runningTasks ?? 'unknown' });
    else deps.log.info('force-complete found the lifecycle action already ended; nothing forced', { instanceId, fleet, requestedBy });
    return { fleet, instanceId, action: written === 'gone' ? 'the lifecycle action had already ended' : 'lifecycle action completed: terminating', runningTasks: runningTasks ?? null };
  });
}

/** extend-drain: move one instance's deadline, within the 48 h lifecycle limit. */
export function makeExtendDrain(deps: RunbookDeps) {
  return runbook('extend-drain', deps, async (input, { dryRun }) => {
    const instanceId = instanceIdInput(input);
    const extendBy = durationInput(input, 'extendBy', MAX_DRAIN_TIMEOUT_SECONDS);
    await fleetOfInstance(deps.settings, deps.admin, instanceId);
    const record = (await deps.store.listActive()).find((r) => r.instanceId === instanceId);
    if (!record) throw new Refused(`instance ${instanceId} has no drain in progress`);
    // The hook's global timeout (48 h at most) less the force margin is as far as any deadline can go.
    const limit = record.waitStartedAt + (globalTimeoutFor(record.heartbeatTimeoutSeconds) - FORCE_MARGIN_SECONDS) * 1000;
    const wanted = record.deadlineAt + extendBy * 1000;
    if (wanted > limit) {
      throw new Refused(`the new deadline ${iso(wanted)} is past this drain's limit ${iso(limit)} (the hook's global timeout less ${FORCE_MARGIN_SECONDS / 60} minutes); extend by at most ${Math.floor((limit - record.deadlineAt) / 60_000)} minutes`);
    }
    if (!dryRun && !(await deps.store.setDeadline(instanceId, wanted))) throw new Refused(`instance ${instanceId}'s drain ended meanwhile`);
    return { instanceId, previousDeadline: iso(record.deadlineAt), deadline: iso(wanted), limit: iso(limit) };
  });
}

/** pause-scaling: hold scale-in of a fleet (instances protected from scale-in), with a reason and an end. */
export function makePauseScaling(deps: RunbookDeps) {
  return runbook('pause-scaling', deps, async (input, { dryRun, requestedBy }) => {
    const [fleet, f] = fleetInput(deps.settings, input);
    const reason = reasonInput(input);
    const seconds = input.for === undefined ? 86_400 : durationInput(input, 'for', MAX_OPERATOR_HOLD_SECONDS);
    const now = deps.now();
    const hold = { groupName: f.groupName, holder: 'operator', reason, requestedBy, since: now, until: now + seconds * 1000 };
    if (dryRun) return { fleet, action: 'would hold scale-in (dry run)', until: iso(hold.until) };
    await deps.store.putHold(hold);
    const applied = await applyHolds(deps.admin, deps.store, f.groupName, now);
    return { fleet, action: 'scale-in held: instances protected from scale-in; scale-out and drains continue', until: iso(hold.until), instancesChanged: applied.changed, ...skippedView(applied.skipped) };
  });
}

/** resume-scaling: release the operator's hold; scale-in resumes unless a deployment still holds it. */
export function makeResumeScaling(deps: RunbookDeps) {
  return runbook('resume-scaling', deps, async (input, { dryRun }) => {
    const [fleet, f] = fleetInput(deps.settings, input);
    const now = deps.now();
    const held = holdsInForce(await deps.store.listHolds(), f.groupName, now);
    if (!held.some((h) => h.holder === 'operator')) throw new Refused(`fleet ${fleet} has no operator pause to resume`);
    if (dryRun) return { fleet, action: 'would release the operator pause (dry run)', otherHolds: held.filter((h) => h.holder !== 'operator').map((h) => h.holder) };
    await deps.store.removeHold(f.groupName, 'operator');
    const applied = await applyHolds(deps.admin, deps.store, f.groupName, now);
    return { fleet, action: applied.held ? 'operator pause released; a deployment still holds scale-in' : 'scale-in resumed', instancesChanged: applied.changed, ...skippedView(applied.skipped) };
  });
}

const BUNDLE_TYPES = new Set(['zip', 'tar', 'tgz', 'YAML', 'JSON']);
/** S3 version ids are URL-ready strings of at most 1,024 bytes (S3 user guide, "How S3 Versioning works"). */
const S3_VERSION_ID_MAX = 1024;
const S3_VERSION_ID = new RegExp(`^[A-Za-z0-9._+=/-]{1,${S3_VERSION_ID_MAX}}$`);

/** deploy: start a CodeDeploy deployment of a revision in this environment's revision bucket to one fleet. */
export function makeDeploy(deps: RunbookDeps) {
  return runbook('deploy', deps, async (input, { dryRun, requestedBy }) => {
    const [fleet, f] = fleetInput(deps.settings, input);
    const key = input.revisionKey;
    if (typeof key !== 'string' || key === '' || key.length > 1024) throw new Refused(`revisionKey (${JSON.stringify(key)}) must be the object key of the revision in ${deps.settings.revisionBucket}`);
    const bundleType = input.bundleType ?? 'zip';
    if (typeof bundleType !== 'string' || !BUNDLE_TYPES.has(bundleType)) throw new Refused(`bundleType (${JSON.stringify(bundleType)}) must be one of ${[...BUNDLE_TYPES].join(', ')}`);
    if (input.version !== undefined && (typeof input.version !== 'string' || !S3_VERSION_ID.test(input.version))) {
      throw new Refused(`version (${JSON.stringify(capValue(input.version))}) must be an S3 object version id: 1 to ${S3_VERSION_ID_MAX} characters of letters, digits and . _ - + = /`);
    }
    const revision = { bucket: deps.settings.revisionBucket, key, bundleType, version: input.version ? (input.version as string) : undefined };
    if (dryRun) return { fleet, action: 'would start a deployment (dry run)', revision };
    const deploymentId = await deps.deployments.create(f.applicationName, f.deploymentGroupName, revision, `graceful-autoscaler runbook, requested by ${requestedBy}`);
    return { fleet, deploymentId, revision, action: 'deployment started; scale-in of the fleet is held until it ends' };
  });
}

/** deployment-status: a deployment's progress, only for this environment's applications. */
export function makeDeploymentStatus(deps: RunbookDeps) {
  return runbook('deployment-status', deps, async (input) => {
    const id = input.deploymentId;
    if (typeof id !== 'string' || !/^d-[A-Z0-9]{9}$/.test(id)) throw new Refused(`deploymentId (${JSON.stringify(id)}) must be a CodeDeploy deployment id such as d-A1B2C3D4E`);
    let d;
    try {
      d = await deps.deployments.get(id);
    } catch (e) {
      if ((e as Error).name === 'DeploymentDoesNotExistException') throw new Refused(`deployment ${id} does not exist`);
      throw e;
    }
    const fleet = Object.entries(deps.settings.fleets).find(([, f]) => f.applicationName === d.applicationName && f.deploymentGroupName === d.deploymentGroupName)?.[0];
    if (!fleet) throw new Refused(`deployment ${id} is not for a fleet of environment "${deps.settings.environment}"`);
    return { fleet, deploymentId: id, status: d.status, instances: d.overview ?? {}, error: d.errorMessage ?? null, started: iso(d.createTime), ended: iso(d.completeTime) };
  });
}

/**
 * The deployment guard: CodeDeploy state-change events hold scale-in of the fleet while a deployment
 * runs and release it when the deployment succeeds, fails or is stopped. On its schedule it releases
 * holds past their end (a lost end event never leaves scale-in held for more than 3 h) and makes
 * protection match the holds.
 */
export function makeDeploymentGuard(deps: RunbookDeps) {
  return async (event: { source?: string; 'detail-type'?: string; detail?: Record<string, unknown> }): Promise<{ action: string }> => {
    const now = deps.now();
    if (event?.source === 'aws.codedeploy') {
      const d = event.detail ?? {};
      const fleet = Object.entries(deps.settings.fleets).find(([, f]) => f.applicationName === d.application && f.deploymentGroupName === d.deploymentGroup);
      if (!fleet || typeof d.deploymentId !== 'string') {
        deps.log.info('deployment event for another application ignored', { detail: capValue(d) });
        return { action: 'ignored' };
      }
      const [name, f] = fleet;
      const holder = `deployment:${d.deploymentId}`;
      if (d.state === 'START') {
        // A START delivered after its deployment's end (Lambda async retries, EventBridge redelivery)
        // finds the deployment remembered as ended and holds nothing.
        const put = await deps.store.putHold({ groupName: f.groupName, holder, reason: `CodeDeploy deployment ${d.deploymentId} in progress`, requestedBy: 'codedeploy', since: now, until: now + MAX_DEPLOYMENT_HOLD_SECONDS * 1000 });
        if (!put) {
          deps.log.warn('START of a deployment that already ended ignored (late or redelivered event)', { fleet: name, deploymentId: capText(d.deploymentId) });
          return { action: `${name}: deployment ${d.deploymentId} already ended; nothing held` };
        }
      } else if (d.state === 'SUCCESS' || d.state === 'FAILURE' || d.state === 'STOP') {
        await deps.store.removeHold(f.groupName, holder, true);
      } else {
        return { action: `state ${capText(String(d.state))} ignored` };
      }
      const applied = await applyHolds(deps.admin, deps.store, f.groupName, now);
      deps.log.info('deployment guard', { fleet: name, deploymentId: d.deploymentId, state: d.state, scaleInHeld: applied.held });
      return { action: `${name}: scale-in ${applied.held ? 'held' : 'released'}` };
    }
    // Scheduled: expire and reconcile every fleet.
    const holds = await deps.store.listHolds();
    for (const h of holds.filter((x) => x.until <= now)) {
      await deps.store.removeHold(h.groupName, h.holder);
      deps.log.warn('scale-in hold expired and released', { ...h, until: iso(h.until) });
    }
    for (const f of Object.values(deps.settings.fleets)) await applyHolds(deps.admin, deps.store, f.groupName, now);
    return { action: 'holds reconciled' };
  };
}

/** The runbooks by name, as the Lambda entry point picks one. */
export const RUNBOOKS = {
  'fleet-status': makeFleetStatus,
  'drain-instance': makeDrainInstance,
  'force-complete': makeForceComplete,
  'extend-drain': makeExtendDrain,
  'pause-scaling': makePauseScaling,
  'resume-scaling': makeResumeScaling,
  deploy: makeDeploy,
  'deployment-status': makeDeploymentStatus,
} as const satisfies Record<RunbookName, (deps: RunbookDeps) => unknown>;

export type { RunbookName };
