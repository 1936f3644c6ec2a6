/**
 * The parse helpers every function's settings share: the JSON itself, a failure that names the field,
 * the value and the rule, and the ids and ARNs more than one function's settings carry.
 */
import { INSTANCE_ARN_PREFIX } from '../instance-namespace';

/** Parses settings JSON into a raw object, with `fail` and `int` that throw an Error naming the field and value. */
export function parseJson(json: string): { raw: any; fail: Fail; int: Int } {
  let raw: any;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`controller settings are not JSON: ${(e as Error).message}`);
  }
  const fail: Fail = (field, value, rule) => {
    throw new Error(`controller settings: ${field} (${JSON.stringify(value)}) ${rule}`);
  };
  const int: Int = (field, value, min, max) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? value
      : fail(field, value, `must be a whole number from ${min} to ${max}`);
  return { raw, fail, int };
}

export type Fail = (field: string, value: unknown, rule: string) => never;
export type Int = (field: string, value: unknown, min: number, max: number) => number;

/** `arn:<partition>:ec2:<region>:<account>:instance/`: the fixed part of every instance's ARN. */
export function arnPrefix(field: string, value: unknown, fail: Fail): string {
  return typeof value === 'string' && INSTANCE_ARN_PREFIX.test(value) ? value : fail(field, value, 'must be an EC2 instance ARN prefix (arn:<partition>:ec2:<region>:<account>:instance/)');
}

/** IAM unique ids of roles start with AROA (IAM user guide, "Unique identifiers"). */
export function roleId(field: string, value: unknown, fail: Fail): string {
  return typeof value === 'string' && /^AROA[A-Z0-9]{12,124}$/.test(value) ? value : fail(field, value, 'must be an IAM role id (AROA…)');
}
