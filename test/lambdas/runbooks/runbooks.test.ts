import { DEFAULT_DRAIN_POLICY } from '../../../core/drain';
import { DURATION_PATTERN_SOURCE, parseDurationSeconds } from '../../../core/util/duration';
import { AGENT_TASK_METRIC } from '../../../core/contract/lambda-settings';
import { RunbookSettings } from '../../../lambdas/runbooks/common';
import {
  RunbookDeps,
  makeDeploy,
  makeDeploymentGuard,
  makeDeploymentStatus,
  makeDrainInstance,
  makeExtendDrain,
  makeFleetStatus,
  makeForceComplete,
  makePauseScaling,
  makeResumeScaling,
} from '../../../lambdas/runbooks/runbooks';
import { MemoryDrainStore, MemoryFleet, MemoryLog, MemoryTaskCounts } from '../../../sim/memory-ports';
import { MemoryAdmin, MemoryDeployments } from '../../../testing/memory-aws';

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
const MIN = 60_000;
const settings: RunbookSettings = {
  environment: 'prod',
  hookName: 'graceful-autoscaler-drain',
  revisionBucket: 'prod-revisions',
  fleets: {
    etl: { groupName: 'etl-asg', applicationName: 'etl-app', deploymentGroupName: 'etl-dg', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720 },
    adhoc: { groupName: 'adhoc-asg', applicationName: 'adhoc-app', deploymentGroupName: 'adhoc-dg', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720 },
  },
  policy: DEFAULT_DRAIN_POLICY,
  taskSource: AGENT_TASK_METRIC,
};
const WORKER = 'i-0aaaaaaaaaaaaaaa1';
const DRAINING = 'i-0aaaaaaaaaaaaaaa2';
const STRANGER = 'i-0bbbbbbbbbbbbbbb1';

function setup() {
  let now = T0;
  const admin = new MemoryAdmin(() => now);
  admin.addGroup('etl-asg', { min: 1, max: 10, desired: 3 }, { [WORKER]: 'InService', [DRAINING]: 'Terminating:Wait', 'i-0aaaaaaaaaaaaaaa3': 'InService' });
  admin.addGroup('adhoc-asg', { min: 2, max: 10, desired: 2 }, { 'i-0ccccccccccccccc1': 'InService', 'i-0ccccccccccccccc2': 'InService' });
  admin.addGroup('someone-elses-asg', { min: 1, max: 2, desired: 1 }, { [STRANGER]: 'InService' });
  const fleet = new MemoryFleet(() => now);
  fleet.launch(DRAINING, 'etl-asg');
  fleet.beginTermination(DRAINING, 720);
  const store = new MemoryDrainStore();
  store.active.set(DRAINING, { instanceId: DRAINING, groupName: 'etl-asg', fleet: 'etl', waitStartedAt: T0 - 2 * MIN, deadlineAt: T0 + 8 * MIN, hookExpiresAt: T0 + 10 * MIN, heartbeatTimeoutSeconds: 720, stopSentAt: T0 - 2 * MIN, heartbeats: 0, readings: [] });
  const taskCounts = new MemoryTaskCounts();
  taskCounts.publish(DRAINING, T0 - 30_000, 4);
  const log = new MemoryLog();
  const deployments = new MemoryDeployments();
  const deps: RunbookDeps = { settings, admin, fleet, store, taskCounts, deployments, log, now: () => now };
  return { deps, admin, fleet, store, log, deployments, at: (t: number) => (now = t) };
}

const who = { requestedBy: 'alice@example.com' };

