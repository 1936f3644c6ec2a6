import { environments } from '../../config/environments';
import {
  ConfigError,
  EnvironmentInput,
  FleetInput,
  resolveEnvironment,
  resolveEnvironments,
  NewFleetConfig,
} from '../../lib/config';
import { parseDurationSeconds } from '../../core/util/duration';

const fleet: FleetInput = { name: 'etl', instanceTypes: ['m7i.large', 'm6i.large'], minCapacity: 1, maxCapacity: 4 };
const base: EnvironmentInput = { network: { kind: 'create' }, fleets: [fleet] };

/** Resolves `base` with one fleet override and returns the error message, or '' when valid. */
function errorFor(env: Partial<EnvironmentInput>, fleetOverride: Partial<FleetInput> = {}, name = 'qa'): string {
  try {
    resolveEnvironment(name, { ...base, fleets: [{ ...fleet, ...fleetOverride }], ...env });
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
}

describe('example environments', () => {
  test('dev, staging and prod all validate', () => {
    const configs = resolveEnvironments(environments);
    expect(configs.map((c) => c.name)).toEqual(['dev', 'staging', 'prod']);
  });

  test('defaults are applied: 40% CPU, 10 minute drain, 5 minute warmup, OneAtATime', () => {
    const [config] = resolveEnvironments({ qa: base });
    expect(config.fleets[0]).toMatchObject({
      targetCpuPercent: 40,
      drainTimeoutSeconds: 600,
      heartbeatTimeoutSeconds: 720,
      instanceWarmupSeconds: 300,
      deploymentConfig: 'OneAtATime',
      rootVolumeGiB: 50,
    });
    expect(config.network).toEqual({ kind: 'create', cidr: '10.40.0.0/16', maxAzs: 3, natGateways: 1 });
    expect(config.controller).toEqual({
      taskSource: { kind: 'metric', namespace: 'GracefulAutoscaler/qa', metricName: 'RunningTasks', ageMetricName: 'OldestTaskAgeSeconds', periodSeconds: 10, instanceDimension: 'InstanceId', groupDimension: 'AutoScalingGroupName', extraDimensions: {}, perInstance: true },
      stopWorker: { kind: 'agent' },
      idleReadings: 3,
    });
  });

  test('a drain longer than one heartbeat period gets the 2 h heartbeat timeout', () => {
    const [config] = resolveEnvironments({ qa: { ...base, fleets: [{ ...fleet, drainTimeout: '3h' }] } });
    expect(config.fleets[0].heartbeatTimeoutSeconds).toBe(7200);
  });
});

describe('selecting environments', () => {
  test('only the selected environments are resolved', () => {
    expect(resolveEnvironments(environments, ['prod']).map((c) => c.name)).toEqual(['prod']);
  });

  test('an unknown environment is refused with the known ones listed', () => {
    expect(() => resolveEnvironments(environments, ['prdo'])).toThrow(
      /env "prdo": unknown environment; known environments are dev, staging, prod/,
    );
  });

  test('every problem of every environment is reported at once', () => {
    try {
      resolveEnvironments({
        a: { ...base, fleets: [{ ...fleet, minCapacity: 5 }] },
        b: { ...base, fleets: [{ ...fleet, targetCpuPercent: 0 }] },
      });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).problems).toHaveLength(2);
      expect((e as ConfigError).problems[0]).toMatch(/^env "a": fleets\[0\]\.minCapacity \(5\)/);
      expect((e as ConfigError).problems[1]).toMatch(/^env "b": fleets\[0\]\.targetCpuPercent \(0\)/);
    }
  });
});

