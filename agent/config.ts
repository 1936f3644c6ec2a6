/**
 * The agent's configuration file (`--config <path>`), validated at start: a bad file is one clear
 * message and a non-zero exit, never a silent default.
 */
import {
  AgentConfig,
  AgentFile,
  AgentFileCoordinator,
  AgentFileNoShutdown,
  AgentFileQueue,
  AgentFileShellCommand,
  AgentFileTrinoWorker,
  AllFields,
  CoordinatorConfig,
  ShellCommand,
  TrinoWorker,
  Unchecked,
} from '../core/contract/agent-file';
import { DEFAULT_AGENT_INTERVAL_SECONDS, DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS } from '../core/contract/metrics';
import { isLoopbackOrTls } from '../core/util/urls';

/** The file's fields and the parsed config's types are the contract's (core/contract/agent-file.ts). */
export type { AgentConfig, CoordinatorConfig, DrainReportConfig, ReadingsConfig, ShellCommand, TrinoWorker } from '../core/contract/agent-file';

export const DEFAULT_INTERVAL_SECONDS = DEFAULT_AGENT_INTERVAL_SECONDS;
export const DEFAULT_IN_SERVICE_PUBLISH_SECONDS = DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS;
/** IMDS is on the instance and answers in microseconds: a 1 s poll costs nothing and keeps drains short. */
export const DEFAULT_LIFECYCLE_POLL_SECONDS = 1;
/** Trino's default `shutdown.grace-period` (Trino docs, "Graceful shutdown"). */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 120;
/** One day of 10-second datapoints. */
export const DEFAULT_BUFFER_MAX = 8640;
const DEFAULT_TIMEOUT_MS = 5000;

export class AgentConfigError extends Error {}

