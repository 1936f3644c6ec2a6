/** Resolves the drain controller's settings and the Trino endpoint it calls. */
import { HIGH_RESOLUTION_PERIODS, TaskMetricSettings, isMetricPeriod } from '../../core/contract/lambda-settings';
import { DEFAULT_IDLE_READINGS, DEFAULT_TASK_METRIC, DEFAULT_TRINO_ENDPOINT } from './defaults';
import { agentNamespace } from '../names';
import { ControllerInput, TrinoEndpointInput } from './input';
import { Problems } from './problems';
import { ControllerConfig, TrinoEndpointConfig } from './resolved';

/** What we send as X-Trino-User. */
export const TRINO_USER = /^[A-Za-z0-9._@-]{1,64}$/;

function resolveTrino(p: Problems, at: string, input: TrinoEndpointInput): TrinoEndpointConfig {
  const endpoint = { ...DEFAULT_TRINO_ENDPOINT, ...input };
  p.integer(`${at}.port`, endpoint.port, 1, 65535);
  p.check(endpoint.scheme === 'http' || endpoint.scheme === 'https', `${at}.scheme`, endpoint.scheme, 'must be "http" or "https"');
  p.pattern(`${at}.user`, endpoint.user, TRINO_USER, 'must be a user name of 1 to 64 letters, digits and ._@-');
  return endpoint;
}

