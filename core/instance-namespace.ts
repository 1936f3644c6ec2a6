/**
 * Where an instance's own metrics live, so that whoever reads instance X's datapoints reads only what X
 * itself could have written (docs/security.md, "Per-instance signals: who can write what").
 *
 * The workers' role may call PutMetricData only when `cloudwatch:namespace` equals
 * `<agent namespace>/${ec2:SourceInstanceARN}`: IAM substitutes the ARN of the instance whose
 * instance-profile credentials signed the request (IAM user guide, "AWS global condition context keys",
 * ec2:SourceInstanceARN; "IAM policy elements: Variables and tags"). The agent computes the same string
 * from its identity document, and every reader from the instance id and the stack's partition, region
 * and account. One definition here, used by the policy, the agent and the readers alike.
 */

/** The IAM policy variable IAM replaces with the calling instance's ARN; written literally into the policy. */
export const SOURCE_INSTANCE_ARN_VARIABLE = '${ec2:SourceInstanceARN}';

/** Where an instance runs: enough to name its ARN. */
export interface InstanceLocation {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** `arn:<partition>:ec2:<region>:<account>:instance/`: every instance's ARN less its id (EC2 resource types, "instance"). */
export function instanceArnPrefix(location: InstanceLocation): string {
  return `arn:${location.partition}:ec2:${location.region}:${location.account}:instance/`;
}

/** The namespace instance `instanceId` publishes to and is read from: `<base>/<its ARN>`. */
export function instanceNamespace(base: string, arnPrefix: string, instanceId: string): string {
  return `${base}/${arnPrefix}${instanceId}`;
}

/** The policy's side of `instanceNamespace`: the one namespace a caller's own credentials may write. */
export function callerInstanceNamespace(base: string): string {
  return `${base}/${SOURCE_INSTANCE_ARN_VARIABLE}`;
}

/**
 * The partition of a region code, for an instance whose metadata does not say (IMDS `services/partition`
 * is the first choice): China regions are `aws-cn`, GovCloud `aws-us-gov`, ISO `aws-iso` / `aws-iso-b`.
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** Shape of a full instance ARN prefix, as settings carry it: checked at load, never trusted as a free string. */
export const INSTANCE_ARN_PREFIX = /^arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:instance\/$/;