describe('every runbook refuses bad input before doing anything', () => {
  const cases: [string, (d: RunbookDeps) => (e: unknown) => Promise<unknown>, unknown, RegExp][] = [
    ['no requestedBy', makeFleetStatus, {}, /requestedBy \(undefined\) must name who is asking/],
    ['not an object', makeFleetStatus, 'status please', /input must be a JSON object/],
    ['dryRun not boolean', makeDrainInstance, { ...who, instanceId: WORKER, dryRun: 'yes' }, /dryRun \("yes"\) must be true or false/],
    ['malformed instance id', makeDrainInstance, { ...who, instanceId: 'web-1' }, /instanceId \("web-1"\) must be an EC2 instance id/],
    ['instance of another group', makeDrainInstance, { ...who, instanceId: STRANGER }, /belongs to group someone-elses-asg, which is not a fleet of environment "prod"/],
    ['unknown instance', makeForceComplete, { ...who, instanceId: 'i-0dddddddddddddddd', reason: 'stuck' }, /is not in any Auto Scaling group/],
    ['unknown fleet', makePauseScaling, { ...who, fleet: 'batch', reason: 'incident' }, /fleet \("batch"\) is not a fleet of environment "prod"; its fleets are etl, adhoc/],
    ['pause without reason', makePauseScaling, { ...who, fleet: 'etl' }, /reason \(undefined\) must say why/],
    ['pause longer than a week', makePauseScaling, { ...who, fleet: 'etl', reason: 'freeze', for: '8d' }, /for \("8d"\) must be a duration/],
    ['deploy without a key', makeDeploy, { ...who, fleet: 'etl' }, /revisionKey \(undefined\) must be the object key/],
    ['deploy an unknown bundle type', makeDeploy, { ...who, fleet: 'etl', revisionKey: 'a.zip', bundleType: 'rpm' }, /bundleType \("rpm"\) must be one of/],
    ['fleet named for the prototype', makePauseScaling, { ...who, fleet: '__proto__', reason: 'incident' }, /fleet \("__proto__"\) is not a fleet of environment "prod"/],
    ['fleet named for a prototype method', makeDeploy, { ...who, fleet: 'constructor', revisionKey: 'a.zip' }, /fleet \("constructor"\) is not a fleet of environment "prod"/],
    ['deploy a 1 MB version', makeDeploy, { ...who, fleet: 'etl', revisionKey: 'a.zip', version: 'v'.repeat(1_000_000) }, /version \("v+… \(1000000 chars\)"\) must be an S3 object version id: 1 to 1024 characters/],
    ['deploy a version with a newline', makeDeploy, { ...who, fleet: 'etl', revisionKey: 'a.zip', version: 'abc\nforged audit line' }, /version .* must be an S3 object version id/],
    ['malformed deployment id', makeDeploymentStatus, { ...who, deploymentId: 'abc' }, /deploymentId \("abc"\) must be a CodeDeploy deployment id/],
    ['extend by nonsense', makeExtendDrain, { ...who, instanceId: DRAINING, extendBy: 'a while' }, /extendBy \("a while"\) must be a duration/],
  ];
  test.each(cases)('%s', async (_name, make, input, message) => {
    const { deps, admin, store } = setup();
    await expect(make(deps)(input)).rejects.toThrow(message);
    expect(admin.calls).toEqual([]);
    expect(store.holds.size).toBe(0);
  });

  test('a refusal is audited with who asked and why it was refused', async () => {
    const { deps, log } = setup();
    await expect(makeDrainInstance(deps)({ ...who, instanceId: STRANGER })).rejects.toMatchObject({ name: 'Refused' });
    expect(log.lines.at(-1)).toMatchObject({ message: 'runbook request', fields: { runbook: 'drain-instance', refused: true, input: { ...who, instanceId: STRANGER } } });
  });
});

test('fleet-status: capacity per fleet, and per draining instance its tasks, deadline and next move', async () => {
  const { deps } = setup();
  const out = await makeFleetStatus(deps)(who);
  const etl = out.fleets.find((f) => f.fleet === 'etl')!;
  expect(etl).toMatchObject({ desired: 3, inService: 2, draining: 1, scaleIn: { held: false } });
  expect(etl.drains).toEqual([
    expect.objectContaining({ instanceId: DRAINING, runningTasks: 4, drainingForSeconds: 120, deadline: new Date(T0 + 8 * MIN).toISOString(), next: 'wait (busy)' }),
  ]);
  const one = await makeFleetStatus(deps)({ ...who, fleet: 'adhoc' });
  expect(one.fleets.map((f) => f.fleet)).toEqual(['adhoc']);
});

