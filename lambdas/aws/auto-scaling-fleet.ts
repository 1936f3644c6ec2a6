import {
  AutoScalingClient,
  AutoScalingGroup,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { chunk } from '../../core/util/concurrency';
import { Fleet, LifecycleWriteResult, WaitingInstance } from '../../core/ports';
import { isNoActiveLifecycleAction } from '../../core/util/errors';

/**
 * DescribeAutoScalingGroups: up to 50 names by default, up to MaxRecords (max 100) names when MaxRecords is
 * set, and at most 100 groups a page (Auto Scaling API reference, DescribeAutoScalingGroups).
 */
const GROUPS_PER_CALL = 100;
/** DescribeAutoScalingInstances takes at most 50 instance ids (Auto Scaling API reference). */
const INSTANCES_PER_CALL = 50;
const WAITING = 'Terminating:Wait';
/** DescribeScalingActivities returns at most 100 activities a page, newest first (Auto Scaling API reference). */
const ACTIVITIES_PER_PAGE = 100;
/** Pages read per group looking for a termination's activity: 500 activities is far past any wait in progress. */
const MAX_ACTIVITY_PAGES = 5;
/** A termination activity names its instance in its Description: "Terminating EC2 instance: i-…". */
const TERMINATING = /^Terminating EC2 instance: (i-[0-9a-f]+)/;

/** Every group of `groupNames`, page by page: calls grow with groups, never with instances. */
export async function describeGroups(client: AutoScalingClient, groupNames: readonly string[]): Promise<AutoScalingGroup[]> {
  const out: AutoScalingGroup[] = [];
  for (const names of chunk(groupNames, GROUPS_PER_CALL)) {
    let token: string | undefined;
    do {
      const page = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names, MaxRecords: GROUPS_PER_CALL, NextToken: token }));
      out.push(...(page.AutoScalingGroups ?? []));
      token = page.NextToken;
    } while (token);
  }
  return out;
}

/** Fleet on Amazon EC2 Auto Scaling. Reads grow with the number of groups, not instances. */
export class AutoScalingFleet implements Fleet {
  constructor(private readonly client: AutoScalingClient) {}

  async listWaitingInstances(groupNames: readonly string[]): Promise<WaitingInstance[]> {
    return (await describeGroups(this.client, groupNames)).flatMap((group) =>
      (group.Instances ?? []).filter((i) => i.LifecycleState === WAITING && i.InstanceId).map((i) => ({ instanceId: i.InstanceId!, groupName: group.AutoScalingGroupName! })),
    );
  }

  async filterWaiting(instances: readonly WaitingInstance[]): Promise<WaitingInstance[]> {
    // Each instance's group as Auto Scaling reports it: a claim naming another group is not waiting there.
    const waiting = new Map<string, string>();
    for (const ids of chunk([...new Set(instances.map((i) => i.instanceId))], INSTANCES_PER_CALL)) {
      let token: string | undefined;
      do {
        const page = await this.client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ids, MaxRecords: INSTANCES_PER_CALL, NextToken: token }));
        for (const d of page.AutoScalingInstances ?? []) if (d.LifecycleState === WAITING && d.InstanceId && d.AutoScalingGroupName) waiting.set(d.InstanceId, d.AutoScalingGroupName);
        token = page.NextToken;
      } while (token);
    }
    return instances.filter((i) => waiting.get(i.instanceId) === i.groupName);
  }

  async completeLifecycleAction(instance: WaitingInstance, hookName: string, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleWriteResult> {
    return this.write(() =>
      this.client.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: instance.groupName,
          LifecycleHookName: hookName,
          InstanceId: instance.instanceId,
          LifecycleActionResult: result,
        }),
      ),
    );
  }

  async recordHeartbeat(instance: WaitingInstance, hookName: string): Promise<LifecycleWriteResult> {
    return this.write(() =>
      this.client.send(
        new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: instance.groupName, LifecycleHookName: hookName, InstanceId: instance.instanceId }),
      ),
    );
  }

  async terminationStartTimes(instances: readonly WaitingInstance[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const byGroup = new Map<string, Set<string>>();
    for (const i of instances) byGroup.set(i.groupName, (byGroup.get(i.groupName) ?? new Set()).add(i.instanceId));
    for (const [groupName, wanted] of byGroup) {
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await this.client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: groupName, MaxRecords: ACTIVITIES_PER_PAGE, NextToken: token }));
        for (const a of page.Activities ?? []) {
          const id = TERMINATING.exec(a.Description ?? '')?.[1];
          // Newest first: the first activity seen for an instance is its current termination.
          if (id && wanted.has(id) && !out.has(id) && a.StartTime) out.set(id, a.StartTime.getTime());
        }
        token = page.NextToken;
      } while (token && ++pages < MAX_ACTIVITY_PAGES && [...wanted].some((id) => !out.has(id)));
    }
    return out;
  }

  private async write(call: () => Promise<unknown>): Promise<LifecycleWriteResult> {
    try {
      await call();
      return 'done';
    } catch (e) {
      if (isNoActiveLifecycleAction(e)) return 'gone';
      throw e;
    }
  }
}
