/** ConfigError, and the collector of every problem found while resolving (each names the field, the value and the rule). */
import { formatDuration, parseDurationSeconds } from '../../core/util/duration';

/** Thrown for configuration that must not reach synth; the message lists every problem found. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const PATTERNS = {
  envName: /^[a-z][a-z0-9-]{0,23}$/,
  fleetName: /^[a-z][a-z0-9-]{0,19}$/,
  account: /^\d{12}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  vpcId: /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/,
  subnetId: /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/,
  availabilityZone: /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
  // family.size, e.g. m7i.2xlarge, r6gd.metal, u-6tb1.112xlarge
  instanceType: /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/,
  cidr: /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/,
  // A local part without spaces or separators, and a domain of DNS labels: `ops@example.com;` is not one.
  email: /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
  topicArn: /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/,
};

/** Collects problems so an operator sees all of them at once, each naming env, field, value and rule. */
export class Problems {
  readonly list: string[] = [];
  constructor(private readonly env: string) {}

  add(field: string, value: unknown, rule: string): void {
    this.list.push(`env "${this.env}": ${field} (${show(value)}) ${rule}`);
  }

  /** Adds a problem unless `ok`; returns `ok` so callers can skip dependent checks. */
  check(ok: boolean, field: string, value: unknown, rule: string): boolean {
    if (!ok) this.add(field, value, rule);
    return ok;
  }

  integer(field: string, value: unknown, min: number, max: number): value is number {
    return this.check(
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      field,
      value,
      `must be a whole number from ${min} to ${max}`,
    );
  }

  pattern(field: string, value: unknown, pattern: RegExp, rule: string): value is string {
    return this.check(typeof value === 'string' && pattern.test(value), field, value, rule);
  }

  /** Parses a duration within [min, max] seconds, or records why not. */
  duration(field: string, value: unknown, min: number, max: number, why = ''): number | undefined {
    const seconds = typeof value === 'string' ? parseDurationSeconds(value) : undefined;
    if (seconds === undefined) {
      this.add(field, value, 'must be a duration such as "90s", "10m" or "1h30m"');
      return undefined;
    }
    const ok = this.check(
      seconds >= min && seconds <= max,
      field,
      value,
      `must be from ${formatDuration(min)} to ${formatDuration(max)}${why}`,
    );
    return ok ? seconds : undefined;
  }
}

export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}
