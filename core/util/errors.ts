/** Error helpers shared by the adapters, the runbooks and the handlers. */

/** A request refused as given (bad input, or a state that forbids it): the caller is told why, nothing is retried. */
export class Refused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Refused';
  }
}

/** The SDK error's name (`ValidationError`, `ThrottlingException`, ...). */
export function errorName(e: unknown): string {
  return (e as { name?: string })?.name ?? '';
}

/**
 * Auto Scaling answers CompleteLifecycleAction or RecordLifecycleActionHeartbeat for an action that was
 * already completed, or whose hook expired, with `ValidationError: No active Lifecycle Action found with
 * instance ID i-…`. That is "already done", not a failure: peers that retried it looped forever.
 */
export function isNoActiveLifecycleAction(e: unknown): boolean {
  return errorName(e) === 'ValidationError' && /No active Lifecycle Action found/i.test((e as Error)?.message ?? '');
}

/**
 * Throttling as each service names it, after the SDK's own retries gave up: Auto Scaling `Throttling`,
 * most JSON services `ThrottlingException`, DynamoDB `ProvisionedThroughputExceededException` (and
 * `RequestLimitExceeded`), EC2 `RequestLimitExceeded`, SQS `RequestThrottled`, Lambda `TooManyRequestsException`.
 */
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'RequestThrottled', 'TooManyRequestsException', 'SlowDown']);

export function isThrottling(e: unknown): boolean {
  return THROTTLING.has(errorName(e));
}
