import { SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
import { chunk } from '../../core/util/concurrency';
import { WaitingInstance, WorkerControl } from '../../core/ports';
import { errorName } from '../../core/util/errors';

/** SendCommand targets at most 50 instance ids per call (Systems Manager API reference, SendCommand). */
const INSTANCES_PER_COMMAND = 50;

/** Stops workers by running a configured shell command on them through SSM Run Command. */
export class SsmWorkerControl implements WorkerControl {
  readonly kind = 'ssm' as const;

  constructor(
    private readonly client: SSMClient,
    private readonly commands: readonly string[],
    private readonly timeoutSeconds = 60,
  ) {}

  async requestStop(instances: readonly WaitingInstance[]): Promise<Set<string>> {
    const reached = new Set<string>();
    let firstError: unknown;
    for (const batch of chunk(instances.map((i) => i.instanceId), INSTANCES_PER_COMMAND)) {
      try {
        await this.send(batch, reached);
      } catch (e) {
        // One batch failing (throttled after the SDK's retries, say) never stops the others: what was
        // reached is reported, the rest is retried on the next pass.
        firstError ??= e;
      }
    }
    if (reached.size === 0 && firstError !== undefined) throw firstError;
    return reached;
  }

  /**
   * SendCommand rejects the whole call with InvalidInstanceId when any one instance is not a managed node
   * or is shutting down (Systems Manager API reference, SendCommand). A refused batch is split in halves
   * until the refused instance stands alone; it alone is left out, and the others get their stop, once.
   * SendCommand accepting the ids is what "reached" means: Run Command then delivers to each instance's
   * agent; the idle test, not this call, decides when the worker is done.
   */
  private async send(ids: readonly string[], reached: Set<string>): Promise<void> {
    try {
      await this.client.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [...ids],
          Parameters: { commands: [...this.commands], executionTimeout: [String(this.timeoutSeconds)] },
          Comment: 'graceful-autoscaler: stop taking new work',
          TimeoutSeconds: this.timeoutSeconds,
        }),
      );
      for (const id of ids) reached.add(id);
    } catch (e) {
      if (errorName(e) !== 'InvalidInstanceId') throw e;
      if (ids.length === 1) return; // this one instance is unreachable now
      const half = Math.ceil(ids.length / 2);
      await this.send(ids.slice(0, half), reached);
      await this.send(ids.slice(half), reached);
    }
  }
}

/** The on-instance agent stops the worker when IMDS reports the instance is being terminated. */
export class AgentWorkerControl implements WorkerControl {
  readonly kind = 'agent' as const;
  async requestStop(instances: readonly WaitingInstance[]): Promise<Set<string>> {
    return new Set(instances.map((i) => i.instanceId));
  }
}
