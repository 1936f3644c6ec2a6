import { Match, Template } from 'aws-cdk-lib/assertions';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { ConfigError, EnvironmentInput, FleetInput, resolveEnvironment } from '../../lib/config';
import { FleetStack } from '../../lib/fleet-stack';
import { DEFAULT_STRAGGLER_SETTINGS } from '../../core/stragglers';
import { makeApp } from '../helpers';

// Staging detects stragglers on two fleets: adhoc (launched, replace on) and legacy (adopted, detect only).
const stacks = buildApp(makeApp(), { environments, policyChecks: false });
const byName = new Map(stacks.map((s) => [s.stackName, s]));
const staging = byName.get('GracefulAutoscaler-staging')!;
const template = Template.fromStack(staging);

const fn = (_stack: FleetStack, t: Template, description: RegExp) => Object.entries(t.findResources('AWS::Lambda::Function')).find(([, r]) => description.test(r.Properties.Description ?? ''));
const policiesOf = (t: Template, logicalId: string) =>
  Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(logicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);

test('staging: one straggler function every 5 minutes, its settings naming the two fleets and only adhoc replacing', () => {
  const [id, f] = fn(staging, template, /bottlenecked workers/)!;
  const settings = JSON.parse(JSON.stringify(staging.resolve(f.Properties.Environment.Variables.STRAGGLER_SETTINGS)));
  expect(JSON.stringify(settings)).toContain('"fleet\\":\\"adhoc\\"');
  template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })] });
  // Outside the VPC: it calls only AWS APIs.
  expect(f.Properties.VpcConfig).toBeUndefined();
});

test('staging: SetInstanceHealth only on the group that asked for replacement; publishing only in the signals namespace', () => {
  const [id, f] = fn(staging, template, /bottlenecked workers/)!;
  const role = f.Properties.Role['Fn::GetAtt'][0];
  const statements = policiesOf(template, role);
  const health = statements.filter((s) => [s.Action].flat().includes('autoscaling:SetInstanceHealth'));
  expect(health).toHaveLength(1);
  const adhoc = staging.fleets.find((x) => x.config.name === 'adhoc')!;
  const adhocGroup = staging.getLogicalId(adhoc.fleet.autoScalingGroup.node.defaultChild as never);
  const resources = JSON.stringify(health[0].Resource);
  expect(resources).toContain(adhocGroup);
  // Not the adopted legacy group (detect only), nor the etl group (no detection).
  expect(resources).not.toContain('trino-legacy-workers');
  expect([health[0].Resource].flat()).toHaveLength(1);
  const put = statements.find((s) => [s.Action].flat().includes('cloudwatch:PutMetricData'));
  expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'GracefulAutoscaler/staging/signals' } });
  // The holds a replacement waits for and the drains it lengthens: read, and UpdateItem for the deadline.
  const table = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
  expect(table.flatMap((s) => [s.Action].flat())).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
  expect(id).toBeTruthy();
});

test('staging: the termination policy reads the findings; the agents of detecting fleets publish pressure', () => {
  const [, tp] = fn(staging, template, /least-busy-first/)!;
  expect(JSON.stringify(staging.resolve(tp.Properties.Environment.Variables.TERMINATION_POLICY_SETTINGS))).toContain('stragglersNamespace\\":\\"GracefulAutoscaler/staging/signals');
  // The adopted fleet's agent config (an output for its operator) asks for pressure.
  const outputs = template.findOutputs('legacyAgentConfig');
  expect(JSON.stringify(outputs)).toContain('\\"pressure\\":true');
});

test('staging: the dashboard shows each detecting fleet\'s stragglers and its bottlenecked workers', () => {
  const body = JSON.stringify(staging.resolve(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody));
  for (const fleet of ['adhoc', 'legacy']) expect(body).toContain(`${fleet}: stragglers now, replaced, waiting for a replacement slot`);
  expect(body).not.toContain('etl: stragglers now');
  expect(body).toContain('MetricName=\\\\\\"BottleneckedMinutes\\\\\\"');
});

