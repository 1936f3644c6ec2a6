/** Resolves the agent's settings into what agent.json carries. */
import { AGENT_SERVICE, GATE_SERVICE } from '../../core/contract/names';
import { TRINO_USER } from './controller';
import { DEFAULT_AGENT_WORKER_URL, DEFAULT_TASK_METRIC, DEFAULT_TRINO_ENDPOINT } from './defaults';
import { AgentInput, AgentWorkerInput } from './input';
import { Problems } from './problems';
import { AgentFileConfig, ControllerConfig } from './resolved';

function resolveAgentWorker(p: Problems, at: string, w: AgentWorkerInput): Record<string, unknown> {
  if (w.kind === 'trino') {
    const url = w.url ?? DEFAULT_AGENT_WORKER_URL;
    p.pattern(`${at}.url`, url, /^https?:\/\/[^\s/]+(:\d+)?\/?$/, 'must be http(s)://host:port');
    const user = w.user ?? DEFAULT_TRINO_ENDPOINT.user;
    p.pattern(`${at}.user`, user, TRINO_USER, 'must be a user name of 1 to 64 letters, digits and ._@-');
    if (w.sharedSecretFile !== undefined) {
      // Written into the unit's LoadCredential= line: an absolute path with no spaces or line breaks.
      p.pattern(`${at}.sharedSecretFile`, w.sharedSecretFile, /^\/[A-Za-z0-9._/-]{1,254}$/, 'must be an absolute file path of letters, digits and ._/- (the file holding Trino\'s internal-communication shared secret)');
    }
    return { kind: 'trino', url, user, ...(w.sharedSecretFile !== undefined ? { sharedSecretFile: w.sharedSecretFile } : {}) };
  }
  if (w.kind === 'command') {
    p.check(typeof w.command === 'string' && w.command.trim() !== '', `${at}.command`, w.command, 'must be a non-empty shell command');
    return { kind: 'command', command: w.command };
  }
  p.add(`${at}.kind`, (w as { kind?: unknown }).kind, 'must be "trino" or "command"');
  return {};
}

export function resolveAgent(p: Problems, input: AgentInput, controller: ControllerConfig, namespace: string): AgentFileConfig | undefined {
  if (input.install === false) {
    p.check(controller.stopWorker.kind !== 'agent', 'agent.install', false, 'must stay true while controller.stopWorker is "agent": nothing else would stop the workers');
    return undefined;
  }
  if (controller.taskSource.kind === 'metric') {
    // The agent publishes RunningTasks by InstanceId and AutoScalingGroupName, each instance in its own
    // namespace under the environment's; a user's own metric needs agent.install false.
    const m = controller.taskSource;
    p.check(
      m.namespace === namespace &&
        m.metricName === DEFAULT_TASK_METRIC.metricName &&
        (m.ageMetricName === undefined || m.ageMetricName === DEFAULT_TASK_METRIC.ageMetricName) &&
        m.instanceDimension === DEFAULT_TASK_METRIC.instanceDimension &&
        m.groupDimension === DEFAULT_TASK_METRIC.groupDimension &&
        Object.keys(m.extraDimensions).length === 0,
      'controller.taskSource',
      m,
      `must be the agent's metric (RunningTasks in ${namespace}/<instance ARN>, with its age OldestTaskAgeSeconds or none, by InstanceId and AutoScalingGroupName) while the agent is installed; set agent.install to false to read your own metric`,
    );
  }
  const intervalSeconds = input.intervalSeconds ?? 10;
  p.integer('agent.intervalSeconds', intervalSeconds, 1, 300);
  const tasksInput = input.tasks ?? { kind: 'trino' };
  const tasks = resolveAgentWorker(p, 'agent.tasks', tasksInput);
  let shutdown: Record<string, unknown>;
  if (input.shutdown === undefined) {
    shutdown = tasksInput.kind === 'trino' ? tasks : { kind: 'none' };
  } else if (input.shutdown.kind === 'none') {
    shutdown = { kind: 'none' };
  } else {
    shutdown = resolveAgentWorker(p, 'agent.shutdown', input.shutdown);
  }
  p.check(
    !(controller.stopWorker.kind === 'agent' && shutdown.kind === 'none'),
    'agent.shutdown',
    input.shutdown ?? shutdown,
    'must start the worker\'s graceful shutdown while controller.stopWorker is "agent": nothing else would',
  );
  const runAsRoot = input.runAsRoot ?? false;
  p.check(typeof runAsRoot === 'boolean', 'agent.runAsRoot', runAsRoot, 'must be true or false');
  const workerUnit = input.workerUnit;
  if (workerUnit !== undefined) {
    // systemd.unit(5) allows ASCII letters, digits, ":", "-", "_", ".", "@" (templates) and the backslash, at
    // most 255 characters. The backslash only comes from escaped paths, which no worker unit needs, and the
    // name becomes a directory in a shell step, so it is left out.
    p.pattern('agent.workerUnit', workerUnit, /^[A-Za-z0-9:_.@-]{1,247}\.service$/, 'must be a systemd service unit name, such as trino.service');
    p.check(
      workerUnit !== AGENT_SERVICE && workerUnit !== GATE_SERVICE,
      'agent.workerUnit',
      workerUnit,
      `must be the worker's own unit, not ${AGENT_SERVICE} or ${GATE_SERVICE}`,
    );
  }
  return {
    intervalSeconds,
    namespace,
    runningTasksMetric: DEFAULT_TASK_METRIC.metricName,
    oldestTaskAgeMetric: DEFAULT_TASK_METRIC.ageMetricName!,
    tasks,
    shutdown,
    runAsRoot,
    ...(workerUnit !== undefined ? { workerUnit } : {}),
  };
}
