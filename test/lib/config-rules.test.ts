/**
 * Issue 40 items 1 and 4: unknown keys at every level, and configurations that passed synth and failed or
 * misbehaved at deploy. Each case is refused naming the environment, the field, the value and the rule.
 */
import { environments } from '../../config/environments';
import { ConfigError, EnvironmentInput, FleetInput, resolveEnvironment, resolveEnvironments } from '../../lib/config';
import { largestFunctionEnvironmentBytes } from '../../lib/config/limits';
import { editDistance, nearestKey } from '../../lib/config/shape';
import { isLoopbackOrTls } from '../../lib/config/urls';
import { isLoopbackOrTls as agentIsLoopbackOrTls } from '../../agent/config';
import { isMetricPeriod } from '../../core/contract/lambda-settings';

const fleet: FleetInput = { name: 'etl', instanceTypes: ['m7i.large', 'm6i.large'], minCapacity: 1, maxCapacity: 4 };
const base: EnvironmentInput = { network: { kind: 'create' }, fleets: [fleet] };
const existingNetwork = { kind: 'existing', vpcId: 'vpc-0123456789abcdef0', privateSubnets: [{ subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'eu-west-1a' }, { subnetId: 'subnet-0123456789abcdef1', availabilityZone: 'eu-west-1b' }] } as const;
const ownMetric = { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['systemctl stop trino'] } } } as const;

