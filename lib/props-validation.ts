/**
 * Early props checks for the library's constructs: each refuses a bad value at the top of its constructor,
 * before any resource exists, naming its construct path, the prop, the value and the rule (aws-cdk's
 * ValidationError is internal to aws-cdk-lib, so this is ours, with the same name and message shape).
 */
import { IConstruct } from 'constructs';

/** A construct's props failed its rules; the message starts with the construct's path. */
export class PropsValidationError extends Error {
  constructor(
    readonly constructPath: string,
    readonly field: string,
    readonly value: unknown,
    rule: string,
  ) {
    super(`${constructPath}: ${field} (${JSON.stringify(value) ?? String(value)}) ${rule}`);
    this.name = 'ValidationError';
  }
}

/** The path a construct `id` will have under `scope`: for a check made before the construct joins the tree. */
export function childPath(scope: IConstruct, id: string): string {
  return scope.node.path === '' ? id : `${scope.node.path}/${id}`;
}

/** Throws PropsValidationError unless `ok`. */
export function requireProp(scope: IConstruct, ok: boolean, field: string, value: unknown, rule: string): void {
  if (!ok) throw new PropsValidationError(scope.node.path, field, value, rule);
}

/** A whole number within [min, max]. */
export function isWhole(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Groups that run our agent (WorkerAgent.installOn marks them): the drain controller warns about a group
 * that must be drained by an agent it does not have.
 */
const groupsWithAgent = new WeakSet<IConstruct>();

export function markAgentInstalled(group: IConstruct): void {
  groupsWithAgent.add(group);
}

export function hasAgentInstalled(group: IConstruct): boolean {
  return groupsWithAgent.has(group);
}