export function resolveController(p: Problems, input: ControllerInput, agentMetricNamespace: string): ControllerConfig {
  const idleReadings = input.idleReadings ?? DEFAULT_IDLE_READINGS;
  p.integer('controller.idleReadings', idleReadings, 1, 60);

  let taskSource: ControllerConfig['taskSource'];
  const ts = input.taskSource ?? { kind: 'metric' };
  if (ts.kind === 'metric') {
    let metric: { kind: 'metric' } & TaskMetricSettings = {
      kind: 'metric',
      namespace: ts.namespace ?? agentMetricNamespace,
      metricName: ts.metricName ?? DEFAULT_TASK_METRIC.metricName,
      periodSeconds: ts.periodSeconds ?? DEFAULT_TASK_METRIC.periodSeconds,
      instanceDimension: ts.instanceDimension ?? DEFAULT_TASK_METRIC.instanceDimension,
      groupDimension: ts.groupDimension === null ? undefined : (ts.groupDimension ?? DEFAULT_TASK_METRIC.groupDimension),
      extraDimensions: ts.extraDimensions ?? DEFAULT_TASK_METRIC.extraDimensions,
    };
    // The agent publishes the age beside its count; another metric's age has to be named.
    const ageMetricName = ts.ageMetricName === null ? undefined : (ts.ageMetricName ?? (metric.metricName === DEFAULT_TASK_METRIC.metricName ? DEFAULT_TASK_METRIC.ageMetricName : undefined));
    if (ageMetricName !== undefined) {
      metric = { ...metric, ageMetricName };
      p.pattern('controller.taskSource.ageMetricName', ageMetricName, /^.{1,255}$/, 'must be 1 to 255 characters, or null');
      p.check(ageMetricName !== metric.metricName, 'controller.taskSource.ageMetricName', ageMetricName, 'must differ from metricName: a count read as an age would rank busy workers as young');
    }
    taskSource = metric;
    // Namespaces are 1 to 255 of letters, digits and . - _ / # : and space, not starting with ":", and
    // "AWS/" is reserved for AWS's own (CloudWatch API reference, PutMetricData; Metric.Namespace).
    if (p.pattern('controller.taskSource.namespace', metric.namespace, /^[A-Za-z0-9.\-_/#: ]{1,255}$/, 'must be a CloudWatch namespace: 1 to 255 letters, digits, spaces and . - _ / # :')) {
      p.check(!metric.namespace.startsWith(':'), 'controller.taskSource.namespace', metric.namespace, 'must not start with ":"');
      p.check(!metric.namespace.startsWith('AWS/'), 'controller.taskSource.namespace', metric.namespace, 'must not start with "AWS/": that prefix is reserved for AWS services, and no worker can publish task counts there');
    }
    p.pattern('controller.taskSource.metricName', metric.metricName, /^.{1,255}$/, 'must be 1 to 255 characters');
    // Periods below a minute exist only for high-resolution metrics (HIGH_RESOLUTION_PERIODS).
    p.check(typeof metric.periodSeconds === 'number' && isMetricPeriod(metric.periodSeconds) && metric.periodSeconds <= 3600, 'controller.taskSource.periodSeconds', metric.periodSeconds, `must be ${HIGH_RESOLUTION_PERIODS.join(', ')} or a multiple of 60 up to 3600 (CloudWatch GetMetricData periods)`);
    p.pattern('controller.taskSource.instanceDimension', metric.instanceDimension, /^.{1,255}$/, 'must be a dimension name of 1 to 255 characters');
    if (metric.groupDimension !== undefined) p.pattern('controller.taskSource.groupDimension', metric.groupDimension, /^.{1,255}$/, 'must be a dimension name of 1 to 255 characters, or null');
    // A metric has at most 30 dimensions (CloudWatch API reference, Dimension).
    p.check(Object.keys(metric.extraDimensions).length <= 28, 'controller.taskSource.extraDimensions', metric.extraDimensions, 'must add at most 28 dimensions (30 in all)');
    // Dimension names are 1 to 255 characters and values 1 to 1024 (CloudWatch API reference, Dimension):
    // an empty value matches no datapoint, so every drain would read nothing and be forced.
    // A dimension named twice makes GetMetricData refuse the query: every drain would read nothing.
    if (metric.groupDimension !== undefined) p.check(metric.groupDimension !== metric.instanceDimension, 'controller.taskSource.groupDimension', metric.groupDimension, `must differ from instanceDimension ("${metric.instanceDimension}"): a metric names each dimension once`);
    for (const dimension of Object.keys(metric.extraDimensions)) {
      p.check(dimension !== metric.instanceDimension && dimension !== metric.groupDimension, `controller.taskSource.extraDimensions.${dimension}`, metric.extraDimensions[dimension], `must not repeat instanceDimension or groupDimension ("${dimension}"): the controller sets that one per instance and group`);
    }
    for (const [dimension, value] of Object.entries(metric.extraDimensions)) {
      p.check(dimension.length >= 1 && dimension.length <= 255, 'controller.taskSource.extraDimensions', dimension, 'must name each dimension with 1 to 255 characters');
      p.check(typeof value === 'string' && value.length >= 1 && value.length <= 1024, `controller.taskSource.extraDimensions.${dimension}`, value, 'must be a dimension value of 1 to 1024 characters');
    }
  } else if (ts.kind === 'trino') {
    taskSource = { kind: 'trino', ...resolveTrino(p, 'controller.taskSource', ts) };
  } else {
    p.add('controller.taskSource.kind', (ts as { kind?: unknown }).kind, 'must be "metric" or "trino"');
    taskSource = DEFAULT_TASK_METRIC;
  }

  let stopWorker: ControllerConfig['stopWorker'];
  const sw = input.stopWorker ?? { kind: 'agent' };
  if (sw.kind === 'agent') stopWorker = { kind: 'agent' };
  else if (sw.kind === 'ssm') {
    p.check(Array.isArray(sw.commands) && sw.commands.length > 0 && sw.commands.every((c) => typeof c === 'string' && c.trim() !== ''), 'controller.stopWorker.commands', sw.commands, 'must list at least one non-empty shell command');
    stopWorker = { kind: 'ssm', commands: sw.commands };
  } else if (sw.kind === 'trino') {
    stopWorker = { kind: 'trino', ...resolveTrino(p, 'controller.stopWorker', sw) };
  } else {
    p.add('controller.stopWorker.kind', (sw as { kind?: unknown }).kind, 'must be "agent", "ssm" or "trino"');
    stopWorker = { kind: 'agent' };
  }
  return { taskSource, stopWorker, idleReadings };
}

/**
 * The documented default controller for an environment, as DrainController takes it: the agent's
 * RunningTasks metric read from each instance's own namespace under the environment's, the agent stops
 * the worker, and DEFAULT_IDLE_READINGS zero readings make a worker idle. What an environment file with
 * no `controller` resolves to.
 */
export function defaultControllerConfig(environmentName: string): ControllerConfig {
  return {
    taskSource: { ...DEFAULT_TASK_METRIC, namespace: agentNamespace(environmentName), perInstance: true },
    stopWorker: { kind: 'agent' },
    idleReadings: DEFAULT_IDLE_READINGS,
  };
}
