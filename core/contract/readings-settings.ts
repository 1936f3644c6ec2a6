/** The readings function's settings (READINGS_SETTINGS): per group, who may send its readings and where. */
import type { ReadingsSender } from '../worker-readings';
import { parseJson, roleId } from './settings-parsing';

/** What the readings function needs (READINGS_SETTINGS): per group, who may send its readings and where. */
export interface ReadingsSettings {
  /** By group name; no prototype, so `__proto__` is an unknown group. */
  readonly groups: Readonly<Record<string, ReadingsSender>>;
}

export function parseReadingsSettings(json: string): ReadingsSettings {
  const { raw, fail } = parseJson(json);
  if (typeof raw?.groups !== 'object' || raw.groups === null || Object.keys(raw.groups).length === 0) fail('groups', raw?.groups, 'must name at least one group');
  const groups: Record<string, ReadingsSender> = Object.create(null);
  for (const [name, g] of Object.entries<any>(raw.groups)) {
    if (typeof g?.queueArn !== 'string' || !/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]{1,80}$/.test(g.queueArn)) fail(`groups.${name}.queueArn`, g?.queueArn, 'must be an SQS queue ARN');
    groups[name] = { workerRoleId: roleId(`groups.${name}.workerRoleId`, g.workerRoleId, fail), queueArn: g.queueArn };
  }
  return { groups };
}

/** The group's readings sender when `name` is one of ours; own keys only. */
export function readingsSender(settings: ReadingsSettings, name: string): ReadingsSender | undefined {
  return Object.prototype.hasOwnProperty.call(settings.groups, name) ? settings.groups[name] : undefined;
}