test('drain-instance: terminates through the group so the hook drains it; dry run changes nothing', async () => {
  const { deps, admin } = setup();
  const dry = await makeDrainInstance(deps)({ ...who, instanceId: WORKER, dryRun: true });
  expect(dry).toMatchObject({ ok: true, dryRun: true, fleet: 'etl' });
  expect(admin.calls).toEqual([]);
  await makeDrainInstance(deps)({ ...who, instanceId: WORKER, decrementDesiredCapacity: true });
  expect(admin.calls).toEqual([`terminate ${WORKER} true`]);
  expect(admin.groups.get('etl-asg')!.desiredCapacity).toBe(2);
});

test('drain-instance refuses to lower desired capacity below the minimum, and instances not in service', async () => {
  const { deps, admin } = setup();
  await expect(makeDrainInstance(deps)({ ...who, instanceId: 'i-0ccccccccccccccc1', decrementDesiredCapacity: true })).rejects.toThrow(/fleet adhoc is at its minimum \(2\)/);
  await expect(makeDrainInstance(deps)({ ...who, instanceId: DRAINING })).rejects.toThrow(/is Terminating:Wait, not InService/);
  expect(admin.calls).toEqual([]);
});

test('force-complete: completes the hook now and records a forced termination with the tasks killed', async () => {
  const { deps, fleet, store, log } = setup();
  await expect(makeForceComplete(deps)({ ...who, instanceId: WORKER, reason: 'stuck' })).rejects.toThrow(/is InService, not Terminating:Wait/);
  const out = await makeForceComplete(deps)({ ...who, instanceId: DRAINING, reason: 'query runaway, approved by on-call' });
  expect(out).toMatchObject({ ok: true, runningTasks: 4, action: 'lifecycle action completed: terminating' });
  expect(fleet.completions.get(DRAINING)).toBe(1);
  expect(store.history).toEqual([expect.objectContaining({ instanceId: DRAINING, outcome: 'forced', runningTasksAtEnd: 4 })]);
  expect(log.lines.find((l) => l.message === 'termination forced by an operator')?.fields).toMatchObject({ requestedBy: who.requestedBy, tasksKilled: 4 });
});