test('prod (no fleet detects): no straggler function, no SetInstanceHealth anywhere, no findings for the termination policy', () => {
  const prod = byName.get('GracefulAutoscaler-prod')!;
  const t = Template.fromStack(prod);
  expect(fn(prod, t, /bottlenecked workers/)).toBeUndefined();
  expect(JSON.stringify(t.toJSON())).not.toContain('autoscaling:SetInstanceHealth');
  const [, tp] = fn(prod, t, /least-busy-first/)!;
  expect(JSON.stringify(prod.resolve(tp.Properties.Environment.Variables.TERMINATION_POLICY_SETTINGS))).not.toContain('stragglersNamespace');
});

describe('straggler config', () => {
  const fleet: FleetInput = { name: 'etl', instanceTypes: ['m7i.large'], minCapacity: 1, maxCapacity: 4 };
  const resolve = (stragglers: unknown, env: Partial<EnvironmentInput> = {}, f: Partial<FleetInput> = {}) =>
    resolveEnvironment('qa', { network: { kind: 'create' }, fleets: [{ ...fleet, ...f, stragglers } as FleetInput], ...env });
  const error = (...args: Parameters<typeof resolve>) => {
    try {
      resolve(...args);
      return '';
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
  };

  test('off unless asked; detect alone reports; the defaults are the detector\'s', () => {
    expect(resolve(undefined).fleets[0].stragglers).toBeUndefined();
    expect(resolve({ detect: false }).fleets[0].stragglers).toBeUndefined();
    expect(resolve({ detect: true }).fleets[0].stragglers).toEqual({ replace: false, replaceDrainTimeoutSeconds: 14_400, detector: DEFAULT_STRAGGLER_SETTINGS });
    // A replaced straggler never drains shorter than the fleet's own timeout.
    expect(resolve({ detect: true, replaceDrainTimeout: '20m' }, {}, { drainTimeout: '45m' }).fleets[0].stragglers!.replaceDrainTimeoutSeconds).toBe(2700);
    expect(resolve({ detect: true, replace: true, replaceAfter: '20m', window: '45m', bottleneckExcessPercent: 30 }).fleets[0].stragglers).toEqual({
      replace: true,
      replaceDrainTimeoutSeconds: 14_400,
      detector: { ...DEFAULT_STRAGGLER_SETTINGS, replaceAfterMinutes: 20, windowMinutes: 45, bottleneckExcessPercent: 30 },
    });
  });

  test.each<[unknown, Partial<EnvironmentInput>, Partial<FleetInput>, RegExp]>([
    [{ replace: true }, {}, {}, /env "qa": fleets\[0\]\.stragglers\.replace \(true\) needs detect: true/],
    [{ detect: 'yes' }, {}, {}, /fleets\[0\]\.stragglers\.detect \("yes"\) must be true or false/],
    [{ detect: true }, { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['stop'] }, taskSource: { kind: 'trino' } } }, {}, /stragglers\.detect \(true\) needs the agent on the instances/],
    [{ detect: true }, {}, { existing: { groupName: 'legacy', agentInstalled: false }, instanceTypes: undefined, minCapacity: undefined, maxCapacity: undefined } as never, /stragglers\.detect \(true\) needs the agent on the instances/],
    [{ detect: true, replaceAfter: '1m' }, {}, {}, /stragglers\.replaceAfter \("1m"\) must be from 3m to 2h/],
    [{ detect: true, replaceAfter: '90s' }, {}, {}, /stragglers\.replaceAfter \("90s"\) must be from 3m/],
    [{ detect: true, replaceAfter: '30m', window: '30m' }, {}, {}, /stragglers\.window \("30m"\) must be longer than replaceAfter \(30m\)/],
    [{ detect: true, replaceAfter: '10m30s' }, {}, {}, /stragglers\.replaceAfter \("10m30s"\) must be whole minutes/],
    [{ detect: true, bottleneckExcessPercent: 2 }, {}, {}, /stragglers\.bottleneckExcessPercent \(2\) must be a number from 5 to 90/],
    [{ detect: true, replaceDrainTimeout: '49h' }, {}, {}, /stragglers\.replaceDrainTimeout \("49h"\) must be from 1m to 47h58m/],
    ['on', {}, {}, /fleets\[0\]\.stragglers \("on"\) must be an object \{ detect, replace, /],
  ])('%j is refused with env, field, value and rule', (stragglers, env, f, message) => {
    expect(error(stragglers, env, f)).toMatch(message);
  });
});
