/** Resolves one fleet: new (its group, instances, capacity) or existing (an adopted group). */
import { MAX_DRAIN_TIMEOUT_SECONDS, MIN_DRAIN_TIMEOUT_SECONDS, heartbeatTimeoutForDrain } from '../../core/lifecycle-limits';
import { architectureOf, isMacInstance } from '../instance-architecture';
import { DEFAULT_DEPLOYMENT_CONFIG, DEFAULT_DRAIN_TIMEOUT, DEFAULT_INSTANCE_WARMUP, DEFAULT_PREDICTIVE_SCALING, PREDICTIVE_SCALING_MODES, DEFAULT_ROOT_VOLUME_GIB, DEFAULT_SHUTDOWN_GRACE_PERIOD, DEFAULT_TARGET_CPU_PERCENT, MAX_FLEET_SIZE, MAX_GP3_GIB, MAX_INSTANCE_WARMUP_SECONDS } from './defaults';
import { ExistingFleetInput, FleetInput, NamedDeploymentConfig, NewFleetInput, SpotInput } from './input';
import { PATTERNS, Problems } from './problems';
import { ControllerConfig, ExistingFleetConfig, FleetCommonConfig, FleetConfig, NewFleetConfig } from './resolved';
import { DEFAULT_STRAGGLER_SETTINGS } from '../../core/stragglers';
import { resolveDrainPricing, resolveScaling } from './scaling';
import { resolveStragglers } from './stragglers';
import { checkHttpUrl, isLinkLocal, isLoopback } from './urls';

const NAMED_DEPLOYMENT_CONFIGS: readonly NamedDeploymentConfig[] = ['OneAtATime', 'HalfAtATime', 'AllAtOnce'];

export function resolveFleet(p: Problems, at: string, f: FleetInput, controller: ControllerConfig, agentInstalled: boolean): FleetConfig | undefined {
  const before = p.list.length;
  p.pattern(`${at}.name`, f.name, PATTERNS.fleetName, 'must be lower-case letters, digits and dashes, starting with a letter, at most 20 characters');

  const targetCpuPercent = f.targetCpuPercent ?? DEFAULT_TARGET_CPU_PERCENT;
  p.check(
    typeof targetCpuPercent === 'number' && Number.isFinite(targetCpuPercent) && targetCpuPercent > 0 && targetCpuPercent <= 100,
    `${at}.targetCpuPercent`,
    targetCpuPercent,
    'must be a number in (0, 100]',
  );
  const drainTimeoutSeconds = p.duration(
    `${at}.drainTimeout`,
    f.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT,
    MIN_DRAIN_TIMEOUT_SECONDS,
    MAX_DRAIN_TIMEOUT_SECONDS,
    ': the 48h lifecycle-hook limit less 2m so the controller forces explicitly before Auto Scaling times out',
  );

  const deploymentConfig = f.deploymentConfig ?? DEFAULT_DEPLOYMENT_CONFIG;
  if (typeof deploymentConfig === 'string') {
    p.check(NAMED_DEPLOYMENT_CONFIGS.includes(deploymentConfig), `${at}.deploymentConfig`, deploymentConfig, `must be one of ${NAMED_DEPLOYMENT_CONFIGS.join(', ')} or { minimumHealthyHostsPercent }`);
  } else {
    // FLEET_PERCENT minimum healthy hosts: 100 would leave no instance to deploy to.
    p.integer(`${at}.deploymentConfig.minimumHealthyHostsPercent`, deploymentConfig?.minimumHealthyHostsPercent, 0, 99);
  }

  // Trino's grace period; up to an hour (a longer one would hold every drain that long).
  const shutdownGraceSeconds = p.duration(`${at}.shutdownGracePeriod`, f.shutdownGracePeriod ?? DEFAULT_SHUTDOWN_GRACE_PERIOD, 0, 3600);
  if (f.coordinatorUrl !== undefined) {
    if (p.pattern(`${at}.coordinatorUrl`, f.coordinatorUrl, /^https?:\/\/[^\s/]+$/, 'must be http(s)://host:port of the fleet\'s Trino coordinator')) {
      const u = checkHttpUrl(p, `${at}.coordinatorUrl`, f.coordinatorUrl, "the fleet's Trino coordinator");
      // The agent on each worker and the signals function in the VPC both call it: neither is the coordinator.
      if (u) p.check(!isLoopback(u.host) && !isLinkLocal(u.host), `${at}.coordinatorUrl`, f.coordinatorUrl, "must be the coordinator's address in the VPC, not a loopback or link-local one: the workers and the signals function would call themselves or the instance metadata service");
    }
  }
  const scaling = resolveScaling(p, `${at}.scaling`, f);
  const drainPricing = resolveDrainPricing(p, `${at}.scaling`, f, scaling !== undefined, drainTimeoutSeconds);
  // At 0 instances there is no CPU datapoint and target tracking's step is 0 from 0: the coordinator's queue,
  // through the signals' scale-from-zero step policy, is the only way out (docs/scaling.md, "Scaling out from zero").
  if (f.existing === undefined && f.minCapacity === 0) p.check(scaling !== undefined, `${at}.minCapacity`, 0, "may be 0 only with scaling signals on (a coordinatorUrl, scaling.signals not false): at 0 instances nothing but the coordinator's queue can scale the fleet out");
  const owned = f.existing === undefined ? resolveNewFleet(p, at, f as NewFleetInput) : undefined;
  const existing = f.existing !== undefined ? resolveExistingGroup(p, at, f as ExistingFleetInput, controller) : undefined;
  const stragglers = resolveStragglers(p, `${at}.stragglers`, f, f.existing === undefined ? agentInstalled : agentInstalled && f.existing?.agentInstalled === true, drainTimeoutSeconds);

  if (stragglers !== undefined && f.existing === undefined && typeof f.maxCapacity === 'number') {
    // The detector compares each worker with its peers: a minute with fewer readings is no evidence (core/stragglers.ts).
    const MIN_STRAGGLER_PEERS = DEFAULT_STRAGGLER_SETTINGS.minPeers;
    p.check(f.maxCapacity >= MIN_STRAGGLER_PEERS, `${at}.stragglers.detect`, true, `needs maxCapacity (${f.maxCapacity}) of at least ${MIN_STRAGGLER_PEERS}: a straggler is told from its peers, and this fleet can never have ${MIN_STRAGGLER_PEERS}`);
  }
  if (p.list.length > before) return undefined;
  const common: FleetCommonConfig = {
    name: f.name,
    targetCpuPercent,
    drainTimeoutSeconds: drainTimeoutSeconds!,
    heartbeatTimeoutSeconds: heartbeatTimeoutForDrain(drainTimeoutSeconds!),
    deploymentConfig,
    shutdownGraceSeconds: shutdownGraceSeconds!,
    coordinatorUrl: f.coordinatorUrl,
    ...(scaling ? { scaling } : {}),
    ...(drainPricing ? { drainPricing } : {}),
    ...(stragglers ? { stragglers } : {}),
  };
  return existing ? { ...common, existing } : { ...common, ...owned! };
}

