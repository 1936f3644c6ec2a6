/**
 * The worker agent, two loops that never wait on each other:
 * - the **lifecycle loop** (every second) asks IMDS whether the instance is marked for termination; if
 *   so it starts the worker's graceful shutdown, once, then watches for the worker to be drained (the
 *   coordinator no longer schedules to it and it runs no task, or it exited) and reports that, once, to
 *   the drain controller's queue;
 * - the **metrics loop** (every interval) counts the worker's running tasks as a high-resolution metric.
 *   While the instance is in service it publishes what it counted once a wall-clock minute
 *   (`inServicePublishSeconds`), every reading in one PutMetricData: the straggler function's 1-minute
 *   averages are the same and the termination policy still finds a reading under its 2-minute freshness
 *   limit, at a sixth of the requests. From the round after the lifecycle loop sees Terminated it
 *   publishes every interval, as the drain controller's idle test reads it.
 * A CloudWatch, SQS, worker or coordinator that never answers costs one call's time limit, never a loop.
 * It never publishes a number it did not measure: when the worker cannot be read there is no datapoint,
 * and the controller sees "no data", which is never idle. The one inferred zero: after this agent started
 * a graceful shutdown, a worker that no longer accepts connections has exited, and runs no tasks.
 */
import { Dimension } from '@aws-sdk/client-cloudwatch';
import { COORDINATOR_CONFIRM_MS, DrainReport, DrainedBy } from '../core/drain-report';
import { AgentConfig } from './config';
import { readCoordinatorView } from './coordinator';
import { ImdsClient, InstanceIdentity, ownNamespace, readIdentity, readPrivateIp, readTargetLifecycleState } from './imds';
import { CounterReading, PressureReader, pressureBetween } from './pressure';
import { ReadingsMessage } from '../core/worker-readings';
import { PRESSURE_METRICS, PRESSURE_RESOURCES, PressureResource } from '../core/stragglers';
import { AgentLog, jsonLog, message } from './log';
import { PendingReadings } from './pending-readings';
import { MetricPublisher } from './publisher';
import { sleep, withLimit } from './waits';
import { countRunningTasks, startShutdown } from './worker';

/** Sends the drain report to the controller's queue; throws on failure (the loop retries). */
export interface DrainReporter {
  send(report: DrainReport): Promise<void>;
}

/** Sends one message of in-service readings to the fleet's readings queue; throws on failure (kept for the next period). */
export interface ReadingsSender {
  send(message: ReadingsMessage): Promise<void>;
}

/** What one round did, for tests and logs. */
export interface TickResult {
  readonly runningTasks?: number;
  readonly lifecycleState?: string;
  readonly shutdownStartedNow: boolean;
  readonly published: boolean;
  /** Set on the round the worker was found drained. */
  readonly drainedBy?: DrainedBy;
  /** True once the drain report has been delivered. */
  readonly reported: boolean;
}

/** No loop round may take longer than this, whatever an endpoint does; each call also has its own limit. */
export const ROUND_LIMIT_MS = 30_000;

export class Agent {
  private shutdownStarted = false;
  /** Set once the lifecycle loop has seen Terminated: from then on every metrics round publishes. */
  private terminating = false;
  /** The in-service publishing period (floor(now / inServicePublishSeconds)) last published in. */
  private publishedPeriod?: number;
  private stoppedAt?: number;
  private coordinatorSeenAt?: number;
  private warnedUnlisted = false;
  private drained?: { at: number; by: DrainedBy };
  private reported = false;
  private identity?: InstanceIdentity;
  private privateIp?: string;
  private publisher?: MetricPublisher;

  constructor(
    private readonly config: AgentConfig,
    private readonly imds: ImdsClient,
    /** A publisher into `namespace`: the instance's own (imds.ownNamespace), the only one its role may write. */
    private readonly publisherFor: (identity: InstanceIdentity, namespace: string) => MetricPublisher,
    private readonly log: AgentLog = jsonLog,
    private readonly now: () => number = Date.now,
    private readonly reporterFor?: (identity: InstanceIdentity) => DrainReporter,
    private readonly pressure: PressureReader = new PressureReader(),
    /** The fleet's readings queue (agent.json `readings`): in service, readings go there instead of CloudWatch. */
    private readonly readingsSenderFor?: (identity: InstanceIdentity) => ReadingsSender,
  ) {}

  private readingsSender?: ReadingsSender;
  /** In-service readings not yet sent. */
  private readonly pendingReadings = new PendingReadings();

  /** Readings dropped because SQS refused them for longer than the buffer holds. */
  get droppedReadings(): number {
    return this.pendingReadings.dropped;
  }

