import { DEFAULT_SCALING_POLICY } from '../../../core/scaling-policy';
import { AGENT_TASK_METRIC, DEFAULT_WRITE_CONCURRENCY, parseControllerSettings, parseTerminationPolicySettings } from '../../../core/contract/lambda-settings';
import { parseSignalsSettings } from '../../../core/contract/signals-settings';

const valid = {
  hookName: 'graceful-autoscaler-drain',
  groups: { 'etl-asg': { fleet: 'etl', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720 } },
  taskSource: AGENT_TASK_METRIC,
  workerControl: { kind: 'agent' },
};

test('valid settings parse with defaults for the tunables', () => {
  expect(parseControllerSettings(JSON.stringify(valid))).toMatchObject({ writeConcurrency: DEFAULT_WRITE_CONCURRENCY, stopClaimSeconds: 60, policy: { idleReadings: 3, readingMaxAgeSeconds: 120, heartbeatLeadSeconds: 300 } });
});

test.each([
  ['not JSON', '{', /not JSON/],
  ['no groups', JSON.stringify({ ...valid, groups: {} }), /groups .* must name at least one group/],
  ['heartbeat over 7200', JSON.stringify({ ...valid, groups: { g: { fleet: 'f', drainTimeoutSeconds: 60, heartbeatTimeoutSeconds: 9000 } } }), /groups\.g\.heartbeatTimeoutSeconds \(9000\)/],
  ['period 15 s', JSON.stringify({ ...valid, taskSource: { ...valid.taskSource, periodSeconds: 15 } }), /taskSource\.periodSeconds \(15\) must be 1, 5, 10, 20, 30/],
  ['empty ssm commands', JSON.stringify({ ...valid, workerControl: { kind: 'ssm', commands: [] } }), /workerControl\.commands/],
  ['unknown worker control', JSON.stringify({ ...valid, workerControl: { kind: 'telnet' } }), /workerControl\.kind \("telnet"\)/],
  ['no instance dimension', JSON.stringify({ ...valid, taskSource: { ...valid.taskSource, instanceDimension: '' } }), /taskSource\.instanceDimension \(""\)/],
  ['an empty age metric', JSON.stringify({ ...valid, taskSource: { ...valid.taskSource, ageMetricName: '' } }), /taskSource\.ageMetricName \(""\) must be a non-empty string/],
  ['heartbeat lead within a sweep', JSON.stringify({ ...valid, policy: { heartbeatLeadSeconds: 30 } }), /policy\.heartbeatLeadSeconds \(30\)/],
])('%s is refused at load, naming the field and value', (_name, json, message) => {
  expect(() => parseControllerSettings(json)).toThrow(message);
});

test('the termination policy needs no groups: it must not depend on the groups that reference it', () => {
  expect(parseTerminationPolicySettings(JSON.stringify({ taskSource: valid.taskSource }))).toMatchObject({ taskSource: { kind: 'metric' } });
});

describe('the scaling-signals settings', () => {
  const signals = (policy: object) => JSON.stringify({ namespace: 'GracefulAutoscaler/prod/signals', user: 'graceful-autoscaler', fleets: [{ fleet: 'etl', groupName: 'g', coordinatorUrl: 'http://c:8080', policy: { targetCpuPercent: 40, ...policy } }] });
  test('the tunables default to the documented values, the horizon included', () => {
    expect(parseSignalsSettings(signals({})).fleets[0].policy).toEqual({ ...DEFAULT_SCALING_POLICY, targetCpuPercent: 40 });
    expect(parseSignalsSettings(signals({ scaleInHorizonMinutes: 0 })).fleets[0].policy.scaleInHorizonMinutes).toBe(0);
  });
  test.each([
    [{ scaleInHorizonMinutes: 61 }, /fleets\[0\]\.policy\.scaleInHorizonMinutes \(61\)/],
    [{ scaleInHorizonMinutes: 1.5 }, /scaleInHorizonMinutes \(1\.5\)/],
    [{ scaleInLookbackMinutes: 0 }, /scaleInLookbackMinutes \(0\)/],
  ])('%j is refused, naming the field and value', (policy, message) => {
    expect(() => parseSignalsSettings(signals(policy))).toThrow(message);
  });
});