/** What only a fleet we launch has: its instance types, sizes, warmup, volume and Spot share. */
function resolveNewFleet(p: Problems, at: string, f: NewFleetInput): Omit<NewFleetConfig, keyof FleetCommonConfig> {
  if (p.check(Array.isArray(f.instanceTypes) && f.instanceTypes.length > 0, `${at}.instanceTypes`, f.instanceTypes, 'must list at least one instance type (or set existing.groupName to adopt a group you already run)')) {
    // A mixed instances policy takes at most 40 overrides (Auto Scaling API, LaunchTemplate.Overrides).
    p.check(f.instanceTypes.length <= 40, `${at}.instanceTypes`, f.instanceTypes.length, 'must list at most 40 instance types');
    const seen = new Set<string>();
    f.instanceTypes.forEach((t, i) => {
      if (p.pattern(`${at}.instanceTypes[${i}]`, t, PATTERNS.instanceType, 'must be an EC2 instance type such as "m7i.2xlarge"')) {
        p.check(!isMacInstance(t), `${at}.instanceTypes[${i}]`, t, 'must not be a Mac instance: they run macOS only, and fleets run Amazon Linux 2023');
      }
      p.check(!seen.has(t), `${at}.instanceTypes[${i}]`, t, 'must not be listed twice');
      seen.add(t);
    });
    // One launch template, one image: arm64 and x86_64 types cannot share it.
    const architectures = new Set(f.instanceTypes.filter((t) => typeof t === 'string').map(architectureOf));
    p.check(architectures.size <= 1, `${at}.instanceTypes`, f.instanceTypes, 'must all be Graviton (arm64) or all x86_64: the fleet has one Amazon Linux image; make a second fleet for the other architecture');
  }

  const minOk = p.integer(`${at}.minCapacity`, f.minCapacity, 0, MAX_FLEET_SIZE);
  const maxOk = p.integer(`${at}.maxCapacity`, f.maxCapacity, 1, MAX_FLEET_SIZE);
  if (minOk && maxOk) {
    p.check(f.minCapacity <= f.maxCapacity, `${at}.minCapacity`, f.minCapacity, `must be <= maxCapacity (${f.maxCapacity})`);
    if (f.desiredCapacity !== undefined && p.integer(`${at}.desiredCapacity`, f.desiredCapacity, 0, MAX_FLEET_SIZE)) {
      p.check(
        f.desiredCapacity >= f.minCapacity && f.desiredCapacity <= f.maxCapacity,
        `${at}.desiredCapacity`,
        f.desiredCapacity,
        `must be within [minCapacity, maxCapacity] = [${f.minCapacity}, ${f.maxCapacity}]`,
      );
    }
  }
  const instanceWarmupSeconds = p.duration(`${at}.instanceWarmup`, f.instanceWarmup ?? DEFAULT_INSTANCE_WARMUP, 0, MAX_INSTANCE_WARMUP_SECONDS);
  const rootVolumeGiB = f.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB;
  p.integer(`${at}.rootVolumeGiB`, rootVolumeGiB, 8, MAX_GP3_GIB);

  let spot: Required<SpotInput> | undefined;
  if (f.spot !== undefined) {
    spot = { onDemandBaseCapacity: f.spot.onDemandBaseCapacity ?? 0, onDemandPercentageAboveBase: f.spot.onDemandPercentageAboveBase ?? 0 };
    p.integer(`${at}.spot.onDemandBaseCapacity`, spot.onDemandBaseCapacity, 0, MAX_FLEET_SIZE);
    p.integer(`${at}.spot.onDemandPercentageAboveBase`, spot.onDemandPercentageAboveBase, 0, 100);
    if (maxOk && Number.isInteger(spot.onDemandBaseCapacity)) {
      p.check(spot.onDemandBaseCapacity <= f.maxCapacity, `${at}.spot.onDemandBaseCapacity`, spot.onDemandBaseCapacity, `must be <= maxCapacity (${f.maxCapacity}): the base is on-demand instances the group can never reach, and Auto Scaling refuses it`);
    }
  }
  const predictiveScaling = f.predictiveScaling ?? DEFAULT_PREDICTIVE_SCALING;
  p.check(PREDICTIVE_SCALING_MODES.includes(predictiveScaling), `${at}.predictiveScaling`, predictiveScaling, `must be one of ${PREDICTIVE_SCALING_MODES.join(', ')}`);
  return {
    instanceTypes: f.instanceTypes,
    minCapacity: f.minCapacity,
    maxCapacity: f.maxCapacity,
    desiredCapacity: f.desiredCapacity,
    instanceWarmupSeconds: instanceWarmupSeconds!,
    rootVolumeGiB,
    spot,
    predictiveScaling,
  };
}

