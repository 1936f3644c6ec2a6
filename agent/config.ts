/**
 * The agent's configuration file (`--config <path>`), validated at start: a bad file is one clear
 * message and a non-zero exit, never a silent default.
 */

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
  readonly timeoutMs: number;
}

/** A shell command that prints the running-task count, or starts the graceful shutdown. */
export interface ShellCommand {
  readonly kind: 'command';
  readonly command: string;
  readonly timeoutMs: number;
}

export interface AgentConfig {
  /** Seconds between task counts and lifecycle checks. */
  readonly intervalSeconds: number;
  readonly namespace: string;
  readonly runningTasksMetric: string;
  readonly shutdownMetric: string;
  /** Datapoints kept while CloudWatch is unreachable; the oldest are dropped past this. */
  readonly bufferMax: number;
  readonly tasks: TrinoWorker | ShellCommand;
  readonly shutdown: TrinoWorker | ShellCommand | { readonly kind: 'none' };
}

export const DEFAULT_INTERVAL_SECONDS = 10;
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

  const worker = (field: string, w: any, allowNone: boolean): TrinoWorker | ShellCommand | { kind: 'none' } => {
    if (w?.kind === 'trino') {
      const url = str(`${field}.url`, w.url);
      if (!/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(url)) fail(`${field}.url`, url, 'must be http(s)://host:port');
      return {
        kind: 'trino',
        url: url.replace(/\/$/, ''),
        user: w.user === undefined ? 'graceful-autoscaler' : str(`${field}.user`, w.user),
        sharedSecret: w.sharedSecret === undefined ? undefined : str(`${field}.sharedSecret`, w.sharedSecret),
        sharedSecretFile: w.sharedSecretFile === undefined ? undefined : str(`${field}.sharedSecretFile`, w.sharedSecretFile),
        timeoutMs: int(`${field}.timeoutMs`, w.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 60_000),
      };
    }
    if (w?.kind === 'command') return { kind: 'command', command: str(`${field}.command`, w.command), timeoutMs: int(`${field}.timeoutMs`, w.timeoutMs ?? DEFAULT_TIMEOUT_MS, 100, 600_000) };
    if (allowNone && w?.kind === 'none') return { kind: 'none' };
    return fail(`${field}.kind`, w?.kind, allowNone ? 'must be "trino", "command" or "none"' : 'must be "trino" or "command"');
  };

  return {
    intervalSeconds: int('intervalSeconds', raw.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS, 1, 300),
    namespace: str('namespace', raw.namespace ?? 'GracefulAutoscaler'),
    runningTasksMetric: str('runningTasksMetric', raw.runningTasksMetric ?? 'RunningTasks'),
    shutdownMetric: str('shutdownMetric', raw.shutdownMetric ?? 'ShutdownStarted'),
    bufferMax: int('bufferMax', raw.bufferMax ?? DEFAULT_BUFFER_MAX, 10, 1_000_000),
    tasks: worker('tasks', raw.tasks, false) as TrinoWorker | ShellCommand,
    shutdown: worker('shutdown', raw.shutdown ?? { kind: 'none' }, true),
  };
}

/** The secret from `sharedSecretFile`: a properties file's `internal-communication.shared-secret`, or the whole file. */
export function readSharedSecret(text: string): string {
  const line = text.split(/\r?\n/).find((l) => /^\s*internal-communication\.shared-secret\s*[=:]/.test(l));
  const secret = (line ? line.replace(/^[^=:]*[=:]/, '') : text).trim();
  if (secret === '') throw new AgentConfigError('sharedSecretFile holds no secret');
  return secret;
}
