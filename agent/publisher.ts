/**
 * Buffered, batched PutMetricData. Datapoints wait in a bounded buffer while CloudWatch is throttling
 * or down, and go out oldest first in batches of at most 1000 (PutMetricData's MetricData limit,
 * CloudWatch API reference). When the buffer is full the oldest are dropped and counted.
 */
import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';

export const DATUMS_PER_CALL = 1000;

/**
 * The agent's AWS SDK clients: few attempts, each with connect and request time limits (the SDK's default
 * request timeout is none), so an endpoint that accepts connections and never answers costs seconds.
 */
export const AGENT_SDK_SETTINGS = { retryMode: 'adaptive', maxAttempts: 3, requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 } } as const;
const MAX_BACKOFF_MS = 5 * 60_000;
/** One AWS call of the agent, retries included, takes at most this long. */
export const AGENT_CALL_LIMIT_MS = 15_000;

export class MetricPublisher {
  private readonly buffer: MetricDatum[] = [];
  private failures = 0;
  private nextAttemptAt = 0;
  /** Datapoints dropped because the buffer was full. */
  dropped = 0;

  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
    private readonly bufferMax: number,
    private readonly now: () => number = Date.now,
  ) {}

  get pending(): number {
    return this.buffer.length;
  }

  add(datum: MetricDatum): void {
    this.buffer.push(datum);
    const excess = this.buffer.length - this.bufferMax;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
  }

  /**
   * Sends what is buffered. On failure keeps it and backs off exponentially with jitter (up to 5 min);
   * returns the error so the caller can log it, never throws.
   */
  async flush(force = false): Promise<Error | undefined> {
    if (this.buffer.length === 0 || (!force && this.now() < this.nextAttemptAt)) return undefined;
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, DATUMS_PER_CALL);
      try {
        // A hard limit on top of the client's own timeouts: a flush never outlives its round.
        await this.client.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch }), { abortSignal: AbortSignal.timeout(AGENT_CALL_LIMIT_MS) });
      } catch (e) {
        this.failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures, 10));
        this.nextAttemptAt = this.now() + backoff / 2 + Math.random() * (backoff / 2);
        return e as Error;
      }
      this.buffer.splice(0, batch.length);
      this.failures = 0;
      this.nextAttemptAt = 0;
    }
    return undefined;
  }
}