/** Fields of a launched fleet that an adopted group keeps as its owner set them. */
const OWNED_FIELDS = ['instanceTypes', 'minCapacity', 'maxCapacity', 'desiredCapacity', 'instanceWarmup', 'rootVolumeGiB', 'spot', 'predictiveScaling'] as const;

/**
 * Auto Scaling group names are 1 to 255 characters (Auto Scaling API reference, CreateAutoScalingGroup).
 * We also refuse `*` and `?`, which IAM would read as wildcards in the group's ARN (granting on other
 * groups), and control characters.
 */
const GROUP_NAME = /^[^*?\u0000-\u001f\u007f]{1,255}$/;

function resolveExistingGroup(p: Problems, at: string, f: ExistingFleetInput, controller: ControllerConfig): ExistingFleetConfig['existing'] | undefined {
  const e = f.existing;
  if (!p.check(typeof e === 'object' && e !== null && !Array.isArray(e), `${at}.existing`, e, 'must be { groupName, securityGroupId?, agentInstalled? }')) return undefined;
  for (const field of OWNED_FIELDS) {
    const value = (f as unknown as Record<string, unknown>)[field];
    if (value !== undefined) p.add(`${at}.${field}`, value, "must not be set with existing: an adopted group keeps its own launch template, sizes and warmup; change them where the group is defined");
  }
  if (p.pattern(`${at}.existing.groupName`, e.groupName, GROUP_NAME, 'must be the Auto Scaling group\'s name: 1 to 255 characters, without * or ? (IAM would read them as wildcards) or control characters')) {
    // Auto Scaling keeps spaces as typed: " workers" is not "workers", and the hook would go to no group.
    p.check(e.groupName.trim() === e.groupName, `${at}.existing.groupName`, e.groupName, 'must not start or end with a space: no group of that name exists, and CloudFormation fails to add the hook');
    p.check(!e.groupName.startsWith('arn:'), `${at}.existing.groupName`, e.groupName, 'must be the group\'s name, not its ARN (the name is the part after autoScalingGroupName/)');
  }
  if (e.securityGroupId !== undefined) p.pattern(`${at}.existing.securityGroupId`, e.securityGroupId, /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/, 'must be a security group id such as "sg-0abc12345def67890"');
  const agentInstalled = e.agentInstalled ?? false;
  p.check(typeof agentInstalled === 'boolean', `${at}.existing.agentInstalled`, agentInstalled, 'must be true or false');
  for (const [name, endpoint] of [['taskSource', controller.taskSource], ['stopWorker', controller.stopWorker]] as const) {
    if (endpoint.kind === 'trino') {
      p.check(e.securityGroupId !== undefined, `${at}.existing.securityGroupId`, e.securityGroupId, `is required while controller.${name} is "trino": the controller calls the workers on port ${endpoint.port}, and their security group must let it in`);
    }
  }
  // What we cannot see from here: whether the instances run our agent. The operator says so.
  if (controller.stopWorker.kind === 'agent' && agentInstalled !== true) {
    p.add(`${at}.existing.agentInstalled`, e.agentInstalled, 'must be true while controller.stopWorker is "agent": nothing else would stop the workers. Install the agent on the group\'s instances first (docs/adopt-existing-fleet.md), or use stopWorker "trino" or "ssm"');
  }
  return { groupName: e.groupName, ...(e.securityGroupId !== undefined ? { securityGroupId: e.securityGroupId } : {}), agentInstalled };
}
