/**
 * The worker agent: every interval it counts the worker's running tasks and publishes them as a
 * high-resolution metric, and watches IMDS for the instance being marked for termination, on which it
 * starts the worker's graceful shutdown, once, and reports that it did. It never publishes a number it
 * did not measure: when the worker cannot be read there is no datapoint, and the controller sees "no
 * data", which is never idle. The one inferred zero: after this agent started a graceful shutdown, a
 * worker that no longer accepts connections has exited, and an exited worker runs no tasks.
 */
import { Dimension } from '@aws-sdk/client-cloudwatch';
import { AgentConfig } from './config';
import { ImdsClient, InstanceIdentity, readIdentity, readTargetLifecycleState } from './imds';
import { MetricPublisher } from './publisher';
import { countRunningTasks, startShutdown } from './worker';

export interface AgentLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** JSON lines on stdout/stderr, which systemd hands to the journal. */
export const jsonLog: AgentLog = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'INFO', message, ...fields, time: new Date().toISOString() })),
  warn: (message, fields) => console.error(JSON.stringify({ level: 'WARN', message, ...fields, time: new Date().toISOString() })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'ERROR', message, ...fields, time: new Date().toISOString() })),
};

/** What one tick did, for tests and logs. */
export interface TickResult {
  readonly runningTasks?: number;
  readonly lifecycleState?: string;
  readonly shutdownStartedNow: boolean;
  readonly published: boolean;
}

export class Agent {
  private shutdownStarted = false;
  private identity?: InstanceIdentity;

  constructor(
    private readonly config: AgentConfig,
    private readonly imds: ImdsClient,
    private readonly publisherFor: (identity: InstanceIdentity) => MetricPublisher,
    private readonly log: AgentLog = jsonLog,
    private readonly now: () => number = Date.now,
  ) {}

  private publisher?: MetricPublisher;

  /** Datapoints waiting to be published, and dropped because the buffer was full. */
  get stats(): { pending: number; dropped: number } {
    return { pending: this.publisher?.pending ?? 0, dropped: this.publisher?.dropped ?? 0 };
  }

  /** Whether the graceful shutdown has been started by this agent. */
  get shuttingDown(): boolean {
    return this.shutdownStarted;
  }

  /** One round: identity (until known), task count, lifecycle check, publish. Never throws. */
  async tick(): Promise<TickResult> {
    if (!this.identity) {
      try {
        this.identity = await readIdentity(this.imds);
        this.publisher = this.publisherFor(this.identity);
        this.log.info('agent started', { ...this.identity, intervalSeconds: this.config.intervalSeconds });
      } catch (e) {
        this.log.warn('instance identity unavailable; retrying next interval', { error: message(e) });
        return { shutdownStartedNow: false, published: false };
      }
    }
    const identity = this.identity;
    const publisher = this.publisher!;
    const now = this.now();
    const dimensions: Dimension[] = [
      { Name: 'InstanceId', Value: identity.instanceId },
      { Name: 'AutoScalingGroupName', Value: identity.groupName },
    ];

    let runningTasks: number | undefined;
    try {
      const count = await countRunningTasks(this.config.tasks, identity.instanceId, now);
      if (count.kind === 'count') runningTasks = count.runningTasks;
      else if (this.shutdownStarted) runningTasks = 0; // exited after our graceful shutdown
      else this.log.warn('worker not listening; no datapoint', { tasks: this.config.tasks.kind });
    } catch (e) {
      this.log.warn('task count failed; no datapoint', { error: message(e) });
    }
    if (runningTasks !== undefined) {
      publisher.add({ MetricName: this.config.runningTasksMetric, Dimensions: dimensions, Timestamp: new Date(now), Value: runningTasks, Unit: 'Count', StorageResolution: 1 });
    }

    let lifecycleState: string | undefined;
    let shutdownStartedNow = false;
    try {
      lifecycleState = await readTargetLifecycleState(this.imds);
    } catch (e) {
      this.log.warn('lifecycle state unavailable', { error: message(e) });
    }
    if (lifecycleState === 'Terminated' && !this.shutdownStarted && this.config.shutdown.kind !== 'none') {
      try {
        await startShutdown(this.config.shutdown, identity.instanceId, now);
        this.shutdownStarted = true;
        shutdownStartedNow = true;
        this.log.info('instance marked for termination: graceful shutdown started', { ...identity, runningTasks });
        publisher.add({ MetricName: this.config.shutdownMetric, Dimensions: dimensions, Timestamp: new Date(now), Value: 1, Unit: 'Count', StorageResolution: 1 });
      } catch (e) {
        this.log.error('graceful shutdown failed to start; retrying next interval', { error: message(e) });
      }
    } else if (lifecycleState === 'Terminated' && !this.shutdownStarted) {
      // shutdown: none — the controller stops the worker; remember we saw it so we do not log every tick.
      this.shutdownStarted = true;
      this.log.info('instance marked for termination; the controller stops the worker', { ...identity });
    }

    // Drain everything buffered once the instance is going away: the controller needs the last readings.
    const error = await publisher.flush(this.shutdownStarted);
    if (error) this.log.warn('publishing metrics failed; kept for retry', { error: message(error), pending: publisher.pending, dropped: publisher.dropped });
    return { runningTasks, lifecycleState, shutdownStartedNow, published: !error && publisher.pending === 0 };
  }

  /** Ticks every interval until the signal aborts, then flushes once more. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.now();
      await this.tick();
      const wait = Math.max(0, this.config.intervalSeconds * 1000 - (this.now() - started));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
    await this.publisher?.flush(true);
    this.log.info('agent stopped', { pending: this.publisher?.pending ?? 0, dropped: this.publisher?.dropped ?? 0 });
  }
}

function message(e: unknown): string {
  return String((e as Error)?.message ?? e);
}
