import { mapSettled } from '../../core/util/concurrency';
import { TaskReading } from '../../core/drain';
import { isConnectionRefused, summarizeTasks } from '../../core/trino-tasks';
import { InstanceDetails, TaskCounts, TaskReadings, WaitingInstance, WorkerControl, ControllerLog } from '../../core/ports';
import { capError } from '../../core/util/log-text';
import { UntrustedResponseError } from '../../core/untrusted-json';
import { discard, fetchNoRedirect } from '../../runtime/untrusted-http';

/** A Trino/Presto worker's HTTP endpoint, reached from the controller inside the VPC. */
export interface TrinoEndpoint {
  readonly scheme: 'http' | 'https';
  readonly port: number;
  /** Sent as X-Trino-User; the worker's access control must allow it (see docs). */
  readonly user: string;
  readonly timeoutMs: number;
}

const HTTP_CONCURRENCY = 16;

async function addresses(details: InstanceDetails, instances: readonly WaitingInstance[]): Promise<Map<string, string>> {
  const found = await details.describe(instances.map((i) => i.instanceId));
  return new Map([...found].filter(([, d]) => d.privateIp).map(([id, d]) => [id, d.privateIp!]));
}

/**
 * Running tasks from each worker's own API. One sample per call, so the controller keeps the history.
 * A worker that refuses connections after being told to stop has exited: its shutdown finished. The same
 * task list gives the oldest task's age, so every reading carries it when the tasks' createTime is readable.
 */
export class TrinoTaskCounts implements TaskCounts {
  readonly keepsHistory = false;

  constructor(
    private readonly details: InstanceDetails,
    private readonly endpoint: TrinoEndpoint,
    private readonly now: () => number = Date.now,
    /** Where a refused answer (a redirect) is said; unset, it only costs the reading. */
    private readonly log?: Pick<ControllerLog, 'warn'>,
  ) {}

  async read(instances: readonly WaitingInstance[]): Promise<TaskReadings> {
    const ips = await addresses(this.details, instances);
    const out = new Map<string, { readings: TaskReading[]; drainedAt?: number }>();
    await mapSettled(instances, HTTP_CONCURRENCY, async (i) => {
      const ip = ips.get(i.instanceId);
      if (!ip) return;
      try {
        // A worker is untrusted input: no redirect is followed with our X-Trino-User (fetchNoRedirect).
        const res = await fetchNoRedirect(`GET /v1/task of ${i.instanceId}`, `${this.endpoint.scheme}://${ip}:${this.endpoint.port}/v1/task`, {
          headers: { 'X-Trino-User': this.endpoint.user },
          signal: AbortSignal.timeout(this.endpoint.timeoutMs),
        });
        if (!res.ok) {
          await discard(res); // no reading: unknown, never idle
          return;
        }
        const body = await res.json();
        const at = this.now();
        out.set(i.instanceId, { readings: [{ at, ...summarizeTasks(body, at) }] });
      } catch (e) {
        if (isConnectionRefused(e)) out.set(i.instanceId, { readings: [], drainedAt: this.now() });
        else if (e instanceof UntrustedResponseError) this.log?.warn('worker answer refused; no reading', { instanceId: i.instanceId, error: capError(e) });
      }
    });
    return out;
  }
}

/** Tells each worker `PUT /v1/info/state "SHUTTING_DOWN"`: it stops taking tasks, finishes them, and exits. */
export class TrinoWorkerControl implements WorkerControl {
  readonly kind = 'http' as const;

  constructor(
    private readonly details: InstanceDetails,
    private readonly endpoint: TrinoEndpoint,
    /** Where a refused answer (a redirect) is said; unset, it only costs the stop. */
    private readonly log?: Pick<ControllerLog, 'warn'>,
  ) {}

  async requestStop(instances: readonly WaitingInstance[]): Promise<Set<string>> {
    const ips = await addresses(this.details, instances);
    const reached = new Set<string>();
    await mapSettled(instances, HTTP_CONCURRENCY, async (i) => {
      const ip = ips.get(i.instanceId);
      if (!ip) return;
      // Never re-sent elsewhere: a redirect is refused, and the worker counts as not reached.
      const what = `PUT /v1/info/state of ${i.instanceId}`;
      const res = await fetchNoRedirect(what, `${this.endpoint.scheme}://${ip}:${this.endpoint.port}/v1/info/state`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-Trino-User': this.endpoint.user },
        body: JSON.stringify('SHUTTING_DOWN'),
        signal: AbortSignal.timeout(this.endpoint.timeoutMs),
      }).catch((e) => {
        if (e instanceof UntrustedResponseError) this.log?.warn('worker answer refused; not reached', { instanceId: i.instanceId, error: capError(e) });
        throw e;
      });
      await discard(res);
      if (res.ok) reached.add(i.instanceId);
    });
    return reached;
  }
}