// Each rule: the message names the environment, the field, the value and the rule.
describe.each<[string, Partial<EnvironmentInput>, Partial<FleetInput>, RegExp]>([
  ['none: the base environment is valid', {}, {}, /^$/],
  ['min > max', {}, { minCapacity: 5, maxCapacity: 3 }, /env "qa": fleets\[0\]\.minCapacity \(5\) must be <= maxCapacity \(3\)/],
  ['desired above max', {}, { desiredCapacity: 9 }, /fleets\[0\]\.desiredCapacity \(9\) must be within \[minCapacity, maxCapacity\] = \[1, 4\]/],
  ['desired below min', {}, { minCapacity: 2, desiredCapacity: 1 }, /fleets\[0\]\.desiredCapacity \(1\) must be within \[minCapacity, maxCapacity\] = \[2, 4\]/],
  ['negative min', {}, { minCapacity: -1 }, /fleets\[0\]\.minCapacity \(-1\) must be a whole number from 0 to 2000/],
  ['fractional max', {}, { maxCapacity: 2.5 }, /fleets\[0\]\.maxCapacity \(2\.5\) must be a whole number/],
  ['target 0', {}, { targetCpuPercent: 0 }, /fleets\[0\]\.targetCpuPercent \(0\) must be a number in \(0, 100\]/],
  ['target above 100', {}, { targetCpuPercent: 101 }, /fleets\[0\]\.targetCpuPercent \(101\) must be a number in \(0, 100\]/],
  ['drain beyond 48 h', {}, { drainTimeout: '49h' }, /fleets\[0\]\.drainTimeout \("49h"\) must be from 1m to 47h58m: the 48h lifecycle-hook limit/],
  ['drain of exactly 48 h leaves no force margin', {}, { drainTimeout: '48h' }, /fleets\[0\]\.drainTimeout \("48h"\) must be from 1m to 47h58m/],
  ['drain shorter than a sweep', {}, { drainTimeout: '30s' }, /fleets\[0\]\.drainTimeout \("30s"\) must be from 1m/],
  ['drain not a duration', {}, { drainTimeout: 'ten minutes' as never }, /fleets\[0\]\.drainTimeout \("ten minutes"\) must be a duration such as "90s", "10m" or "1h30m"/],
  ['warmup beyond 3600 s', {}, { instanceWarmup: '2h' }, /fleets\[0\]\.instanceWarmup \("2h"\) must be from 0s to 1h/],
  ['empty instance types', {}, { instanceTypes: [] }, /fleets\[0\]\.instanceTypes \(\[\]\) must list at least one instance type/],
  ['malformed instance type', {}, { instanceTypes: ['m7i-large'] }, /fleets\[0\]\.instanceTypes\[0\] \("m7i-large"\) must be an EC2 instance type/],
  ['duplicate instance type', {}, { instanceTypes: ['m7i.large', 'm7i.large'] }, /fleets\[0\]\.instanceTypes\[1\] \("m7i.large"\) must not be listed twice/],
  ['bad fleet name', {}, { name: 'ETL_1' }, /fleets\[0\]\.name \("ETL_1"\) must be lower-case letters/],
  ['unknown deployment config', {}, { deploymentConfig: 'Blue' as never }, /fleets\[0\]\.deploymentConfig \("Blue"\) must be one of OneAtATime, HalfAtATime, AllAtOnce/],
  ['healthy percent 100', {}, { deploymentConfig: { minimumHealthyHostsPercent: 100 } }, /deploymentConfig\.minimumHealthyHostsPercent \(100\) must be a whole number from 0 to 99/],
  ['root volume below AMI size', {}, { rootVolumeGiB: 4 }, /fleets\[0\]\.rootVolumeGiB \(4\) must be a whole number from 8/],
  ['spot share above 100', {}, { spot: { onDemandPercentageAboveBase: 120 } }, /spot\.onDemandPercentageAboveBase \(120\) must be a whole number from 0 to 100/],
  ['malformed account', { account: '1234' }, {}, /env "qa": account \("1234"\) must be a 12-digit AWS account id/],
  ['malformed region', { region: 'europe' }, {}, /env "qa": region \("europe"\) must be an AWS region code/],
  ['malformed VPC id', { network: { kind: 'existing', vpcId: 'vpc-xyz', privateSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'eu-west-1a' }, { subnetId: 'subnet-0123456789abcdef1', availabilityZone: 'eu-west-1b' }] } }, {}, /network\.vpcId \("vpc-xyz"\) must be a VPC id/],
  ['malformed subnet id', { network: { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [{ subnetId: 'sub-1', availabilityZone: 'eu-west-1a' }, { subnetId: 'subnet-0123456789abcdef1', availabilityZone: 'eu-west-1b' }] } }, {}, /network\.privateSubnets\[0\]\.subnetId \("sub-1"\) must be a subnet id/],
  ['malformed availability zone', { network: { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'west' }, { subnetId: 'subnet-0123456789abcdef1', availabilityZone: 'eu-west-1b' }] } }, {}, /network\.privateSubnets\[0\]\.availabilityZone \("west"\) must be an Availability Zone/],
  ['single-zone existing network', { network: { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'eu-west-1a' }, { subnetId: 'subnet-0123456789abcdef1', availabilityZone: 'eu-west-1a' }] } }, {}, /network\.privateSubnets \(\["eu-west-1a"\]\) must span at least 2 Availability Zones/],
  ['no subnets', { network: { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [] } }, {}, /network\.privateSubnets \(\[\]\) must list at least one subnet/],
  ['unknown network kind', { network: { kind: 'lookup' } as never }, {}, /network\.kind \("lookup"\) must be "create" or "existing"/],
  ['bad CIDR', { network: { kind: 'create', cidr: '10.0.0.0/8' } }, {}, /network\.cidr \("10\.0\.0\.0\/8"\) must be an IPv4 CIDR block from \/16 to \/28/],
  ['one-zone created VPC', { network: { kind: 'create', maxAzs: 1 } }, {}, /network\.maxAzs \(1\) must be a whole number from 2 to 6/],
  ['more NATs than zones', { network: { kind: 'create', maxAzs: 2, natGateways: 3 } }, {}, /network\.natGateways \(3\) must be <= network\.maxAzs \(2\)/],
  ['bad email', { notifications: { emails: ['oncall'] } }, {}, /notifications\.emails\[0\] \("oncall"\) must be an email address/],
  ['bad topic ARN', { notifications: { topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' } }, {}, /notifications\.topicArn \(.*\) must be an SNS topic ARN/],
  ['emails beside an existing topic', { notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall', emails: ['a@example.com'] } }, {}, /notifications\.emails .* must be empty when notifications\.topicArn is set/],
  ['no fleets', { fleets: [] }, {}, /env "qa": fleets \(\[\]\) must list at least one fleet/],
  ['idle readings 0', { controller: { idleReadings: 0 } }, {}, /env "qa": controller\.idleReadings \(0\) must be a whole number from 1 to 60/],
  ['metric period 15 s', { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['x'] }, taskSource: { kind: 'metric', periodSeconds: 15 } } }, {}, /controller\.taskSource\.periodSeconds \(15\) must be 1, 5, 10, 20, 30 or a multiple of 60/],
  ['empty instance dimension', { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['x'] }, taskSource: { kind: 'metric', instanceDimension: '' } } }, {}, /controller\.taskSource\.instanceDimension \(""\) must be a dimension name/],
  ['no agent but the agent is to stop workers', { agent: { install: false } }, {}, /env "qa": agent\.install \(false\) must stay true while controller\.stopWorker is "agent"/],
  ['agent that never stops the worker', { agent: { shutdown: { kind: 'none' } } }, {}, /agent\.shutdown \(\{"kind":"none"\}\) must start the worker's graceful shutdown while controller\.stopWorker is "agent"/],
  ['agent with a custom metric', { controller: { taskSource: { kind: 'metric', metricName: 'ActiveTasks' } } }, {}, /controller\.taskSource .* must be the agent's metric .* set agent\.install to false/],
  ['agent command empty', { agent: { tasks: { kind: 'command', command: '' } } }, {}, /agent\.tasks\.command \(""\) must be a non-empty shell command/],
  ['agent worker URL', { agent: { tasks: { kind: 'trino', url: 'localhost' } } }, {}, /agent\.tasks\.url \("localhost"\) must be http\(s\):\/\/host:port/],
  ['unknown task source', { controller: { taskSource: { kind: 'prometheus' } as never } }, {}, /controller\.taskSource\.kind \("prometheus"\) must be "metric" or "trino"/],
  ['Trino port 0', { controller: { taskSource: { kind: 'trino', port: 0 } } }, {}, /controller\.taskSource\.port \(0\) must be a whole number from 1 to 65535/],
  ['SSM stop without commands', { controller: { stopWorker: { kind: 'ssm', commands: [] } } }, {}, /controller\.stopWorker\.commands \(\[\]\) must list at least one non-empty shell command/],
  ['unknown stop mechanism', { controller: { stopWorker: { kind: 'kill' } as never } }, {}, /controller\.stopWorker\.kind \("kill"\) must be "agent", "ssm" or "trino"/],
  // Issue 10, fix 8: each of these passed config and failed later, in CDK, CloudFormation or on the instance.
  ['a /24 VPC cannot hold a /20 workers subnet per zone', { network: { kind: 'create', cidr: '10.40.0.0/24' } }, {}, /network\.cidr \("10\.40\.0\.0\/24"\) must hold a \/24 public and a \/20 workers subnet in each of network\.maxAzs \(3\) zones: use \/18 or larger/],
  ['a /19 VPC is too small for three zones', { network: { kind: 'create', cidr: '10.40.0.0/19' } }, {}, /network\.cidr \("10\.40\.0\.0\/19"\) must hold .* use \/18 or larger/],
  ['a /18 VPC is too small for six zones', { network: { kind: 'create', cidr: '10.40.0.0/18', maxAzs: 6, natGateways: 1 } }, {}, /network\.cidr \("10\.40\.0\.0\/18"\) must hold .* network\.maxAzs \(6\) zones: use \/17 or larger/],
  ['a VPC block beyond /28', { network: { kind: 'create', cidr: '10.40.0.0/30' } }, {}, /network\.cidr \("10\.40\.0\.0\/30"\) must be an IPv4 CIDR block from \/16 to \/28/],
  ['an octet above 255', { network: { kind: 'create', cidr: '10.400.0.0/16' } }, {}, /network\.cidr \("10\.400\.0\.0\/16"\) must be an IPv4 CIDR block/],
  ['subnets in another region\'s zones', { region: 'eu-west-1', network: { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'us-east-1a' }, { subnetId: 'subnet-0123456789abcdef1', availabilityZone: 'eu-west-1b' }] } }, {}, /network\.privateSubnets\[0\]\.availabilityZone \("us-east-1a"\) must be a zone of the environment's region \(eu-west-1\)/],
  ['subnets spread over two regions', { network: { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'us-east-1a' }, { subnetId: 'subnet-0123456789abcdef1', availabilityZone: 'eu-west-1b' }] } }, {}, /network\.privateSubnets \(\["us-east-1a","eu-west-1b"\]\) must all be in zones of one region/],
  ['a subnet listed twice', { network: { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'eu-west-1a' }, { subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'eu-west-1b' }] } }, {}, /network\.privateSubnets\[1\]\.subnetId \("subnet-0123456789abcdef0"\) must not be listed twice/],
  ['a topic in another region', { account: '123456789012', region: 'eu-west-1', notifications: { topicArn: 'arn:aws:sns:us-east-1:123456789012:oncall' } }, {}, /env "qa": notifications\.topicArn \("arn:aws:sns:us-east-1:123456789012:oncall"\) must be in the environment's region \(eu-west-1\)/],
  ['a topic in another account', { account: '123456789012', region: 'eu-west-1', notifications: { topicArn: 'arn:aws:sns:eu-west-1:210987654321:oncall' } }, {}, /notifications\.topicArn \(.*210987654321.*\) must be in the environment's account \(123456789012\)/],
  ['a topic an env-agnostic stack cannot check', { notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' } }, {}, /notifications\.topicArn \(.*\) needs the environment's account and region set/],
  ['an empty agent user', { agent: { tasks: { kind: 'trino', user: '' } } }, {}, /env "qa": agent\.tasks\.user \(""\) must be a user name of 1 to 64 letters/],
  ['an agent user with a line break', { agent: { tasks: { kind: 'trino', user: 'ops\nX-Trino-Role: admin' } } }, {}, /agent\.tasks\.user \("ops\\nX-Trino-Role: admin"\) must be a user name/],
  ['an empty secret file', { agent: { tasks: { kind: 'trino', sharedSecretFile: '' } } }, {}, /agent\.tasks\.sharedSecretFile \(""\) must be an absolute file path/],
  ['a relative secret file', { agent: { tasks: { kind: 'trino', sharedSecretFile: 'etc/trino/secret' } } }, {}, /agent\.tasks\.sharedSecretFile \("etc\/trino\/secret"\) must be an absolute file path/],
  ['a secret file path that injects a unit line', { agent: { shutdown: { kind: 'trino', sharedSecretFile: '/etc/secret\nExecStartPre=/bin/sh' } } }, {}, /agent\.shutdown\.sharedSecretFile \("\/etc\/secret\\nExecStartPre=\/bin\/sh"\) must be an absolute file path/],
  ['an empty metric dimension value', { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['x'] }, taskSource: { kind: 'metric', extraDimensions: { Cluster: '' } } } }, {}, /controller\.taskSource\.extraDimensions\.Cluster \(""\) must be a dimension value of 1 to 1024 characters/],
  ['an empty metric dimension name', { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['x'] }, taskSource: { kind: 'metric', extraDimensions: { '': 'etl' } } } }, {}, /controller\.taskSource\.extraDimensions \(""\) must name each dimension with 1 to 255 characters/],
  ['an age metric that is the count metric', { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['x'] }, taskSource: { kind: 'metric', metricName: 'ActiveTasks', ageMetricName: 'ActiveTasks' } } }, {}, /controller\.taskSource\.ageMetricName \("ActiveTasks"\) must differ from metricName/],
  ['an empty age metric name', { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['x'] }, taskSource: { kind: 'metric', ageMetricName: '' } } }, {}, /controller\.taskSource\.ageMetricName \(""\) must be 1 to 255 characters, or null/],
  ['the agent with another age metric', { controller: { taskSource: { kind: 'metric', ageMetricName: 'TaskAge' } } }, {}, /controller\.taskSource .* must be the agent's metric .*OldestTaskAgeSeconds or none/],
  ['an empty controller Trino user', { agent: { install: false }, controller: { taskSource: { kind: 'trino', user: '' }, stopWorker: { kind: 'trino' } } }, {}, /controller\.taskSource\.user \(""\) must be a user name/],
  ['idle readings at the agent interval overrun the drain', { agent: { intervalSeconds: 300 } }, {}, /fleets\[0\]\.shutdownGracePeriod \("2m"\) plus controller\.idleReadings \(3\) × the 300 s reading period must be shorter than drainTimeout \(10m\)/],
  ['many idle readings overrun a short drain', { controller: { idleReadings: 30 } }, { drainTimeout: '5m' }, /fleets\[0\]\.shutdownGracePeriod \("2m"\) plus controller\.idleReadings \(30\) × the 10 s reading period must be shorter than drainTimeout \(5m\)/],
  ['a worker unit that is not a service', { agent: { workerUnit: 'trino' } }, {}, /env "qa": agent\.workerUnit \("trino"\) must be a systemd service unit name, such as trino\.service/],
  ['a worker unit that injects a drop-in line', { agent: { workerUnit: 'trino.service\nExecStartPre=/bin/sh' } }, {}, /agent\.workerUnit \("trino\.service\\nExecStartPre=\/bin\/sh"\) must be a systemd service unit name/],
  ['a worker unit that is a path', { agent: { workerUnit: '../../etc/passwd.service' } }, {}, /agent\.workerUnit \("\.\.\/\.\.\/etc\/passwd\.service"\) must be a systemd service unit name/],
  ['the agent as its own worker unit', { agent: { workerUnit: 'graceful-autoscaler-in-service.service' } }, {}, /agent\.workerUnit \("graceful-autoscaler-in-service\.service"\) must be the worker's own unit, not graceful-autoscaler-agent\.service or graceful-autoscaler-in-service\.service/],
  ['Graviton and x86 types in one fleet', {}, { instanceTypes: ['m7g.large', 'm7i.large'] }, /fleets\[0\]\.instanceTypes \(\["m7g\.large","m7i\.large"\]\) must all be Graviton \(arm64\) or all x86_64/],
  ['an Intel type beside a Graviton GPU type', {}, { instanceTypes: ['g5g.xlarge', 'g4dn.xlarge'] }, /fleets\[0\]\.instanceTypes .* must all be Graviton \(arm64\) or all x86_64/],
  ['a Mac instance', {}, { instanceTypes: ['mac2.metal'] }, /fleets\[0\]\.instanceTypes\[0\] \("mac2\.metal"\) must not be a Mac instance/],
])('config rule: %s', (_name, env, fleetOverride, expected) => {
  test('is reported with env, field, value and rule', () => {
    expect(errorFor(env, fleetOverride)).toMatch(expected);
  });
});

