/** Resolves an environment: its controller, agent, network, notifications and fleets, and the checks across them. */
import { formatDuration } from '../../core/util/duration';
import { agentNamespace } from '../names';
import { SWEEP_PERIOD_SECONDS } from '../../core/contract/lambda-settings';
import { resolveAgent } from './agent';
import { resolveController } from './controller';
import { resolveFleet } from './fleet';
import { EnvironmentInput } from './input';
import { resolveNetwork, resolveNotifications } from './network';
import { ConfigError, PATTERNS, Problems } from './problems';
import { checkShape } from './shape';
import { checkFunctionEnvironments, checkUserData } from './limits';
import { AgentFileConfig, ControllerConfig, EnvironmentConfig, FleetConfig } from './resolved';

/** Validates one environment and applies defaults; throws ConfigError listing every problem. */
export function resolveEnvironment(name: string, input: EnvironmentInput): EnvironmentConfig {
  const p = new Problems(name);
  p.pattern('name', name, PATTERNS.envName, 'must be lower-case letters, digits and dashes, starting with a letter, at most 24 characters');
  // Unknown keys are reported with everything else; a container of the wrong type stops here, since
  // every resolver below reads into it.
  if (!checkShape(p, input)) throw new ConfigError(p.list);
  // A number loses an account id's leading zeros (012345678901 is 12345678901): it must be quoted.
  if (typeof input.account === 'number') p.add('account', input.account, "must be a string of 12 digits in quotes: as a number it loses any leading zeros");
  else if (input.account !== undefined) p.pattern('account', input.account, PATTERNS.account, 'must be a 12-digit AWS account id');
  if (input.region !== undefined) p.pattern('region', input.region, PATTERNS.region, 'must be an AWS region code such as "eu-west-1"');

  const network = resolveNetwork(p, input.network, input.region);
  const namespace = agentNamespace(name);
  const resolved = resolveController(p, input.controller ?? {}, namespace);
  const agent = resolveAgent(p, input.agent ?? {}, resolved, namespace);
  if (input.agent?.install === false && input.controller?.taskSource === undefined) {
    p.add('controller.taskSource', undefined, 'must be set while agent.install is false: the default is the agent\'s RunningTasks metric, which nothing would publish, so every drain would run to its timeout');
  }
  // With the agent installed the metric is the agent's (resolveAgent insists): each worker publishes it
  // to its own namespace, and only there is it read.
  const controller: ControllerConfig =
    agent !== undefined && resolved.taskSource.kind === 'metric' ? { ...resolved, taskSource: { ...resolved.taskSource, perInstance: true } } : resolved;
  const notifications = resolveNotifications(p, input.notifications ?? {}, input);

  const fleets: FleetConfig[] = [];
  if (p.check(Array.isArray(input.fleets) && input.fleets.length > 0, 'fleets', input.fleets, 'must list at least one fleet')) {
    // CloudFormation logical ids keep letters and digits only (CDK drops the rest), so `a-b` and `ab`
    // would name the same outputs: fleets must differ in their letters and digits.
    const seen = new Map<string, string>();
    input.fleets.forEach((fleet, i) => {
      const resolved = resolveFleet(p, `fleets[${i}]`, fleet, controller, agent !== undefined);
      const key = typeof fleet.name === 'string' ? fleet.name.replace(/[^a-z0-9]/g, '') : '';
      const other = seen.get(key);
      if (other === fleet.name) p.add(`fleets[${i}].name`, fleet.name, 'must be unique within the environment');
      else if (other !== undefined) p.add(`fleets[${i}].name`, fleet.name, `must differ from fleet "${other}" in its letters and digits: CloudFormation ids and outputs drop the dashes, so both would be "${key}"`);
      if (other === undefined) seen.set(key, fleet.name);
      // Two hooks of one name on one group: the second fails the deploy (AlreadyExists).
      const group = fleet.existing?.groupName;
      if (typeof group === 'string') {
        const first = input.fleets.findIndex((f) => f.existing?.groupName === group);
        if (first < i) p.add(`fleets[${i}].existing.groupName`, group, `must not adopt the group fleets[${first}] (${input.fleets[first].name}) already adopts: one group takes our hook once`);
      }
      if (resolved) {
        fleets.push(resolved);
        checkDrainFits(p, `fleets[${i}]`, resolved, controller, agent);
      }
    });
  }

  // Limits the deploy would meet, estimated once everything else holds.
  if (p.list.length === 0) {
    checkFunctionEnvironments(p, name, fleets, controller, agent);
    checkUserData(p, agent, fleets);
  }
  if (p.list.length > 0) throw new ConfigError(p.list);
  return {
    name,
    account: input.account,
    region: input.region,
    network: network!,
    notifications,
    fleets,
    controller,
    agent,
  };
}

/**
 * The metric path must be able to finish inside the drain timeout: the grace period after the stop,
 * then idleReadings readings at the agent's interval. Otherwise every drain whose report is lost is forced.
 */
function checkDrainFits(p: Problems, at: string, fleet: FleetConfig, controller: ControllerConfig, agent: AgentFileConfig | undefined): void {
  // The agent's interval; a metric's period; or, for the controller's own HTTP reads, one sample a sweep.
  const period = agent ? agent.intervalSeconds : controller.taskSource.kind === 'metric' ? controller.taskSource.periodSeconds : SWEEP_PERIOD_SECONDS;
  const needed = fleet.shutdownGraceSeconds + controller.idleReadings * period;
  p.check(
    needed < fleet.drainTimeoutSeconds,
    `${at}.shutdownGracePeriod`,
    formatDuration(fleet.shutdownGraceSeconds),
    `plus controller.idleReadings (${controller.idleReadings}) × the ${period} s reading period must be shorter than drainTimeout (${formatDuration(fleet.drainTimeoutSeconds)}): no idle worker could be completed before its deadline`,
  );
  if (fleet.coordinatorUrl !== undefined && fleet.scaling === undefined) {
    p.check(
      agent !== undefined && controller.stopWorker.kind === 'agent',
      `${at}.coordinatorUrl`,
      fleet.coordinatorUrl,
      'needs the agent installed and controller.stopWorker "agent" (the agent asks the coordinator after it stops the worker), or scaling signals on (they poll its queue)',
    );
  }
}

/**
 * Resolves the environments to build. With `selected` (from `-c env=a,b`), only those; an unknown name
 * is an error listing the known ones. Every selected environment is validated before any stack exists.
 */
export function resolveEnvironments(
  inputs: Readonly<Record<string, EnvironmentInput>>,
  selected?: readonly string[],
): EnvironmentConfig[] {
  const known = Object.keys(inputs);
  const names = selected && selected.length > 0 ? selected : known;
  const problems: string[] = [];
  const configs: EnvironmentConfig[] = [];
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(inputs, name)) {
      problems.push(`env "${name}": unknown environment; known environments are ${known.join(', ')}`);
      continue;
    }
    try {
      configs.push(resolveEnvironment(name, inputs[name]));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}
