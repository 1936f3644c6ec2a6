/**
 * The EventBridge event Auto Scaling emits when an instance enters Terminating:Wait
 * (detail-type "EC2 Instance-terminate Lifecycle Action"; Auto Scaling user guide, "Amazon EventBridge
 * events for Amazon EC2 Auto Scaling"). Parsed strictly: anything else is reported, never guessed at.
 */

export const TERMINATE_ACTION_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** The values of an event's Origin and Destination (user guide, "Warm pool example events and patterns"). */
const ROUTES: readonly string[] = ['EC2', 'AutoScalingGroup', 'WarmPool'];

export interface LifecycleEvent {
  readonly instanceId: string;
  readonly groupName: string;
  readonly hookName: string;
  /** When Auto Scaling emitted the event: the start of the wait. */
  readonly time: number;
  /**
   * Where the instance comes from and goes to: `EC2`, `AutoScalingGroup` or `WarmPool` (user guide, "Warm
   * pool example events and patterns"). Absent from older events. Claims, like `time`: Auto Scaling decides.
   */
  readonly origin?: string;
  readonly destination?: string;
}

export type ParsedEvent = { readonly ok: true; readonly event: LifecycleEvent } | { readonly ok: false; readonly error: string };

export function parseLifecycleEvent(body: string): ParsedEvent {
  let raw: any;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, error: 'body is not JSON' };
  }
  if (raw?.source !== 'aws.autoscaling') return { ok: false, error: `source is ${JSON.stringify(raw?.source)}, expected "aws.autoscaling"` };
  if (raw['detail-type'] !== TERMINATE_ACTION_DETAIL_TYPE) {
    return { ok: false, error: `detail-type is ${JSON.stringify(raw['detail-type'])}, expected "${TERMINATE_ACTION_DETAIL_TYPE}"` };
  }
  const d = raw.detail;
  if (typeof d !== 'object' || d === null) return { ok: false, error: 'detail is missing' };
  if (d.LifecycleTransition !== 'autoscaling:EC2_INSTANCE_TERMINATING') {
    return { ok: false, error: `LifecycleTransition is ${JSON.stringify(d.LifecycleTransition)}` };
  }
  if (typeof d.EC2InstanceId !== 'string' || !INSTANCE_ID.test(d.EC2InstanceId)) {
    return { ok: false, error: `EC2InstanceId ${JSON.stringify(d.EC2InstanceId)} is not an instance id` };
  }
  for (const field of ['AutoScalingGroupName', 'LifecycleHookName'] as const) {
    if (typeof d[field] !== 'string' || d[field] === '') return { ok: false, error: `${field} is missing` };
  }
  const time = Date.parse(raw.time);
  if (Number.isNaN(time)) return { ok: false, error: `time ${JSON.stringify(raw.time)} is not a timestamp` };
  const route: { origin?: string; destination?: string } = {};
  for (const [field, key] of [['Origin', 'origin'], ['Destination', 'destination']] as const) {
    if (d[field] === undefined) continue;
    if (typeof d[field] !== 'string' || !ROUTES.includes(d[field])) return { ok: false, error: `${field} ${JSON.stringify(d[field])} is not one of ${ROUTES.join(', ')}` };
    route[key] = d[field];
  }
  return { ok: true, event: { instanceId: d.EC2InstanceId, groupName: d.AutoScalingGroupName, hookName: d.LifecycleHookName, time, ...route } };
}