test("the task-age metric: the agent's by default, none for another count metric unless named, null turns it off", () => {
  const source = (controller: object, agent: object = {}) => resolveEnvironments({ qa: { ...base, agent, controller } as never })[0].controller.taskSource;
  expect(source({})).toMatchObject({ metricName: 'RunningTasks', ageMetricName: 'OldestTaskAgeSeconds' });
  expect(source({ taskSource: { kind: 'metric', ageMetricName: null } })).not.toHaveProperty('ageMetricName');
  const own = { stopWorker: { kind: 'ssm', commands: ['x'] } };
  expect(source({ ...own, taskSource: { kind: 'metric', metricName: 'ActiveTasks' } }, { install: false })).not.toHaveProperty('ageMetricName');
  expect(source({ ...own, taskSource: { kind: 'metric', metricName: 'ActiveTasks', ageMetricName: 'OldestActiveTaskSeconds' } }, { install: false })).toMatchObject({ ageMetricName: 'OldestActiveTaskSeconds' });
});

test("the agent's metric is read per instance, from each instance's own namespace; a user's own metric from its one namespace", () => {
  const source = (controller: object, agent: object = {}) => resolveEnvironments({ qa: { ...base, agent, controller } as never })[0].controller.taskSource;
  expect(source({})).toMatchObject({ namespace: 'GracefulAutoscaler/qa', perInstance: true });
  // Naming the agent's namespace is still the agent's metric while the agent is installed.
  expect(source({ taskSource: { kind: 'metric', namespace: 'GracefulAutoscaler/qa' } })).toMatchObject({ perInstance: true });
  const own = { stopWorker: { kind: 'ssm', commands: ['x'] } };
  expect(source({ ...own, taskSource: { kind: 'metric', namespace: 'Trino', metricName: 'ActiveTasks' } }, { install: false })).not.toHaveProperty('perInstance');
  expect(source({ ...own, taskSource: { kind: 'metric' } }, { install: false })).not.toHaveProperty('perInstance');
});

