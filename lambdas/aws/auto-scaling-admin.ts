import {
  AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { chunk } from '../../core/util/concurrency';
import { FleetAdmin, GroupView } from '../../core/ports';
import { describeGroups } from './auto-scaling-fleet';
import { errorName } from '../../core/util/errors';

/** DescribeAutoScalingInstances and SetInstanceProtection take at most 50 instance ids (Auto Scaling API reference). */
const INSTANCES_PER_CALL = 50;

export class AutoScalingAdmin implements FleetAdmin {
  constructor(private readonly client: AutoScalingClient) {}

  async describeGroups(groupNames: readonly string[]): Promise<GroupView[]> {
    return (await describeGroups(this.client, groupNames)).map((g) => ({
      groupName: g.AutoScalingGroupName!,
      minSize: g.MinSize ?? 0,
      maxSize: g.MaxSize ?? 0,
      desiredCapacity: g.DesiredCapacity ?? 0,
      newInstancesProtected: g.NewInstancesProtectedFromScaleIn ?? false,
      instances: (g.Instances ?? []).map((i) => ({ instanceId: i.InstanceId!, lifecycleState: i.LifecycleState ?? 'Unknown', protectedFromScaleIn: i.ProtectedFromScaleIn ?? false })),
    }));
  }

  async groupsOf(instanceIds: readonly string[]) {
    const out = new Map<string, { groupName: string; lifecycleState: string }>();
    for (const ids of chunk(instanceIds, INSTANCES_PER_CALL)) {
      const page = await this.client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ids, MaxRecords: INSTANCES_PER_CALL }));
      for (const i of page.AutoScalingInstances ?? []) out.set(i.InstanceId!, { groupName: i.AutoScalingGroupName!, lifecycleState: i.LifecycleState! });
    }
    return out;
  }

  async terminateInstance(instanceId: string, decrementDesired: boolean): Promise<void> {
    await this.client.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: decrementDesired }));
  }

  async setScaleInProtection(groupName: string, instanceIds: readonly string[], protect: boolean): Promise<{ skipped: string[] }> {
    // New instances first: one launched between the two calls is then covered either way.
    await this.client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, NewInstancesProtectedFromScaleIn: protect }));
    const skipped: string[] = [];
    for (const ids of chunk(instanceIds, INSTANCES_PER_CALL)) await this.protectBatch(groupName, ids, protect, skipped);
    return { skipped };
  }

  /**
   * SetInstanceProtection refuses the whole call with ValidationError when any one instance is not
   * InService, EnteringStandby or Standby, or has left the group (Auto Scaling API reference,
   * SetInstanceProtection). One instance that began terminating since the group was described must not
   * leave the others unprotected: a refused batch is split in halves until the refused instance stands
   * alone, and only it is skipped.
   */
  private async protectBatch(groupName: string, ids: readonly string[], protect: boolean, skipped: string[]): Promise<void> {
    try {
      await this.client.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: groupName, InstanceIds: [...ids], ProtectedFromScaleIn: protect }));
    } catch (e) {
      if (errorName(e) !== 'ValidationError') throw e;
      if (ids.length === 1) {
        skipped.push(ids[0]);
        return;
      }
      const half = Math.ceil(ids.length / 2);
      await this.protectBatch(groupName, ids.slice(0, half), protect, skipped);
      await this.protectBatch(groupName, ids.slice(half), protect, skipped);
    }
  }
}
