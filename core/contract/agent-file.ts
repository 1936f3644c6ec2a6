/**
 * The agent's configuration file, /etc/graceful-autoscaler/agent.json, defined once. The stack writes it
 * into each instance's user data, or as an adopted group's AgentConfig output (lib/worker-agent.ts
 * agentFileConfig), and the agent reads it at start (agent/config.ts parseAgentConfig), so a field spelled
 * differently on one side, or missing from the other, does not compile. `AgentFile` is the JSON as
 * written: what the reader defaults is optional. `AgentConfig` is what the reader makes of it, the same
 * fields with its defaults applied; its parser reads the file through `Unchecked`, so it can read only the
 * fields named here.
 */

/** A Trino/Presto worker's HTTP API on this instance. */
export interface AgentFileTrinoWorker {
  readonly kind: 'trino';
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** Sent as X-Trino-User. @default 'graceful-autoscaler' */
  readonly user?: string;
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
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** A shell command that prints the running-task count, or starts the graceful shutdown. */
export interface AgentFileShellCommand {
  readonly kind: 'command';
  readonly command: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** No graceful shutdown: something else stops the worker. */
export interface AgentFileNoShutdown {
  readonly kind: 'none';
}

/** Trino's coordinator, asked for its own view of this node (system.runtime.nodes). */
export interface AgentFileCoordinator {
  /** e.g. http://trino-coordinator.internal:8080 */
  readonly url: string;
  /** Sent as X-Trino-User; needs read access to system.runtime.nodes. @default 'graceful-autoscaler' */
  readonly user?: string;
  /** This node's `node.id`; when absent the node is found by the instance's private address in `http_uri`. */
  readonly nodeId?: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** An SQS queue the agent sends to: the drain controller's ("worker drained"), or the fleet's readings queue. */
export interface AgentFileQueue {
  readonly queueUrl: string;
}

/** agent.json as written. */
export interface AgentFile {
  /** Seconds between task counts; once the instance is terminating, also between publications. @default 10 */
  readonly intervalSeconds?: number;
  /**
   * While the instance is in service, what was measured is published once per this many wall-clock
   * seconds (the first round of each such period), never less often than every interval.
   * @default 60 (DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS)
   */
  readonly inServicePublishSeconds?: number;
  /** The environment's agent namespace; the agent publishes under it, in its own instance's namespace (imds.ownNamespace). @default 'GracefulAutoscaler' */
  readonly namespace?: string;
  /** @default 'RunningTasks' */
  readonly runningTasksMetric?: string;
  /** Seconds the oldest running task has run, published beside the count when the task source knows it. @default 'OldestTaskAgeSeconds' */
  readonly oldestTaskAgeMetric?: string;
  /** @default 'ShutdownStarted' */
  readonly shutdownMetric?: string;
  /** Datapoints kept while CloudWatch is unreachable; the oldest are dropped past this. @default one day of 10-second datapoints */
  readonly bufferMax?: number;
  readonly tasks: AgentFileTrinoWorker | AgentFileShellCommand;
  /** @default { kind: 'none' } */
  readonly shutdown?: AgentFileTrinoWorker | AgentFileShellCommand | AgentFileNoShutdown;
  /** Seconds between IMDS lifecycle checks and, once stopping, drain checks. Its own loop, never behind CloudWatch. @default 1 */
  readonly lifecyclePollSeconds?: number;
  /** The worker's `shutdown.grace-period`: without a coordinator view, a zero count counts only after it. @default 120 */
  readonly shutdownGraceSeconds?: number;
  /** @default none: the agent relies on its own count and the grace period */
  readonly coordinator?: AgentFileCoordinator;
  /** Where the "worker drained" report goes: the drain controller's queue. Absent: the agent reports nothing and the controller relies on the metric. */
  readonly drainReport?: AgentFileQueue;
  /**
   * While in service, send the readings (task count, oldest task's age, pressure) once a period to this
   * queue (the fleet's readings queue, the stack sets it) instead of publishing them to CloudWatch; once
   * terminating, CloudWatch every interval as ever.
   * @default none: CloudWatch in service too
   */
  readonly readings?: AgentFileQueue;
  /**
   * The instance's Auto Scaling group, for instances whose launch template does not expose tags in
   * instance metadata (groups we adopt rather than launch). @default read from IMDS: tags/instance/aws:autoscaling:groupName
   */
  readonly groupName?: string;
  /**
   * Publish the instance's resource pressure (CPU steal, PSI, disk busy, network) each interval for the
   * straggler detector (docs/stragglers.md). @default false
   */
  readonly pressure?: boolean;
}

/** T with the fields K, which the reader defaults, always present. */
export type WithDefaults<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]-?: Exclude<T[P], undefined> };

/** A Trino worker as the agent uses it. */
export type TrinoWorker = WithDefaults<AgentFileTrinoWorker, 'user' | 'timeoutMs'>;
/** A shell command as the agent uses it. */
export type ShellCommand = WithDefaults<AgentFileShellCommand, 'timeoutMs'>;
/** The coordinator as the agent uses it. */
export type CoordinatorConfig = WithDefaults<AgentFileCoordinator, 'user' | 'timeoutMs'>;
export type DrainReportConfig = AgentFileQueue;
export type ReadingsConfig = AgentFileQueue;

/** The fields of agent.json the reader defaults. */
type DefaultedField =
  | 'intervalSeconds'
  | 'inServicePublishSeconds'
  | 'namespace'
  | 'runningTasksMetric'
  | 'oldestTaskAgeMetric'
  | 'shutdownMetric'
  | 'bufferMax'
  | 'shutdown'
  | 'lifecyclePollSeconds'
  | 'shutdownGraceSeconds'
  | 'pressure';

/** agent.json as the agent uses it: every field of the file, the defaulted ones present, the workers resolved. */
export type AgentConfig = Omit<WithDefaults<AgentFile, DefaultedField>, 'tasks' | 'shutdown' | 'coordinator'> & {
  readonly tasks: TrinoWorker | ShellCommand;
  readonly shutdown: TrinoWorker | ShellCommand | AgentFileNoShutdown;
  readonly coordinator?: CoordinatorConfig;
};

/** What a parser reads before validating: the fields of T by name, each of unknown value. */
export type Unchecked<T> = { readonly [K in keyof T]?: unknown };

/**
 * Every field of T present, the optional ones possibly undefined: a parser building T names each one.
 * (Mapping over `keyof T & string` rather than `keyof T` makes every key required, not optional as in T.)
 */
export type AllFields<T> = T & { readonly [K in keyof T & string]: T[K] };
