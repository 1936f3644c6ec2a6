import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  DescribeWarmPoolCommand,
  DisableMetricsCollectionCommand,
  EnableMetricsCollectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { AdoptableGroup, CustomResourceResponse, GroupSettingsPort } from '../../core/ports';

/** The group settings adoption reads and writes, through Auto Scaling's API. */
export class AutoScalingGroupSettings implements GroupSettingsPort {
  constructor(private readonly client: AutoScalingClient) {}

  async describe(groupName: string): Promise<AdoptableGroup | undefined> {
    const [group] = (await this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }))).AutoScalingGroups ?? [];
    if (!group) return undefined;
    const hooks = (await this.client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName }))).LifecycleHooks ?? [];
    // Only the configuration is read (MaxRecords 1 instance): a group with no warm pool has none.
    const pool = (await this.client.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: groupName, MaxRecords: 1 }))).WarmPoolConfiguration;
    return {
      ...(group.AutoScalingGroupARN ? { arn: group.AutoScalingGroupARN } : {}),
      terminationPolicies: group.TerminationPolicies ?? [],
      enabledMetrics: (group.EnabledMetrics ?? []).map((m) => m.Metric!).filter((m) => m !== undefined),
      serviceLinkedRoleArn: group.ServiceLinkedRoleARN,
      terminatingHooks: hooks.filter((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING').map((h) => h.LifecycleHookName!),
      ...(pool ? { warmPool: { reuseOnScaleIn: pool.InstanceReusePolicy?.ReuseOnScaleIn === true } } : {}),
    };
  }

  async setTerminationPolicies(groupName: string, policies: readonly string[]): Promise<void> {
    await this.client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, TerminationPolicies: [...policies] }));
  }

  async enableMetrics(groupName: string, metrics: readonly string[]): Promise<void> {
    // "1Minute" is the only granularity (Auto Scaling API reference, EnableMetricsCollection).
    await this.client.send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: groupName, Granularity: '1Minute', Metrics: [...metrics] }));
  }

  async disableMetrics(groupName: string, metrics: readonly string[]): Promise<void> {
    await this.client.send(new DisableMetricsCollectionCommand({ AutoScalingGroupName: groupName, Metrics: [...metrics] }));
  }
}

/** One response attempt's limit: the handler retries a few times within what it keeps back for answering. */
export const RESPONSE_ATTEMPT_TIMEOUT_MS = 5000;

/**
 * Answers CloudFormation on the request's pre-signed S3 URL: a PUT with an empty content type, as the URL
 * was signed (CloudFormation user guide, "Custom resource response objects"). A redirect is never
 * followed (it would carry the response to a host nobody checked): a 3xx is a failed attempt.
 */
export async function respondToCloudFormation(url: string, response: CustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const res = await fetch(url, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    redirect: 'manual',
    signal: AbortSignal.timeout(RESPONSE_ATTEMPT_TIMEOUT_MS),
  });
  if (res.status < 200 || res.status > 299) throw new Error(`CloudFormation response upload failed: HTTP ${res.status}`);
}