  /** The previous metrics round's kernel counters: each round publishes the difference. */
  private counters?: CounterReading;

  private reporter?: DrainReporter;

  /** Datapoints waiting to be published, and dropped because the buffer was full. */
  get stats(): { pending: number; dropped: number } {
    return { pending: this.publisher?.pending ?? 0, dropped: this.publisher?.dropped ?? 0 };
  }

  /** Whether the graceful shutdown has been started by this agent. */
  get shuttingDown(): boolean {
    return this.shutdownStarted;
  }

  /** Instance id, region and group, once; undefined (logged) while IMDS cannot tell. */
  private identityPending?: Promise<InstanceIdentity | undefined>;

  private ensureIdentity(): Promise<InstanceIdentity | undefined> {
    if (this.identity) return Promise.resolve(this.identity);
    // Both loops may ask at once: one IMDS read, one publisher.
    this.identityPending ??= this.readIdentityOnce().finally(() => (this.identityPending = undefined));
    return this.identityPending;
  }

  private async readIdentityOnce(): Promise<InstanceIdentity | undefined> {
    try {
      this.identity = await readIdentity(this.imds, this.config.groupName);
      this.privateIp = await readPrivateIp(this.imds).catch(() => undefined);
      this.publisher = this.publisherFor(this.identity, ownNamespace(this.config.namespace, this.identity));
      this.reporter = this.reporterFor?.(this.identity);
      this.readingsSender = this.config.readings ? this.readingsSenderFor?.(this.identity) : undefined;
      this.log.info('agent started', { ...this.identity, intervalSeconds: this.config.intervalSeconds, inServicePublishSeconds: this.config.inServicePublishSeconds, lifecyclePollSeconds: this.config.lifecyclePollSeconds });
    } catch (e) {
      this.log.warn('instance identity unavailable; retrying next interval', { error: message(e) });
    }
    return this.identity;
  }

  private dimensions(identity: InstanceIdentity): Dimension[] {
    return [
      { Name: 'InstanceId', Value: identity.instanceId },
      { Name: 'AutoScalingGroupName', Value: identity.groupName },
    ];
  }

  /**
   * One round of the lifecycle loop: the target lifecycle state; on Terminated the graceful shutdown
   * (once); then, until reported, the drain check and the report. Never throws, never waits on CloudWatch.
   */
  async tickLifecycle(): Promise<Omit<TickResult, 'runningTasks' | 'published'>> {
    let lifecycleState: string | undefined;
    let shutdownStartedNow = false;
    try {
      lifecycleState = await readTargetLifecycleState(this.imds);
    } catch (e) {
      this.log.warn('lifecycle state unavailable', { error: message(e) });
    }
    const identity = await this.ensureIdentity();
    if (lifecycleState === 'Terminated') this.terminating = true;
    if (lifecycleState === 'Terminated' && !this.shutdownStarted) {
      if (this.config.shutdown.kind === 'none') {
        // The controller stops the worker; remember we saw it so we do not log every round.
        this.shutdownStarted = true;
        this.log.info('instance marked for termination; the controller stops the worker', { ...identity });
      } else {
        const now = this.now();
        try {
          await startShutdown(this.config.shutdown, identity?.instanceId ?? 'graceful-autoscaler-agent', now);
          this.shutdownStarted = true;
          this.stoppedAt = now;
          shutdownStartedNow = true;
          this.log.info('instance marked for termination: graceful shutdown started', { ...identity });
          if (identity) this.publisher?.add({ MetricName: this.config.shutdownMetric, Dimensions: this.dimensions(identity), Timestamp: new Date(now), Value: 1, Unit: 'Count', StorageResolution: 1 });
        } catch (e) {
          this.log.error('graceful shutdown failed to start; retrying next round', { error: message(e) });
        }
      }
    }
    let drainedBy: DrainedBy | undefined;
    if (this.stoppedAt !== undefined && !this.drained) {
      drainedBy = await this.checkDrained(this.stoppedAt, identity);
      if (drainedBy) {
        this.drained = { at: this.now(), by: drainedBy };
        this.log.info('worker drained', { ...identity, drainedBy, secondsSinceStop: (this.drained.at - this.stoppedAt) / 1000 });
      }
    }
    if (this.drained && !this.reported && identity && this.reporter && this.config.drainReport) {
      try {
        await this.reporter.send({ instanceId: identity.instanceId, groupName: identity.groupName, stoppedAt: this.stoppedAt!, drainedAt: this.drained.at, drainedBy: this.drained.by });
        this.reported = true;
        this.log.info('drain reported to the controller', { ...identity, drainedBy: this.drained.by });
      } catch (e) {
        this.log.warn('drain report failed; retrying next round', { error: message(e) });
      }
    }
    return { lifecycleState, shutdownStartedNow, drainedBy, reported: this.reported };
  }

