import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLifecycleEvent } from '../../core/lifecycle-event';

const fixture = readFileSync(join(__dirname, '../fixtures/terminate-lifecycle-action.json'), 'utf8');

test('the documented event shape parses', () => {
  expect(parseLifecycleEvent(fixture)).toEqual({
    ok: true,
    event: { instanceId: 'i-0123456789abcdef0', groupName: 'GracefulAutoscaler-prod-FleetetlGroupASG-1A2B3C', hookName: 'graceful-autoscaler-drain', time: Date.parse('2026-11-21T12:00:00Z'), origin: 'AutoScalingGroup', destination: 'EC2' },
  });
});

const mutate = (f: (e: any) => void) => {
  const e = JSON.parse(fixture);
  f(e);
  return JSON.stringify(e);
};

test.each([
  ['not JSON', '{oops', /not JSON/],
  ['another source', mutate((e) => (e.source = 'aws.ec2')), /source/],
  ['a launch action', mutate((e) => (e['detail-type'] = 'EC2 Instance-launch Lifecycle Action')), /detail-type/],
  ['a launching transition', mutate((e) => (e.detail.LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING')), /LifecycleTransition/],
  ['a bad instance id', mutate((e) => (e.detail.EC2InstanceId = 'web-1')), /EC2InstanceId/],
  ['no group', mutate((e) => delete e.detail.AutoScalingGroupName), /AutoScalingGroupName is missing/],
  ['no hook', mutate((e) => (e.detail.LifecycleHookName = '')), /LifecycleHookName is missing/],
  ['a bad time', mutate((e) => (e.time = 'yesterday')), /time/],
  ['no detail', mutate((e) => delete e.detail), /detail is missing/],
  ['an unknown origin', mutate((e) => (e.detail.Origin = 'Elsewhere')), /Origin "Elsewhere" is not one of EC2, AutoScalingGroup, WarmPool/],
  ['a destination that is not a string', mutate((e) => (e.detail.Destination = { pool: true })), /Destination/],
])('%s is rejected with a reason', (_name, body, reason) => {
  const parsed = parseLifecycleEvent(body);
  expect(parsed.ok).toBe(false);
  expect(!parsed.ok && parsed.error).toMatch(reason);
});

test('an event without Origin and Destination (from before warm pools) still parses, without them', () => {
  const parsed = parseLifecycleEvent(mutate((e) => (delete e.detail.Origin, delete e.detail.Destination)));
  expect(parsed.ok && parsed.event).toEqual({ instanceId: 'i-0123456789abcdef0', groupName: 'GracefulAutoscaler-prod-FleetetlGroupASG-1A2B3C', hookName: 'graceful-autoscaler-drain', time: Date.parse('2026-11-21T12:00:00Z') });
});