/** Parses and validates the file's text; throws AgentConfigError naming the field, value and rule. */
export function parseAgentConfig(text: string, path = 'config'): AgentConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AgentConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (field: string, value: unknown, rule: string): never => {
    throw new AgentConfigError(`${path}: ${field} (${JSON.stringify(value)}) ${rule}`);
  };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('(root)', parsed, 'must be a JSON object');
  // Only the file's own fields can be read; each is validated below.
  const raw = parsed as Unchecked<AgentFile>;
  const int = (field: string, value: unknown, min: number, max: number) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : fail(field, value, `must be a whole number from ${min} to ${max}`);
  const str = (field: string, value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : fail(field, value, 'must be a non-empty string'));

  const queueUrl = (field: string, value: unknown): string =>
    typeof value === 'string' && /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[\w-]{1,80}$/.test(value)
      ? value
      : fail(field, value, 'must be an SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/name');
  const groupName = (name: string) => (name.length <= 255 ? name : fail('groupName', name, 'must be at most 255 characters'));
  const httpUrl = (field: string, value: unknown) => {
    const url = str(field, value);
    if (!/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(url)) fail(field, url, 'must be http(s)://host:port');
    return url.replace(/\/$/, '');
  };
  const worker = (field: string, value: unknown, allowNone: boolean): TrinoWorker | ShellCommand | AgentFileNoShutdown => {
    const w = value as (Unchecked<AgentFileTrinoWorker> & Unchecked<AgentFileShellCommand>) | undefined;
    if (w?.kind === 'trino') {
      const url = httpUrl(`${field}.url`, w.url);
      const secret = {
        sharedSecret: w.sharedSecret === undefined ? undefined : str(`${field}.sharedSecret`, w.sharedSecret),
        sharedSecretFile: w.sharedSecretFile === undefined ? undefined : str(`${field}.sharedSecretFile`, w.sharedSecretFile),
        sharedSecretCredential: w.sharedSecretCredential === undefined ? undefined : str(`${field}.sharedSecretCredential`, w.sharedSecretCredential),
      };
      // The internal JWT is as good as the secret for its five minutes: never on the wire in clear text.
      if (Object.values(secret).some((v) => v !== undefined) && !isLoopbackOrTls(url)) {
        fail(`${field}.url`, url, 'must be https:// or a loopback address while a shared secret signs requests: the token would cross the network in clear text');
      }
      const trino: AllFields<TrinoWorker> = {
        kind: 'trino',
        url,
        user: w.user === undefined ? 'graceful-autoscaler' : str(`${field}.user`, w.user),
        ...secret,
        timeoutMs: int(`${field}.timeoutMs`, w.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 60_000),
      };
      return trino;
    }
    if (w?.kind === 'command') {
      const command: AllFields<ShellCommand> = { kind: 'command', command: str(`${field}.command`, w.command), timeoutMs: int(`${field}.timeoutMs`, w.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 600_000) };
      return command;
    }
    if (allowNone && w?.kind === 'none') return { kind: 'none' };
    return fail(`${field}.kind`, w?.kind, allowNone ? 'must be "trino", "command" or "none"' : 'must be "trino" or "command"');
  };

  const coordinator = raw.coordinator as Unchecked<AgentFileCoordinator> | undefined;
  const drainReport = raw.drainReport as Unchecked<AgentFileQueue> | undefined;
  const readings = raw.readings as Unchecked<AgentFileQueue> | undefined;
  const config: AllFields<AgentConfig> = {
    intervalSeconds: int('intervalSeconds', raw.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS, 1, 300),
    // At most a minute: the straggler function reads 1-minute averages, and the termination policy
    // ranks only readings fresher than readingMaxAgeSeconds (120 s by default).
    inServicePublishSeconds: int('inServicePublishSeconds', raw.inServicePublishSeconds ?? DEFAULT_IN_SERVICE_PUBLISH_SECONDS, 1, 60),
    namespace: str('namespace', raw.namespace ?? 'GracefulAutoscaler'),
    runningTasksMetric: str('runningTasksMetric', raw.runningTasksMetric ?? 'RunningTasks'),
    oldestTaskAgeMetric: str('oldestTaskAgeMetric', raw.oldestTaskAgeMetric ?? 'OldestTaskAgeSeconds'),
    shutdownMetric: str('shutdownMetric', raw.shutdownMetric ?? 'ShutdownStarted'),
    bufferMax: int('bufferMax', raw.bufferMax ?? DEFAULT_BUFFER_MAX, 10, 1_000_000),
    tasks: worker('tasks', raw.tasks, false) as TrinoWorker | ShellCommand,
    shutdown: worker('shutdown', raw.shutdown ?? { kind: 'none' }, true),
    lifecyclePollSeconds: int('lifecyclePollSeconds', raw.lifecyclePollSeconds ?? DEFAULT_LIFECYCLE_POLL_SECONDS, 1, 30),
    shutdownGraceSeconds: int('shutdownGraceSeconds', raw.shutdownGraceSeconds ?? DEFAULT_SHUTDOWN_GRACE_SECONDS, 0, 3600),
    // Auto Scaling group names are 1 to 255 characters (Auto Scaling API reference, CreateAutoScalingGroup).
    groupName: raw.groupName === undefined ? undefined : groupName(str('groupName', raw.groupName)),
    pressure: raw.pressure === undefined ? false : typeof raw.pressure === 'boolean' ? raw.pressure : fail('pressure', raw.pressure, 'must be true or false'),
    coordinator:
      coordinator === undefined
        ? undefined
        : ({
            url: httpUrl('coordinator.url', coordinator?.url),
            user: coordinator.user === undefined ? 'graceful-autoscaler' : str('coordinator.user', coordinator.user),
            nodeId: coordinator.nodeId === undefined ? undefined : str('coordinator.nodeId', coordinator.nodeId),
            timeoutMs: int('coordinator.timeoutMs', coordinator.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 60_000),
          } satisfies AllFields<CoordinatorConfig>),
    drainReport: drainReport === undefined ? undefined : { queueUrl: queueUrl('drainReport.queueUrl', drainReport?.queueUrl) },
    readings: readings === undefined ? undefined : { queueUrl: queueUrl('readings.queueUrl', readings?.queueUrl) },
  };
  return config;
}

/** https, or a loopback host: where a bearer token may travel. */
export { isLoopbackOrTls } from '../core/util/urls';

/**
 * The secret from `sharedSecretFile`: a properties file's `internal-communication.shared-secret`, or a
 * file holding the secret alone. A properties file (any dotted `key=value` line) without that key is an
 * error, never taken whole as the secret: that would sign every request with the wrong key.
 */
export function readSharedSecret(text: string, source = 'sharedSecretFile'): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !/^\s*[#!]/.test(l));
  const line = lines.find((l) => /^\s*internal-communication\.shared-secret\s*[=:]/.test(l));
  if (!line && (lines.length > 1 || lines.some((l) => /^\s*[A-Za-z][\w-]*(\.[\w-]+)+\s*[=:]/.test(l)))) {
    throw new AgentConfigError(`${source} is a properties file without internal-communication.shared-secret`);
  }
  const secret = (line ? line.replace(/^[^=:]*[=:]/, '') : (lines[0] ?? '')).trim();
  if (secret === '') throw new AgentConfigError(`${source} holds no secret`);
  return secret;
}