function errorFor(env: object, fleetOverride: object = {}): string {
  try {
    resolveEnvironment('qa', { ...base, fleets: [{ ...fleet, ...fleetOverride }], ...env } as EnvironmentInput);
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
}

describe('unknown keys (issue 40 item 1)', () => {
  test("prod etl's drainTimout is refused with the key it meant, not synthesized with the 10-minute default", () => {
    const prod = structuredClone(environments.prod) as unknown as { fleets: Record<string, unknown>[] };
    prod.fleets[0].drainTimout = prod.fleets[0].drainTimeout;
    delete prod.fleets[0].drainTimeout;
    expect(() => resolveEnvironments({ prod: prod as unknown as EnvironmentInput })).toThrow(
      /env "prod": fleets\[0\]\.drainTimout \("3h"\) is not a known field, so it would be ignored: did you mean drainTimeout\?/,
    );
  });

  test.each<[string, object, object, RegExp]>([
    ['top level', { fleet: [] }, {}, /env "qa": fleet \(\[\]\) is not a known field.*did you mean fleets\?/],
    ['network', { network: { kind: 'create', cidrBlock: '10.1.0.0/16' } }, {}, /network\.cidrBlock \("10\.1\.0\.0\/16"\) is not a known field.*(did you mean cidr\?|known fields here are kind, cidr, maxAzs, natGateways)/],
    ['a subnet of an existing network', { network: { ...existingNetwork, privateSubnets: [{ ...existingNetwork.privateSubnets[0], subnetID: 'x' }, existingNetwork.privateSubnets[1]] } }, {}, /network\.privateSubnets\[0\]\.subnetID \("x"\) is not a known field.*did you mean subnetId\?/],
    ['notifications', { notifications: { email: ['a@example.com'] } }, {}, /notifications\.email \(\["a@example\.com"\]\) is not a known field.*did you mean emails\?/],
    ['a fleet', {}, { maxCapcity: 9 }, /fleets\[0\]\.maxCapcity \(9\) is not a known field.*did you mean maxCapacity\?/],
    ['spot', {}, { spot: { onDemandBase: 1 } }, /fleets\[0\]\.spot\.onDemandBase \(1\) is not a known field.*did you mean onDemandBaseCapacity\?/],
    ['scaling', {}, { coordinatorUrl: 'http://t:8080', scaling: { targetBacklg: '1m' } }, /fleets\[0\]\.scaling\.targetBacklg \("1m"\) is not a known field.*did you mean targetBacklog\?/],
    ['stragglers', {}, { stragglers: { detect: true, replce: true } }, /fleets\[0\]\.stragglers\.replce \(true\) is not a known field.*did you mean replace\?/],
    ['deploymentConfig', {}, { deploymentConfig: { minimumHealthyHostPercent: 50 } }, /fleets\[0\]\.deploymentConfig\.minimumHealthyHostPercent \(50\) is not a known field.*did you mean minimumHealthyHostsPercent\?/],
    ['an adopted group', {}, { instanceTypes: undefined, minCapacity: undefined, maxCapacity: undefined, existing: { groupName: 'g', agentInstaled: true } }, /fleets\[0\]\.existing\.agentInstaled \(true\) is not a known field.*did you mean agentInstalled\?/],
    ['a metric task source', { ...ownMetric, controller: { ...ownMetric.controller, taskSource: { kind: 'metric', periodSecond: 60 } } }, {}, /controller\.taskSource\.periodSecond \(60\) is not a known field.*did you mean periodSeconds\?/],
    ['a Trino task source', { agent: { install: false }, controller: { taskSource: { kind: 'trino', prot: 8443 }, stopWorker: { kind: 'trino' } } }, {}, /controller\.taskSource\.prot \(8443\) is not a known field.*did you mean port\?/],
    ['an SSM stop', { agent: { install: false }, controller: { taskSource: { kind: 'trino' }, stopWorker: { kind: 'ssm', command: ['x'] } } }, {}, /controller\.stopWorker\.command \(\["x"\]\) is not a known field.*did you mean commands\?/],
    ['the controller', { controller: { idleReading: 3 } }, {}, /controller\.idleReading \(3\) is not a known field.*did you mean idleReadings\?/],
    ['the agent', { agent: { interval: 10 } }, {}, /agent\.interval \(10\) is not a known field.*did you mean intervalSeconds\?/],
    ["the agent's task source", { agent: { tasks: { kind: 'trino', sharedSecret: '/etc/trino/secret' } } }, {}, /agent\.tasks\.sharedSecret \("\/etc\/trino\/secret"\) is not a known field.*did you mean sharedSecretFile\?/],
    ['a key of the other kind', { agent: { tasks: { kind: 'command', command: 'x', url: 'http://127.0.0.1:8080' } } }, {}, /agent\.tasks\.url \("http:\/\/127\.0\.0\.1:8080"\) is not a known field.*known fields here are kind, command/],
  ])('in %s', (_where, env, fleetOverride, expected) => {
    expect(errorFor(env, fleetOverride)).toMatch(expected);
  });

  test('a container of the wrong type is refused and the environment not resolved further', () => {
    expect(errorFor({}, { spot: 5 })).toMatch(/env "qa": fleets\[0\]\.spot \(5\) must be an object \{ onDemandBaseCapacity, onDemandPercentageAboveBase \}/);
    expect(errorFor({ fleets: 'etl' })).toMatch(/env "qa": fleets \("etl"\) must be a list \[ … \]/);
  });

  test('every example environment has only known keys', () => {
    expect(resolveEnvironments(environments)).toHaveLength(3);
  });

  test('the nearest name: transpositions and dropped letters are slips; unrelated names suggest nothing', () => {
    expect(editDistance('drainTimout', 'drainTimeout')).toBe(1);
    expect(editDistance('mniCapacity', 'minCapacity')).toBe(1);
    expect(nearestKey('DrainTimeout', ['drainTimeout', 'name'])).toBe('drainTimeout');
    expect(nearestKey('colour', ['drainTimeout', 'name'])).toBeUndefined();
  });
});

// Issue 40 item 4: each passed synth and failed or misbehaved at deploy.
describe.each<[string, object, object, RegExp]>([
  ['a coordinator port above 65535', {}, { coordinatorUrl: 'http://trino:99999' }, /env "qa": fleets\[0\]\.coordinatorUrl \("http:\/\/trino:99999"\) must have a port from 1 to 65535 \(got 99999\)/],
  ['a coordinator on loopback', {}, { coordinatorUrl: 'http://127.0.0.1:8080' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/127\.0\.0\.1:8080"\) must be the coordinator's address in the VPC, not a loopback or link-local one/],
  ['a coordinator at the metadata service', {}, { coordinatorUrl: 'http://169.254.169.254:80' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/169\.254\.169\.254:80"\) must be the coordinator's address in the VPC/],
  // Other spellings of the same addresses, which the clients' URL parsing reads as 127.0.0.1 and 169.254.169.254.
  ['a coordinator on loopback, as a decimal number', {}, { coordinatorUrl: 'http://2130706433:8080' }, /coordinatorUrl \("http:\/\/2130706433:8080"\) must be the coordinator's address in the VPC, not a loopback or link-local one/],
  ['a coordinator on loopback, shortened', {}, { coordinatorUrl: 'http://127.1:8080' }, /coordinatorUrl \("http:\/\/127\.1:8080"\) must be the coordinator's address in the VPC/],
  ['a coordinator at the metadata service, as a decimal number', {}, { coordinatorUrl: 'http://2852039166:80' }, /coordinatorUrl \("http:\/\/2852039166:80"\) must be the coordinator's address in the VPC/],
  ['a VPC block with host bits', { network: { kind: 'create', cidr: '10.40.0.5/16' } }, {}, /env "qa": network\.cidr \("10\.40\.0\.5\/16"\) must be a network address with no host bits set: did you mean 10\.40\.0\.0\/16\?/],
  ['a public VPC block', { network: { kind: 'create', cidr: '52.0.0.0/16' } }, {}, /network\.cidr \("52\.0\.0\.0\/16"\) must be inside a private range/],
  ['a Spot on-demand base above max', {}, { spot: { onDemandBaseCapacity: 5 } }, /fleets\[0\]\.spot\.onDemandBaseCapacity \(5\) must be <= maxCapacity \(4\)/],
  ['a shared secret sent to a remote http URL', { agent: { tasks: { kind: 'trino', url: 'http://10.0.0.7:8080', sharedSecretFile: '/etc/trino/secret' } } }, {}, /agent\.tasks\.url \("http:\/\/10\.0\.0\.7:8080"\) must be https:\/\/ or a loopback address while sharedSecretFile is set/],
  ['stragglers on a fleet that never has 3 peers', {}, { maxCapacity: 2, stragglers: { detect: true } }, /fleets\[0\]\.stragglers\.detect \(true\) needs maxCapacity \(2\) of at least 3/],
  ['sshd as the worker unit', { agent: { workerUnit: 'sshd.service' } }, {}, /agent\.workerUnit \("sshd\.service"\) must be the worker's own unit, not one the instance needs/],
  ['duplicate emails', { notifications: { emails: ['ops@example.com', 'ops@example.com'] } }, {}, /notifications\.emails\[1\] \("ops@example\.com"\) must not be listed twice \(it is notifications\.emails\[0\] too/],
  ['a group name with a trailing space', {}, { instanceTypes: undefined, minCapacity: undefined, maxCapacity: undefined, existing: { groupName: 'trino-workers ', agentInstalled: true } }, /fleets\[0\]\.existing\.groupName \("trino-workers "\) must not start or end with a space/],
  ['functions\' settings over 4 KB (20 fleets)', { fleets: Array.from({ length: 20 }, (_, i) => ({ ...fleet, name: `fleet-${String.fromCharCode(97 + i)}` })) }, {}, /env "qa": fleets \("20 fleets"\) would make the runbook functions' environment variables about \d+ bytes, over Lambda's 4096-byte limit/],
  ['long SSM commands over 4 KB', { controller: { stopWorker: { kind: 'ssm', commands: Array.from({ length: 36 }, (_, i) => `/opt/trino/bin/graceful-stop --step ${i} --wait-for-queries --log /var/log/trino/graceful-stop.log`) } } }, { coordinatorUrl: undefined }, /controller\.stopWorker\.commands \("\d+ characters"\) would make the drain functions' environment variables about \d+ bytes, over Lambda's 4096-byte limit/],
  ['user data over 16 KB', { agent: { tasks: { kind: 'command', command: `curl -s http://127.0.0.1:8080/v1/task | ${'jq ".[] | select(.state == \\"RUNNING\\")" | '.repeat(300)}wc -l` }, shutdown: { kind: 'none' } }, controller: { stopWorker: { kind: 'ssm', commands: ['x'] } } }, {}, /agent\.tasks\.command \("\d+ characters"\) would make the instances' user data about \d+ bytes, over EC2's 16384-byte limit/],
])('deploy-time failure refused at synth: %s', (_name, env, fleetOverride, expected) => {
  test('names env, field, value and rule', () => {
    expect(errorFor(env, fleetOverride)).toMatch(expected);
  });
});

test('periodSeconds 20 is a GetMetricData period (MetricStat: 1, 5, 10, 20, 30, 60 or a multiple of 60), in config and in the functions', () => {
  expect(errorFor({ ...ownMetric, controller: { ...ownMetric.controller, taskSource: { kind: 'metric', namespace: 'Trino', periodSeconds: 20 } } })).toBe('');
  expect([1, 5, 10, 20, 30, 60, 120].every(isMetricPeriod)).toBe(true);
  expect([2, 15, 45, 90].some(isMetricPeriod)).toBe(false);
});

test("the config's shared-secret URL rule is the agent's: one function in core", () => {
  expect(isLoopbackOrTls).toBe(agentIsLoopbackOrTls);
  const safe = ['http://127.0.0.1:8080', 'http://localhost:8080', 'https://w:8443', 'http://127.8.9.10:1', 'http://[::1]:8080'];
  const unsafe = ['http://10.0.0.7:8080', 'http://w:8080', 'not a url'];
  expect(safe.filter((u) => !isLoopbackOrTls(u))).toEqual([]);
  expect(unsafe.filter(isLoopbackOrTls)).toEqual([]);
});

test('the example environments are well inside the 4 KB function environment', () => {
  for (const config of resolveEnvironments(environments)) {
    expect(largestFunctionEnvironmentBytes(config.name, config.fleets, config.controller, config.agent).bytes).toBeLessThan(3000);
  }
});

// Thirty more a new user writes: each passed synth and failed at deploy, misbehaved, or failed synth with an indirect message.
describe.each<[string, object, object, RegExp]>([
  ['1. a coordinator URL with a password in it', {}, { coordinatorUrl: 'http://admin:secret@trino:8080' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/admin:secret@trino:8080"\) must not carry a user name or password/],
  ['2. a coordinator host with an empty DNS label', {}, { coordinatorUrl: 'http://trino..internal:8080' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/trino\.\.internal:8080"\) must name a valid host/],
  ['3. a coordinator at 0.0.0.0', {}, { coordinatorUrl: 'http://0.0.0.0:8080' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/0\.0\.0\.0:8080"\) must be the coordinator's address in the VPC/],
  ['4. a coordinator at localhost', {}, { coordinatorUrl: 'http://localhost:8080' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/localhost:8080"\) must be the coordinator's address in the VPC/],
  ['5. a coordinator on port 0', {}, { coordinatorUrl: 'http://trino:0' }, /fleets\[0\]\.coordinatorUrl \("http:\/\/trino:0"\) must have a port from 1 to 65535 \(got 0\)/],
  ['6. a coordinator host label over 63 characters', {}, { coordinatorUrl: `http://${'a'.repeat(64)}.internal:8080` }, /fleets\[0\]\.coordinatorUrl \(.*\) must name a valid host/],
  ["7. the agent's worker URL on port 70000", { agent: { tasks: { kind: 'trino', url: 'http://127.0.0.1:70000' } } }, {}, /agent\.tasks\.url \("http:\/\/127\.0\.0\.1:70000"\) must have a port from 1 to 65535/],
  ["8. the agent's worker URL at the metadata service", { agent: { tasks: { kind: 'trino', url: 'http://169.254.169.254' } } }, {}, /agent\.tasks\.url \("http:\/\/169\.254\.169\.254"\) must be the worker's own HTTP API, not a link-local address/],
  ["9. the agent's shutdown URL with credentials", { agent: { shutdown: { kind: 'trino', url: 'http://ops:pw@127.0.0.1:8080' } } }, {}, /agent\.shutdown\.url \("http:\/\/ops:pw@127\.0\.0\.1:8080"\) must not carry a user name or password/],
  ['10. a VPC block just outside 172.16.0.0/12', { network: { kind: 'create', cidr: '172.32.0.0/16' } }, {}, /network\.cidr \("172\.32\.0\.0\/16"\) must be inside a private range/],
  ['11. a VPC block just outside 192.168.0.0/16', { network: { kind: 'create', cidr: '192.169.0.0/16' } }, {}, /network\.cidr \("192\.169\.0\.0\/16"\) must be inside a private range/],
  ['12. a /18 with host bits in its third octet', { network: { kind: 'create', cidr: '10.40.100.0/18' } }, {}, /network\.cidr \("10\.40\.100\.0\/18"\) must be a network address with no host bits set: did you mean 10\.40\.64\.0\/18\?/],
  ['13. a FIFO alarm topic', { account: '123456789012', region: 'eu-west-1', notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall.fifo' } }, {}, /notifications\.topicArn \("arn:aws:sns:eu-west-1:123456789012:oncall\.fifo"\) must be a standard topic, not a FIFO one/],
  ['14. an email with a trailing separator', { notifications: { emails: ['ops@example.com;'] } }, {}, /notifications\.emails\[0\] \("ops@example\.com;"\) must be an email address/],
  ['15. the same email in another case', { notifications: { emails: ['Ops@Example.com', 'ops@example.com'] } }, {}, /notifications\.emails\[1\] \("ops@example\.com"\) must not be listed twice/],
  ['16. an account id as a number', { account: 12345678901 }, {}, /env "qa": account \(12345678901\) must be a string of 12 digits in quotes/],
  ['17. an adopted group named by its ARN', {}, { instanceTypes: undefined, minCapacity: undefined, maxCapacity: undefined, existing: { groupName: 'arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0f1e:autoScalingGroupName/workers', agentInstalled: true } }, /fleets\[0\]\.existing\.groupName \("arn:aws:autoscaling:.*"\) must be the group's name, not its ARN/],
  ['18. a group name with a leading space', {}, { instanceTypes: undefined, minCapacity: undefined, maxCapacity: undefined, existing: { groupName: ' workers', agentInstalled: true } }, /fleets\[0\]\.existing\.groupName \(" workers"\) must not start or end with a space/],
  ['19. one group adopted by two fleets', { fleets: [{ name: 'a', existing: { groupName: 'workers', agentInstalled: true } }, { name: 'b', existing: { groupName: 'workers', agentInstalled: true } }] }, {}, /fleets\[1\]\.existing\.groupName \("workers"\) must not adopt the group fleets\[0\] \(a\) already adopts/],
  ['20. no agent and no task source', { agent: { install: false }, controller: { stopWorker: { kind: 'ssm', commands: ['systemctl stop trino'] } } }, {}, /env "qa": controller\.taskSource \(undefined\) must be set while agent\.install is false/],
  ["21. a metric period shorter than the agent's interval", { controller: { taskSource: { kind: 'metric', periodSeconds: 5 } } }, {}, /controller\.taskSource\.periodSeconds \(5\) must be at least agent\.intervalSeconds \(10\)/],
  ['22. an agent interval longer than the metric period', { agent: { intervalSeconds: 30 } }, {}, /controller\.taskSource\.periodSeconds \(10\) must be at least agent\.intervalSeconds \(30\)/],
  ['23. an extra dimension that repeats the instance dimension', { ...ownMetric, controller: { ...ownMetric.controller, taskSource: { kind: 'metric', namespace: 'Trino', extraDimensions: { InstanceId: 'i-1' } } } }, {}, /controller\.taskSource\.extraDimensions\.InstanceId \("i-1"\) must not repeat instanceDimension or groupDimension/],
  ['24. a group dimension equal to the instance dimension', { ...ownMetric, controller: { ...ownMetric.controller, taskSource: { kind: 'metric', namespace: 'Trino', groupDimension: 'InstanceId' } } }, {}, /controller\.taskSource\.groupDimension \("InstanceId"\) must differ from instanceDimension/],
  ['25. a task metric in a reserved AWS/ namespace', { ...ownMetric, controller: { ...ownMetric.controller, taskSource: { kind: 'metric', namespace: 'AWS/Trino' } } }, {}, /controller\.taskSource\.namespace \("AWS\/Trino"\) must not start with "AWS\/"/],
  ['26. a namespace with a character CloudWatch refuses', { ...ownMetric, controller: { ...ownMetric.controller, taskSource: { kind: 'metric', namespace: 'Trino|Tasks' } } }, {}, /controller\.taskSource\.namespace \("Trino\|Tasks"\) must be a CloudWatch namespace: 1 to 255 letters/],
  ['27. two shared-secret files for one agent', { agent: { tasks: { kind: 'trino', sharedSecretFile: '/etc/trino/a' }, shutdown: { kind: 'trino', sharedSecretFile: '/etc/trino/b' } } }, {}, /agent\.shutdown\.sharedSecretFile \("\/etc\/trino\/b"\) must be the same file as agent\.tasks\.sharedSecretFile \("\/etc\/trino\/a"\)/],
  ['28. the SSM agent as the worker unit', { agent: { workerUnit: 'amazon-ssm-agent.service' } }, {}, /agent\.workerUnit \("amazon-ssm-agent\.service"\) must be the worker's own unit, not one the instance needs/],
  ["29. a systemd unit of the system's as the worker unit", { agent: { workerUnit: 'systemd-journald.service' } }, {}, /agent\.workerUnit \("systemd-journald\.service"\) must be the worker's own unit/],
  ['30. a shared secret over plain http to a worker by name', { agent: { shutdown: { kind: 'trino', url: 'http://worker.internal:8080', sharedSecretFile: '/etc/trino/secret' } } }, {}, /agent\.shutdown\.url \("http:\/\/worker\.internal:8080"\) must be https:\/\/ or a loopback address while sharedSecretFile is set/],
  ['31. a Spot base above max with a Spot share', {}, { maxCapacity: 10, spot: { onDemandBaseCapacity: 12, onDemandPercentageAboveBase: 20 } }, /fleets\[0\]\.spot\.onDemandBaseCapacity \(12\) must be <= maxCapacity \(10\)/],
  ['32. stragglers on a one-instance fleet', {}, { minCapacity: 1, maxCapacity: 1, stragglers: { detect: true, replace: true } }, /fleets\[0\]\.stragglers\.detect \(true\) needs maxCapacity \(1\) of at least 3/],
])('a new user\'s bad configuration: %s', (_name, env, fleetOverride, expected) => {
  test('is refused naming env, field, value and rule', () => {
    expect(errorFor(env, fleetOverride)).toMatch(expected);
  });
});
