/** Resolves the agent's settings into what agent.json carries. */
import { AgentFile, AgentFileShellCommand, AgentFileTrinoWorker } from '../../core/contract/agent-file';
import { AGENT_SERVICE, GATE_SERVICE } from '../../core/contract/names';
import { TRINO_USER } from './controller';
import { DEFAULT_AGENT_WORKER_URL, DEFAULT_TASK_METRIC, DEFAULT_TRINO_ENDPOINT } from './defaults';
import { AgentInput, AgentWorkerInput } from './input';
import { Problems } from './problems';
import { checkHttpUrl, isLinkLocal, isLoopbackOrTls } from './urls';
import { AgentFileConfig, ControllerConfig } from './resolved';

/**
 * systemd.unit(5) allows ASCII letters, digits, ":", "-", "_", ".", "@" (templates) and the backslash, at
 * most 255 characters. The backslash only comes from escaped paths, which no worker unit needs, and the
 * name becomes a directory in a shell step, so it is left out.
 */
export const WORKER_UNIT = /^[A-Za-z0-9:_.@-]{1,247}\.service$/;

/** Written into the unit's LoadCredential= line: an absolute path with no spaces or line breaks. */
export const SECRET_FILE = /^\/[A-Za-z0-9._/-]{1,254}$/;

/** Units of the instance itself (Amazon Linux 2023), which the worker's start gate must never hold. */
const SYSTEM_UNITS: readonly RegExp[] = [
  /^sshd?(@.*)?\.service$/,
  /^amazon-ssm-agent\.service$/,
  /^codedeploy-agent\.service$/,
  /^amazon-cloudwatch-agent\.service$/,
  /^systemd-.*\.service$/,
  /^(dbus|dbus-broker|polkit|chronyd|rsyslog|auditd|crond|atd|sssd|NetworkManager|network|gssproxy|acpid|irqbalance)\.service$/,
  /^cloud-(init|init-local|config|final)\.service$/,
  /^(serial-)?getty@.*\.service$/,
  /^(user|user-runtime-dir)@.*\.service$/,
];

function resolveAgentWorker(p: Problems, at: string, w: AgentWorkerInput): AgentFileTrinoWorker | AgentFileShellCommand {
  if (w.kind === 'trino') {
    const url = w.url ?? DEFAULT_AGENT_WORKER_URL;
    if (p.pattern(`${at}.url`, url, /^https?:\/\/[^\s/]+(:\d+)?\/?$/, 'must be http(s)://host:port')) {
      const u = checkHttpUrl(p, `${at}.url`, url, "the worker's HTTP API");
      if (u) p.check(!isLinkLocal(u.host), `${at}.url`, url, "must be the worker's own HTTP API, not a link-local address (169.254.169.254 is the instance metadata service)");
      if (u && w.sharedSecretFile !== undefined) {
        // The agent refuses this at boot and exits (agent/config.ts): no task count, no graceful stop.
        p.check(isLoopbackOrTls(url), `${at}.url`, url, 'must be https:// or a loopback address while sharedSecretFile is set: the signed token would cross the network in clear text, and the agent exits at boot rather than send it');
      }
    }
    const user = w.user ?? DEFAULT_TRINO_ENDPOINT.user;
    p.pattern(`${at}.user`, user, TRINO_USER, 'must be a user name of 1 to 64 letters, digits and ._@-');
    if (w.sharedSecretFile !== undefined) {
      p.pattern(`${at}.sharedSecretFile`, w.sharedSecretFile, SECRET_FILE, 'must be an absolute file path of letters, digits and ._/- (the file holding Trino\'s internal-communication shared secret)');
    }
    return { kind: 'trino', url, user, ...(w.sharedSecretFile !== undefined ? { sharedSecretFile: w.sharedSecretFile } : {}) };
  }
  if (w.kind === 'command') {
    p.check(typeof w.command === 'string' && w.command.trim() !== '', `${at}.command`, w.command, 'must be a non-empty shell command');
    return { kind: 'command', command: w.command };
  }
  p.add(`${at}.kind`, (w as { kind?: unknown }).kind, 'must be "trino" or "command"');
  // Never written: the problem fails the environment.
  return {} as never;
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
  let shutdown: Required<AgentFile>['shutdown'];
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
  const secretFiles = [...new Set([tasks, shutdown].map((w) => (w.kind === 'trino' ? w.sharedSecretFile : undefined)).filter((f) => f !== undefined))];
  // The unit hands the agent one secret file (LoadCredential=); two would fail WorkerAgent at synth.
  p.check(secretFiles.length <= 1, 'agent.shutdown.sharedSecretFile', secretFiles[1], `must be the same file as agent.tasks.sharedSecretFile (${JSON.stringify(secretFiles[0])}): the agent is handed one shared secret`);
  if (controller.taskSource.kind === 'metric') {
    // A period shorter than the agent's interval holds no datapoint most of the time: idle readings never come.
    p.check(controller.taskSource.periodSeconds >= intervalSeconds, 'controller.taskSource.periodSeconds', controller.taskSource.periodSeconds, `must be at least agent.intervalSeconds (${intervalSeconds}): the agent publishes once an interval, so shorter periods are mostly empty and no worker reads idle`);
  }
  const runAsRoot = input.runAsRoot ?? false;
  p.check(typeof runAsRoot === 'boolean', 'agent.runAsRoot', runAsRoot, 'must be true or false');
  const workerUnit = input.workerUnit;
  if (workerUnit !== undefined) {
    p.pattern('agent.workerUnit', workerUnit, WORKER_UNIT, 'must be a systemd service unit name, such as trino.service');
    // The drop-in makes the unit wait for the start gate, so on an instance going into a warm pool it
    // never starts: a unit the instance itself needs (SSH, SSM, CodeDeploy, systemd's own) must not be held.
    p.check(
      !SYSTEM_UNITS.some((pattern) => pattern.test(workerUnit)),
      'agent.workerUnit',
      workerUnit,
      "must be the worker's own unit, not one the instance needs (sshd, the SSM or CodeDeploy agent, systemd's, cloud-init's, networking, time or logging): the start gate would hold it on warm-pool instances",
    );
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