  /**
   * Drained: the worker exited after our shutdown; or the coordinator no longer schedules to it and a
   * count taken a confirmation later is zero; or, with no coordinator view, the grace period has passed
   * and the count is zero. Unknown (an error, no view of this node) is never drained.
   */
  private async checkDrained(stoppedAt: number, identity: InstanceIdentity | undefined): Promise<DrainedBy | undefined> {
    try {
      const coordinator = this.config.coordinator;
      if (coordinator) {
        const askedAt = this.now();
        const view = await readCoordinatorView(coordinator, this.privateIp);
        if (view.kind === 'not-scheduling') this.coordinatorSeenAt ??= askedAt;
        else if (view.kind === 'unknown' && !this.warnedUnlisted) {
          // Once: this round repeats every second for the whole drain.
          this.warnedUnlisted = true;
          this.log.warn('coordinator does not list this node; not drained on its word', { privateIp: this.privateIp, nodeId: coordinator.nodeId });
        }
      }
      const countedAt = this.now();
      const count = await countRunningTasks(this.config.tasks, identity?.instanceId ?? 'graceful-autoscaler-agent', countedAt);
      if (count.kind === 'not-listening') return 'exited';
      if (count.runningTasks > 0) return undefined;
      if (coordinator) return this.coordinatorSeenAt !== undefined && countedAt >= this.coordinatorSeenAt + COORDINATOR_CONFIRM_MS ? 'coordinator' : undefined;
      return countedAt >= stoppedAt + this.config.shutdownGraceSeconds * 1000 ? 'grace' : undefined;
    } catch (e) {
      this.log.warn('drain check failed; retrying next round', { error: message(e) });
      return undefined;
    }
  }

  /** One round of the metrics loop: count the tasks and publish. Never throws. */
  async tickMetrics(): Promise<Pick<TickResult, 'runningTasks' | 'published'>> {
    const identity = await this.ensureIdentity();
    if (!identity) return { published: false };
    const publisher = this.publisher!;
    const now = this.now();
    let runningTasks: number | undefined;
    let oldestTaskAgeSeconds: number | undefined;
    try {
      const count = await countRunningTasks(this.config.tasks, identity.instanceId, now);
      if (count.kind === 'count') ({ runningTasks, oldestTaskAgeSeconds } = count);
      else if (this.shutdownStarted) runningTasks = 0; // exited after our graceful shutdown
      else this.log.warn('worker not listening; no datapoint', { tasks: this.config.tasks.kind });
    } catch (e) {
      this.log.warn('task count failed; no datapoint', { error: message(e) });
    }
    if (this.readingsSender && !this.terminating && !this.shutdownStarted) return this.queueReadings(identity, now, runningTasks, oldestTaskAgeSeconds);
    // Those kept for the queue are in-service readings: once terminating, CloudWatch carries every round.
    this.pendingReadings.clear();
    if (runningTasks !== undefined) {
      publisher.add({ MetricName: this.config.runningTasksMetric, Dimensions: this.dimensions(identity), Timestamp: new Date(now), Value: runningTasks, Unit: 'Count', StorageResolution: 1 });
      // Beside the count, at the same resolution: the termination policy's tie-break reads both. An idle
      // worker has no age to report (the reader takes a zero count as age 0), which keeps the buffer for counts.
      if (oldestTaskAgeSeconds !== undefined && runningTasks > 0) {
        publisher.add({ MetricName: this.config.oldestTaskAgeMetric, Dimensions: this.dimensions(identity), Timestamp: new Date(now), Value: oldestTaskAgeSeconds, Unit: 'Seconds', StorageResolution: 1 });
      }
    }
    if (this.config.pressure) await this.addPressure(identity, now);
    if (!this.publishDue(now)) return { runningTasks, published: false };
    // Drain everything buffered once the instance is going away: the controller needs the last readings.
    const error = await publisher.flush(this.shutdownStarted);
    if (error) this.log.warn('publishing metrics failed; kept for retry', { error: message(error), pending: publisher.pending, dropped: publisher.dropped });
    return { runningTasks, published: !error && publisher.pending === 0 };
  }

