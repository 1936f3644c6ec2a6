/**
 * The agent's configuration file (`--config <path>`), validated at start: a bad file is one clear
 * message and a non-zero exit, never a silent default.
 */
import { DEFAULT_AGENT_INTERVAL_SECONDS, DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS } from '../core/contract/metrics';
import { isLoopbackOrTls } from '../core/util/urls';

/** A Trino/Presto worker's HTTP API on this instance. */
export interface TrinoWorker {
  readonly kind: 'trino';
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** Sent as X-Trino-User. */
  readonly user: string;
  /** When set, requests carry X-Trino-Internal-Bearer signed with internal-communication.shared-secret (for /v1/task). */
  readonly sharedSecret?: string;
  /**
   * A file holding the shared secret: either the secret alone, or Trino's config.properties, from which
   * `internal-communication.shared-secret` is read. Read at start, so the secret never sits in user data.
   */
  readonly sharedSecretFile?: string;
  /**
   * A systemd credential (`LoadCredential=`) holding the same: read from `$CREDENTIALS_DIRECTORY/<name>`,
   * so an unprivileged agent reads a secret file it could not open itself.
   */
  readonly sharedSecretCredential?: string;
  readonly timeoutMs: number;
}

/** Trino's coordinator, asked for its own view of this node (system.runtime.nodes). */
export interface CoordinatorConfig {
  /** e.g. http://trino-coordinator.internal:8080 */
  readonly url: string;
  /** Sent as X-Trino-User; needs read access to system.runtime.nodes. */
  readonly user: string;
  /** This node's `node.id`; when absent the node is found by the instance's private address in `http_uri`. */
  readonly nodeId?: string;
  readonly timeoutMs: number;
}

/** Where the "worker drained" report goes: the drain controller's queue. */
export interface DrainReportConfig {
  readonly queueUrl: string;
}

/** Where the in-service readings go: the fleet's readings queue (the stack sets it). */
export interface ReadingsConfig {
  readonly queueUrl: string;
}

/** A shell command that prints the running-task count, or starts the graceful shutdown. */
export interface ShellCommand {
  readonly kind: 'command';
  readonly command: string;
  readonly timeoutMs: number;
}

export interface AgentConfig {
  /** Seconds between task counts; once the instance is terminating, also between publications. */
  readonly intervalSeconds: number;
  /**
   * While the instance is in service, what was measured is published once per this many wall-clock
   * seconds (the first round of each such period), never less often than every interval.
   * @default 60 (DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS)
   */
  readonly inServicePublishSeconds: number;
  /** The environment's agent namespace; the agent publishes under it, in its own instance's namespace (imds.ownNamespace). */
  readonly namespace: string;
  readonly runningTasksMetric: string;
  /** Seconds the oldest running task has run, published beside the count when the task source knows it. */
  readonly oldestTaskAgeMetric: string;
  readonly shutdownMetric: string;
  /** Datapoints kept while CloudWatch is unreachable; the oldest are dropped past this. */
  readonly bufferMax: number;
  readonly tasks: TrinoWorker | ShellCommand;
  readonly shutdown: TrinoWorker | ShellCommand | { readonly kind: 'none' };
  /** Seconds between IMDS lifecycle checks and, once stopping, drain checks. Its own loop, never behind CloudWatch. */
  readonly lifecyclePollSeconds: number;
  /** The worker's `shutdown.grace-period`: without a coordinator view, a zero count counts only after it. */
  readonly shutdownGraceSeconds: number;
  readonly coordinator?: CoordinatorConfig;
  /** Absent: the agent reports nothing and the controller relies on the metric. */
  readonly drainReport?: DrainReportConfig;
  /**
   * While in service, send the readings (task count, oldest task's age, pressure) once a period to this
   * queue instead of publishing them to CloudWatch; once terminating, CloudWatch every interval as ever.
   * @default none: CloudWatch in service too
   */
  readonly readings?: ReadingsConfig;
  /**
   * The instance's Auto Scaling group, for instances whose launch template does not expose tags in
   * instance metadata (groups we adopt rather than launch). @default read from IMDS: tags/instance/aws:autoscaling:groupName
   */
  readonly groupName?: string;
  /**
   * Publish the instance's resource pressure (CPU steal, PSI, disk busy, network) each interval for the
   * straggler detector (docs/stragglers.md). @default false
   */
  readonly pressure: boolean;
}

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
  let raw: any;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new AgentConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (field: string, value: unknown, rule: string): never => {
    throw new AgentConfigError(`${path}: ${field} (${JSON.stringify(value)}) ${rule}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(root)', raw, 'must be a JSON object');
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
  const worker = (field: string, w: any, allowNone: boolean): TrinoWorker | ShellCommand | { kind: 'none' } => {
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
      return {
        kind: 'trino',
        url,
        user: w.user === undefined ? 'graceful-autoscaler' : str(`${field}.user`, w.user),
        ...secret,
        timeoutMs: int(`${field}.timeoutMs`, w.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 60_000),
      };
    }
    if (w?.kind === 'command') return { kind: 'command', command: str(`${field}.command`, w.command), timeoutMs: int(`${field}.timeoutMs`, w.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 600_000) };
    if (allowNone && w?.kind === 'none') return { kind: 'none' };
    return fail(`${field}.kind`, w?.kind, allowNone ? 'must be "trino", "command" or "none"' : 'must be "trino" or "command"');
  };

  return {
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
      raw.coordinator === undefined
        ? undefined
        : {
            url: httpUrl('coordinator.url', raw.coordinator?.url),
            user: raw.coordinator.user === undefined ? 'graceful-autoscaler' : str('coordinator.user', raw.coordinator.user),
            nodeId: raw.coordinator.nodeId === undefined ? undefined : str('coordinator.nodeId', raw.coordinator.nodeId),
            timeoutMs: int('coordinator.timeoutMs', raw.coordinator.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 60_000),
          },
    drainReport: raw.drainReport === undefined ? undefined : { queueUrl: queueUrl('drainReport.queueUrl', raw.drainReport?.queueUrl) },
    readings: raw.readings === undefined ? undefined : { queueUrl: queueUrl('readings.queueUrl', raw.readings?.queueUrl) },
  };
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
