import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { AwsModel } from '../../../testing/aws-model';
import { AutoScalingFleet } from '../../../lambdas/aws/auto-scaling-fleet';
import { RETRY_SETTINGS } from '../../../lambdas/aws/clients';
import { DRAIN_HOOK_NAME } from '../../../core/contract/names';

describe('throttling, through the SDK\'s own adaptive retry', () => {
  test('a throttled lifecycle write is retried by the client and succeeds; nothing is lost', async () => {
    // aws-sdk-client-mock replaces send() and so bypasses retries (hence a file of its own, without it);
    // the in-memory AWS sits inside the SDK's middleware stack, under the retry middleware.
    const aws = new AwsModel({ latencyMs: 1, limits: { 'autoscaling-read': { rate: 100, burst: 100 }, 'autoscaling-write': { rate: 5, burst: 1 }, cloudwatch: { rate: 100, burst: 100 }, dynamodb: { rate: 100, burst: 100 } } });
    const client = aws.attach(new AutoScalingClient({ ...RETRY_SETTINGS, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
    for (const id of ['i-a', 'i-b', 'i-c']) aws.addInstance({ instanceId: id, groupName: 'g', state: 'Terminating:Wait' });
    const fleet = new AutoScalingFleet(client);
    const results = await Promise.all(['i-a', 'i-b', 'i-c'].map((instanceId) => fleet.completeLifecycleAction({ instanceId, groupName: 'g' }, DRAIN_HOOK_NAME, 'CONTINUE')));
    expect(results).toEqual(['done', 'done', 'done']);
    expect(aws.calls.throttled).toBeGreaterThan(0);
    expect([...aws.instances.values()].every((i) => i.state === 'Terminating:Proceed')).toBe(true);
  });
});
