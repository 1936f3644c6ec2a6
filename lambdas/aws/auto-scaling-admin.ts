import {
  AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { chunk } from '../controller/concurrency';
import { FleetAdmin, GroupView } from '../ports';
import { describeGroups } from './auto-scaling-fleet';

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

  async setScaleInProtection(groupName: string, instanceIds: readonly string[], protect: boolean): Promise<void> {
    // New instances first: one launched between the two calls is then covered either way.
    await this.client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, NewInstancesProtectedFromScaleIn: protect }));
    for (const ids of chunk(instanceIds, INSTANCES_PER_CALL)) {
      await this.client.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: groupName, InstanceIds: ids, ProtectedFromScaleIn: protect }));
    }
  }
}
