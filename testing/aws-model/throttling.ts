/** The model's errors as the SDK sees them, and its throttling: a token bucket per API family and per DynamoDB partition key. */
import type { Service } from './types';

/** Sustained `rate` calls a second with bursts of up to `burst`, on the model's clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** An error as the SDK deserializes AWS's: its name, a client fault, the HTTP status and any extra fields. */
export function awsError(name: string, message: string, status = 400, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status }, ...extra });
}

/** The error each API family answers when its bucket is empty. */
export function throttlingError(service: Service): Error {
  return service.startsWith('autoscaling') ? awsError('Throttling', 'Rate exceeded') : service === 'ec2' ? awsError('RequestLimitExceeded', 'Request limit exceeded.') : awsError('ThrottlingException', 'Rate exceeded');
}

/** The API family an operation is throttled under, and whether it counts as a write. */
export function classify(operation: string): { service: Service; write: boolean } {
  if (['CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat', 'SetInstanceProtection', 'SetInstanceHealth', 'UpdateAutoScalingGroup', 'TerminateInstanceInAutoScalingGroup', 'EnableMetricsCollection', 'DisableMetricsCollection', 'PutLifecycleHook', 'DeleteLifecycleHook', 'PutScalingPolicy', 'DeletePolicy'].includes(operation)) {
    return { service: 'autoscaling-write', write: true };
  }
  if (operation.startsWith('DescribeAutoScaling') || ['DescribeScalingActivities', 'DescribeLifecycleHooks', 'DescribePolicies', 'DescribeWarmPool'].includes(operation)) return { service: 'autoscaling-read', write: false };
  if (operation === 'GetMetricData') return { service: 'cloudwatch', write: false };
  if (operation === 'SendCommand') return { service: 'ssm', write: true };
  if (operation === 'DescribeInstances') return { service: 'ec2', write: false };
  return { service: 'dynamodb', write: operation !== 'Query' && operation !== 'GetItem' };
}