test('extend-drain: moves the deadline, within the hook global timeout less the force margin', async () => {
  const { deps, store } = setup();
  const out = await makeExtendDrain(deps)({ ...who, instanceId: DRAINING, extendBy: '2h' });
  expect(out.deadline).toBe(new Date(T0 + 8 * MIN + 2 * 3600_000).toISOString());
  expect(store.active.get(DRAINING)!.deadlineAt).toBe(T0 + 8 * MIN + 2 * 3600_000);
  // Heartbeat timeout 720 s → global timeout 72,000 s (20 h) from the wait's start.
  await expect(makeExtendDrain(deps)({ ...who, instanceId: DRAINING, extendBy: '19h' })).rejects.toThrow(/past this drain's limit .* extend by at most \d+ minutes/);
  await expect(makeExtendDrain(deps)({ ...who, instanceId: WORKER, extendBy: '1h' })).rejects.toThrow(/has no drain in progress/);
});

test('pause and resume: scale-in protection on every in-service instance while held, off after', async () => {
  const { deps, admin, store } = setup();
  const paused = await makePauseScaling(deps)({ ...who, fleet: 'etl', reason: 'month-end close', for: '6h' });
  expect(paused).toMatchObject({ until: new Date(T0 + 6 * 3600_000).toISOString() });
  const etl = admin.groups.get('etl-asg')!;
  expect(etl.newInstancesProtected).toBe(true);
  expect([...etl.instances].filter(([, i]) => i.lifecycleState === 'InService').every(([, i]) => i.protectedFromScaleIn)).toBe(true);
  expect(etl.instances.get(DRAINING)!.protectedFromScaleIn).toBe(false); // already leaving: untouched
  const status = await makeFleetStatus(deps)(who);
  expect(status.fleets[0].scaleIn).toMatchObject({ held: true, holds: [expect.objectContaining({ holder: 'operator', reason: 'month-end close', requestedBy: who.requestedBy })] });
  await makeResumeScaling(deps)({ ...who, fleet: 'etl' });
  const resumed = admin.groups.get('etl-asg')!;
  expect(resumed.newInstancesProtected).toBe(false);
  expect([...resumed.instances.values()].some((i) => i.protectedFromScaleIn)).toBe(false);
  expect(store.holds.size).toBe(0);
  await expect(makeResumeScaling(deps)({ ...who, fleet: 'etl' })).rejects.toThrow(/has no operator pause to resume/);
});

test('a launching instance (Pending:Wait while CodeDeploy deploys it) never leaves the others unprotected', async () => {
  const { deps, admin } = setup();
  const launching = 'i-0aaaaaaaaaaaaaaa4';
  admin.aws.addInstance({ instanceId: launching, groupName: 'etl-asg', state: 'Pending:Wait' });
  await makePauseScaling(deps)({ ...who, fleet: 'etl', reason: 'month-end close' });
  let etl = admin.groups.get('etl-asg')!;
  expect(etl.newInstancesProtected).toBe(true); // covers the launching instance when it enters service
  expect([...etl.instances].filter(([, i]) => i.lifecycleState === 'InService').every(([, i]) => i.protectedFromScaleIn)).toBe(true);
  expect(admin.aws.rejections).toEqual([]);
  await makeResumeScaling(deps)({ ...who, fleet: 'etl' });
  etl = admin.groups.get('etl-asg')!;
  expect(etl.newInstancesProtected).toBe(false);
  expect([...etl.instances.values()].some((i) => i.protectedFromScaleIn)).toBe(false);
});

test('pause reports an instance that left service meanwhile instead of dropping it silently', async () => {
  const { deps, admin } = setup();
  admin.beforeWrite = async (call) => {
    if (call.startsWith('protect etl-asg true')) admin.aws.beginTermination(WORKER);
  };
  const out = await makePauseScaling(deps)({ ...who, fleet: 'etl', reason: 'month-end close' });
  expect(out).toMatchObject({ instancesSkipped: [WORKER] });
  expect(admin.groups.get('etl-asg')!.instances.get('i-0aaaaaaaaaaaaaaa3')!.protectedFromScaleIn).toBe(true);
});

test('deploy and deployment-status: only this environment\'s revision bucket and applications', async () => {
  const { deps, deployments } = setup();
  const out = await makeDeploy(deps)({ ...who, fleet: 'adhoc', revisionKey: 'releases/worker-1.4.2.zip' });
  expect(out).toMatchObject({ fleet: 'adhoc', revision: { bucket: 'prod-revisions', key: 'releases/worker-1.4.2.zip', bundleType: 'zip' } });
  const status = await makeDeploymentStatus(deps)({ ...who, deploymentId: out.deploymentId });
  expect(status).toMatchObject({ fleet: 'adhoc', status: 'Created', instances: { Pending: 3 } });
  const foreign = await deployments.create('other-app', 'other-dg');
  await expect(makeDeploymentStatus(deps)({ ...who, deploymentId: foreign })).rejects.toThrow(/is not for a fleet of environment "prod"/);
  await expect(makeDeploymentStatus(deps)({ ...who, deploymentId: 'd-ZZZZZZZZZ' })).rejects.toThrow(/does not exist/);
});

describe('deployment guard', () => {
  const event = (state: string, deploymentId = 'd-A1B2C3D4E', application = 'etl-app') => ({
    source: 'aws.codedeploy',
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    detail: { state, deploymentId, application, deploymentGroup: 'etl-dg', region: 'eu-west-1' },
  });

  test('holds scale-in while a deployment runs, releases it when it ends', async () => {
    const { deps, admin } = setup();
    const guard = makeDeploymentGuard(deps);
    expect(await guard(event('START'))).toEqual({ action: 'etl: scale-in held' });
    expect(admin.groups.get('etl-asg')!.newInstancesProtected).toBe(true);
    expect(await guard(event('SUCCESS'))).toEqual({ action: 'etl: scale-in released' });
    expect(admin.groups.get('etl-asg')!.newInstancesProtected).toBe(false);
  });

  test.each(['FAILURE', 'STOP'])('a deployment ending in %s releases its hold too', async (state) => {
    const { deps, admin } = setup();
    const guard = makeDeploymentGuard(deps);
    await guard(event('START'));
    await guard(event(state));
    expect(admin.groups.get('etl-asg')!.newInstancesProtected).toBe(false);
  });

  test('an operator pause outlives the deployment that overlapped it', async () => {
    const { deps, admin } = setup();
    const guard = makeDeploymentGuard(deps);
    await guard(event('START'));
    await makePauseScaling(deps)({ ...who, fleet: 'etl', reason: 'incident 4711' });
    await guard(event('SUCCESS'));
    expect(admin.groups.get('etl-asg')!.newInstancesProtected).toBe(true);
  });

  test('a lost end event never leaves scale-in held: the schedule releases it after 3 h', async () => {
    const { deps, admin, store, at } = setup();
    const guard = makeDeploymentGuard(deps);
    await guard(event('START'));
    at(T0 + 2 * 3600_000);
    await guard({});
    expect(admin.groups.get('etl-asg')!.newInstancesProtected).toBe(true);
    at(T0 + 3 * 3600_000 + 1);
    expect(await guard({})).toEqual({ action: 'holds reconciled' });
    expect(admin.groups.get('etl-asg')!.newInstancesProtected).toBe(false);
    expect(store.holds.size).toBe(0);
  });

  test('a START delivered after its SUCCESS (async retry, redelivery) never recreates the hold', async () => {
    const { deps, admin, store } = setup();
    const guard = makeDeploymentGuard(deps);
    await guard(event('START'));
    await guard(event('SUCCESS'));
    expect(await guard(event('START'))).toEqual({ action: 'etl: deployment d-A1B2C3D4E already ended; nothing held' });
    expect(store.holds.size).toBe(0);
    expect(admin.groups.get('etl-asg')!.newInstancesProtected).toBe(false);
    // A new deployment still holds as it should.
    expect(await guard(event('START', 'd-B1B2C3D4E'))).toEqual({ action: 'etl: scale-in held' });
  });

  test('a pause racing the guard\'s release never ends with the hold recorded and the group unprotected', async () => {
    const { deps, admin, store } = setup();
    const guard = makeDeploymentGuard(deps);
    await guard(event('START'));
    // The guard read the holds (none left after its release) and is about to unprotect; the operator's
    // pause runs to completion in between, then the guard's stale unprotect lands.
    let raced = false;
    admin.beforeWrite = async (call) => {
      if (!raced && call.startsWith('protect etl-asg false')) {
        raced = true;
        await makePauseScaling(deps)({ ...who, fleet: 'etl', reason: 'incident 4712' });
      }
    };
    await guard(event('SUCCESS'));
    expect(raced).toBe(true);
    expect([...store.holds.values()].map((h) => h.holder)).toEqual(['operator']);
    const etl = admin.groups.get('etl-asg')!;
    expect(etl.newInstancesProtected).toBe(true);
    expect([...etl.instances.values()].filter((i) => i.lifecycleState === 'InService').every((i) => i.protectedFromScaleIn)).toBe(true);
  });

  test('deployments of other applications are ignored', async () => {
    const { deps, admin } = setup();
    expect(await makeDeploymentGuard(deps)(event('START', 'd-A1B2C3D4E', 'payments'))).toEqual({ action: 'ignored' });
    expect(admin.calls).toEqual([]);
  });
});

describe('the audit names the real caller and stays bounded', () => {
  const EXECUTION = '4f3c2b1a-0d9e-4c8b-a7f6-e5d4c3b2a190';

  test('the Automation execution and the principal SSM reports, never the typed requestedBy alone', async () => {
    const { deps, log } = setup();
    const withSsm = { ...deps, whoStarted: async (id: string) => (id === EXECUTION ? 'arn:aws:sts::123456789012:assumed-role/oncall/mallory' : undefined) };
    await makeFleetStatus(withSsm)({ requestedBy: 'alice@example.com', automationExecutionId: EXECUTION });
    expect(log.lines.at(-1)?.fields).toMatchObject({ requestedBy: 'alice@example.com', caller: { automationExecutionId: EXECUTION, principal: 'arn:aws:sts::123456789012:assumed-role/oncall/mallory' } });
    await makeFleetStatus(withSsm)({ requestedBy: 'alice@example.com' });
    expect(log.lines.at(-1)?.fields).toMatchObject({ caller: 'direct invocation (no Automation execution)' });
  });

  test('a huge input is logged capped', async () => {
    const { deps, log } = setup();
    await expect(makePauseScaling(deps)({ ...who, fleet: 'etl', reason: 'x'.repeat(100_000) })).rejects.toThrow(/reason/);
    expect(JSON.stringify(log.lines.at(-1)).length).toBeLessThan(6000);
  });

  test('a 1 MB deploy version leaves a bounded audit line, and a real version id is accepted', async () => {
    const { deps, log } = setup();
    await expect(makeDeploy(deps)({ ...who, fleet: 'etl', revisionKey: 'a.zip', version: 'v'.repeat(1_000_000), dryRun: true })).rejects.toThrow(/version/);
    expect(JSON.stringify(log.lines.at(-1)).length).toBeLessThan(6000);
    const version = '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo';
    const out = await makeDeploy(deps)({ ...who, fleet: 'etl', revisionKey: 'a.zip', version, dryRun: true });
    expect(out.revision).toMatchObject({ version });
  });

  test('what a runbook returns is bounded in its audit line too', async () => {
    const { deps, log } = setup();
    await makeDeploy(deps)({ ...who, fleet: 'etl', revisionKey: 'k'.repeat(1024), dryRun: true });
    const line = log.lines.at(-1)!;
    expect(line.message).toBe('runbook request');
    expect(JSON.stringify(line.fields?.result).length).toBeLessThan(2 * 2048);
  });

  test('"forced by an operator" is recorded only when the force took effect', async () => {
    const { deps, fleet, log } = setup();
    await fleet.completeLifecycleAction({ instanceId: DRAINING, groupName: 'etl-asg' }, settings.hookName); // ended meanwhile
    await makeForceComplete(deps)({ ...who, instanceId: DRAINING, reason: 'stuck since noon' });
    expect(log.lines.some((l) => l.message === 'termination forced by an operator')).toBe(false);
  });
});

test('the runbook documents and the Lambda accept exactly the same durations', () => {
  const pattern = new RegExp(DURATION_PATTERN_SOURCE);
  const samples = ['', '0s', '30m', '2h', '1h30m', '7d', '1d12h', '90s', '1h1m1s', '1m1h', '2 h', ' 2h', '2h ', 'h', '10', '1.5h', '1w', 'd', '1d1d', '3h0m', '01m', '1D'];
  for (const s of samples) expect([s, pattern.test(s)]).toEqual([s, parseDurationSeconds(s) !== undefined]);
  expect(parseDurationSeconds('7d')).toBe(7 * 86_400);
  expect(parseDurationSeconds('1h30m')).toBe(5400);
});
