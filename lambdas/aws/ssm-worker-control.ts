import { SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
import { chunk } from '../controller/concurrency';
import { WaitingInstance, WorkerControl } from '../ports';

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
    for (const batch of chunk(instances, INSTANCES_PER_COMMAND)) {
      // SendCommand accepting the ids is what "reached" means here: Run Command then delivers to each
      // instance's agent; the idle test, not this call, decides when the worker is done.
      await this.client.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: batch.map((i) => i.instanceId),
          Parameters: { commands: [...this.commands], executionTimeout: [String(this.timeoutSeconds)] },
          Comment: 'graceful-autoscaler: stop taking new work',
          TimeoutSeconds: this.timeoutSeconds,
        }),
      );
      for (const i of batch) reached.add(i.instanceId);
    }
    return reached;
  }
}

/** The on-instance agent stops the worker when IMDS reports the instance is being terminated. */
export class AgentWorkerControl implements WorkerControl {
  readonly kind = 'agent' as const;
  async requestStop(instances: readonly WaitingInstance[]): Promise<Set<string>> {
    return new Set(instances.map((i) => i.instanceId));
  }
}