test('fleet names that differ only in dashes are refused: CloudFormation ids and outputs would collide', () => {
  const message = errorFor({ fleets: [{ ...fleet, name: 'a-b' }, { ...fleet, name: 'ab' }] });
  expect(message).toMatch(/env "qa": fleets\[1\]\.name \("ab"\) must differ from fleet "a-b" in its letters and digits: .* both would be "ab"/);
  expect(errorFor({ fleets: [{ ...fleet, name: 'etl' }, { ...fleet, name: 'etl-' }] })).toMatch(/fleets\[1\]\.name \("etl-"\) must differ from fleet "etl"/);
});

test('an existing topic in the environment\'s own account and region is accepted', () => {
  expect(errorFor({ account: '123456789012', region: 'eu-west-1', notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' } })).toBe('');
});

test('an all-Graviton fleet beside an all-x86 one is accepted (each gets its image: test/lib/worker-fleet.test.ts)', () => {
  const [config] = resolveEnvironments({
    qa: { ...base, fleets: [{ ...fleet, name: 'arm', instanceTypes: ['m7g.large', 'm6g.large', 'c7gn.large'] }, { ...fleet, name: 'x86', instanceTypes: ['m7i.large', 'm7a.large', 'g4dn.xlarge'] }] },
  });
  expect(config.fleets.map((f) => [f.name, (f as NewFleetConfig).instanceTypes.length])).toEqual([['arm', 3], ['x86', 3]]);
});

test('duplicate fleet names are refused', () => {
  expect(() => resolveEnvironment('qa', { ...base, fleets: [fleet, { ...fleet }] })).toThrow(
    /env "qa": fleets\[1\]\.name \("etl"\) must be unique within the environment/,
  );
});

test('a malformed environment name is refused', () => {
  expect(() => resolveEnvironment('Prod!', base)).toThrow(/env "Prod!": name \("Prod!"\) must be lower-case/);
});

test.each([
  ['90s', 90],
  ['10m', 600],
  ['1h30m', 5400],
  ['2h', 7200],
  ['1h2m3s', 3723],
  ['', undefined],
  ['10', undefined],
  ['m', undefined],
  ['1d', 86_400],
  ['1d1d', undefined],
])('duration %j parses to %j seconds', (text, seconds) => {
  expect(parseDurationSeconds(text)).toBe(seconds);
});

describe("Trino's grace period and the coordinator view", () => {
  test('defaults: the grace period is Trino\'s 2 minutes; no coordinator', () => {
    const [config] = resolveEnvironments({ qa: base });
    expect(config.fleets[0]).toMatchObject({ shutdownGraceSeconds: 120, coordinatorUrl: undefined });
  });
  test.each([
    [{ shutdownGracePeriod: '2h' }, /env "qa": fleets\[0\]\.shutdownGracePeriod \("2h"\) must be from 0s to 1h/],
    [{ shutdownGracePeriod: 'soon' }, /fleets\[0\]\.shutdownGracePeriod \("soon"\) must be a duration/],
    [{ coordinatorUrl: 'trino:8080' }, /fleets\[0\]\.coordinatorUrl \("trino:8080"\) must be http\(s\):\/\/host:port/],
    [{ coordinatorUrl: 'http://trino:8080/ui' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/trino:8080\/ui"\) must be http\(s\):\/\/host:port/],
    // 10 minutes of grace plus 3 readings of 10 s cannot end before a 10-minute deadline.
    [{ shutdownGracePeriod: '10m' }, /fleets\[0\]\.shutdownGracePeriod \("10m"\) plus controller\.idleReadings \(3\) × the 10 s reading period must be shorter than drainTimeout \("10m"\)|shorter than drainTimeout \(10m\)/],
  ] as [Partial<FleetInput>, RegExp][])("%j is refused with env, field, value and rule", (override, message) => {
    expect(errorFor({}, override)).toMatch(message);
  });
  test('a coordinator only the agent would read needs the agent to stop the workers', () => {
    const ssm = { controller: { stopWorker: { kind: 'ssm' as const, commands: ['systemctl stop trino'] } } };
    expect(errorFor(ssm, { coordinatorUrl: 'http://trino:8080', scaling: { signals: false } })).toMatch(
      /fleets\[0\]\.coordinatorUrl \("http:\/\/trino:8080"\) needs the agent installed and controller\.stopWorker "agent"/,
    );
    // With the scaling signals on (the default with a coordinator), the signals function reads it.
    expect(errorFor(ssm, { coordinatorUrl: 'http://trino:8080' })).toBe('');
  });
  test('with the controller reading each worker itself, a reading is one sweep (60 s): the rule counts that', () => {
    const trino = { agent: { install: false }, controller: { taskSource: { kind: 'trino' as const }, stopWorker: { kind: 'trino' as const } } };
    // 8 minutes of grace plus 3 readings a minute apart end after a 10-minute deadline.
    expect(errorFor(trino, { shutdownGracePeriod: '8m' })).toMatch(/fleets\[0\]\.shutdownGracePeriod \("8m"\) plus controller\.idleReadings \(3\) × the 60 s reading period/);
    expect(errorFor(trino, { shutdownGracePeriod: '6m' })).toBe('');
  });
  test('0s is accepted for workers whose stop is immediate', () => {
    expect(errorFor({}, { shutdownGracePeriod: '0s' })).toBe('');
  });
});

describe('scaling signals per fleet', () => {
  const fleetOf = (override: Partial<FleetInput>) => resolveEnvironment('qa', { ...base, fleets: [{ ...fleet, ...override }] }).fleets[0];
  test('on by default with a coordinator to poll, with the documented defaults; off without one', () => {
    expect(fleetOf({ coordinatorUrl: 'http://trino:8080' }).scaling).toEqual({ targetBacklogSeconds: 120, toleratedBacklogSeconds: 10, scaleInLookbackMinutes: 8, scaleInHorizonMinutes: 15 });
    expect(fleetOf({}).scaling).toBeUndefined();
    expect(fleetOf({ coordinatorUrl: 'http://trino:8080', scaling: { signals: false } }).scaling).toBeUndefined();
    expect(fleetOf({ coordinatorUrl: 'http://trino:8080', scaling: { targetBacklog: '5m', toleratedBacklog: '30s', scaleInLookbackMinutes: 15, scaleInHorizonMinutes: 0 } }).scaling).toEqual({
      targetBacklogSeconds: 300,
      toleratedBacklogSeconds: 30,
      scaleInLookbackMinutes: 15,
      scaleInHorizonMinutes: 0,
    });
  });
  test.each([
    [{ scaling: { signals: true } }, /env "qa": fleets\[0\]\.scaling\.signals \(true\) needs the fleet's coordinatorUrl/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { signals: 'yes' } }, /fleets\[0\]\.scaling\.signals \("yes"\) must be true or false/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { targetBacklog: '5s' } }, /fleets\[0\]\.scaling\.targetBacklog \("5s"\) must be from 10s to 1h/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { targetBacklog: 'soon' } }, /fleets\[0\]\.scaling\.targetBacklog \("soon"\) must be a duration/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { toleratedBacklog: '2m', targetBacklog: '1m' } }, /fleets\[0\]\.scaling\.toleratedBacklog \("2m"\) must be shorter than targetBacklog \(1m\)/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { scaleInLookbackMinutes: 0 } }, /fleets\[0\]\.scaling\.scaleInLookbackMinutes \(0\) must be a whole number from 1 to 60/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { scaleInLookbackMinutes: 2.5 } }, /scaleInLookbackMinutes \(2\.5\) must be a whole number/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { scaleInHorizonMinutes: 61 } }, /fleets\[0\]\.scaling\.scaleInHorizonMinutes \(61\) must be a whole number from 0 to 60/],
    [{ coordinatorUrl: 'http://t:8080', scaling: { scaleInHorizonMinutes: -1 } }, /scaleInHorizonMinutes \(-1\) must be a whole number from 0 to 60/],
  ] as [Partial<FleetInput>, RegExp][])('%j is refused with env, field, value and rule', (override, message) => {
    expect(errorFor({}, override)).toMatch(message);
  });
});