  /**
   * In service with a readings queue: the round's reading is kept, and the first round of each period
   * sends what was kept as one message (docs/cost.md). Nothing goes to CloudWatch: a per-instance custom
   * metric costs $0.30 a month whether or not it is read. A round whose worker could not be read keeps no
   * count (no data, never zero). A send that fails keeps the readings for the next period.
   */
  private async queueReadings(identity: InstanceIdentity, now: number, runningTasks: number | undefined, oldestTaskAgeSeconds: number | undefined): Promise<Pick<TickResult, 'runningTasks' | 'published'>> {
    const figures = this.config.pressure ? await this.readPressure(now) : undefined;
    const pressure: Partial<Record<PressureResource, number>> = {};
    for (const r of PRESSURE_RESOURCES) if (figures?.[PRESSURE_METRICS[r]] !== undefined) pressure[r] = figures[PRESSURE_METRICS[r]];
    if (runningTasks !== undefined || Object.keys(pressure).length > 0) {
      this.pendingReadings.add({
        at: now,
        ...(runningTasks !== undefined ? { runningTasks } : {}),
        // As on the metric path: an idle worker has no age (the reader takes a zero count as age 0).
        ...(runningTasks !== undefined && runningTasks > 0 && oldestTaskAgeSeconds !== undefined ? { oldestTaskAgeSeconds } : {}),
        ...(Object.keys(pressure).length > 0 ? { pressure } : {}),
      });
    }
    if (!this.publishDue(now) || this.pendingReadings.length === 0) return { runningTasks, published: false };
    const readings = this.pendingReadings.take();
    try {
      await this.readingsSender!.send({ instanceId: identity.instanceId, groupName: identity.groupName, readings });
      return { runningTasks, published: true };
    } catch (e) {
      this.pendingReadings.putBack(readings);
      this.log.warn('sending readings failed; kept for the next period', { error: message(e), pending: this.pendingReadings.length, dropped: this.pendingReadings.dropped });
      return { runningTasks, published: false };
    }
  }

  /**
   * Every round once the instance is terminating (the drain reads it); in service, the first round of
   * each wall-clock period of `inServicePublishSeconds`, so a minute's readings are all sent early in
   * the next, before the straggler function reads that minute. The first round always publishes.
   */
  private publishDue(now: number): boolean {
    if (this.terminating || this.shutdownStarted) return true;
    const period = Math.floor(now / (Math.max(this.config.inServicePublishSeconds, this.config.intervalSeconds) * 1000));
    if (period === this.publishedPeriod) return false;
    this.publishedPeriod = period;
    return true;
  }

  /**
   * The interval's resource pressure, from the kernel counters read now and a round ago. Standard
   * resolution: the detector works in minutes, and 1-minute Averages are what it reads.
   */
  private async addPressure(identity: InstanceIdentity, now: number): Promise<void> {
    const figures = await this.readPressure(now);
    for (const [name, value] of Object.entries(figures ?? {})) {
      this.publisher!.add({ MetricName: name, Dimensions: this.dimensions(identity), Timestamp: new Date(now), Value: value, Unit: 'Percent' });
    }
  }

  /** The interval's pressure figures by metric name, from the counters read now and a round ago; none on the first round. */
  private async readPressure(now: number): Promise<Record<string, number> | undefined> {
    let reading: CounterReading;
    try {
      reading = await this.pressure.sample(now);
    } catch (e) {
      this.log.warn('pressure counters unreadable; no datapoint', { error: message(e) });
      return undefined;
    }
    const before = this.counters;
    this.counters = reading;
    return before ? pressureBetween(before, reading) : undefined;
  }

  /** One round of each loop, lifecycle first (for tests and one-shot use; `run` runs them apart). */
  async tick(): Promise<TickResult> {
    const lifecycle = await this.tickLifecycle();
    const metrics = await this.tickMetrics();
    return { ...lifecycle, ...metrics };
  }

  /** Runs both loops until the signal aborts, then flushes once more. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([
      this.loop('lifecycle', this.config.lifecyclePollSeconds, signal, () => this.tickLifecycle()),
      this.loop('metrics', this.config.intervalSeconds, signal, () => this.tickMetrics()),
    ]);
    await withLimit(this.publisher?.flush(true) ?? Promise.resolve(undefined), ROUND_LIMIT_MS).catch(() => undefined);
    this.log.info('agent stopped', { pending: this.publisher?.pending ?? 0, dropped: this.publisher?.dropped ?? 0 });
  }

  private async loop(name: string, intervalSeconds: number, signal: AbortSignal, round: () => Promise<unknown>): Promise<void> {
    while (!signal.aborted) {
      const started = this.now();
      try {
        await withLimit(round(), ROUND_LIMIT_MS);
      } catch (e) {
        // A round that overran is abandoned (its calls end at their own limits); the loop goes on.
        this.log.warn(`${name} round overran; next round starts`, { error: message(e) });
      }
      const wait = Math.max(0, intervalSeconds * 1000 - (this.now() - started));
      await sleep(wait, signal);
    }
  }
}
