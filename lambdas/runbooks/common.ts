/**
 * What every runbook shares: its settings, input checks that name the field and value, refusals that
 * change nothing, and an audit line naming who asked what.
 */
import { Refused } from '../../core/util/errors';
import type { DrainPolicy } from '../../core/drain';
import { holdsInForce, protectionPlan } from '../../core/holds';
import type { TaskSourceSettings } from '../../core/contract/lambda-settings';
import type { ControllerLog, DrainStore, FleetAdmin } from '../../core/ports';
import { capText, capValue } from '../../core/util/log-text';

export interface RunbookFleet {
  readonly groupName: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly drainTimeoutSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  /** Readings this long after the stop count towards idle (the fleet's grace period, plus the agent's lag). */
  readonly stopSettleSeconds?: number;
}

export interface RunbookSettings {
  readonly environment: string;
  readonly hookName: string;
  readonly revisionBucket: string;
  readonly fleets: Readonly<Record<string, RunbookFleet>>;
  readonly policy: DrainPolicy;
  readonly taskSource: TaskSourceSettings;
}

/** A request the runbook will not carry out; nothing was changed. */
export { Refused };

const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** Fields every runbook takes. */
export interface CommonInput {
  readonly requestedBy: string;
  readonly dryRun: boolean;
}

export function objectInput(event: unknown): Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new Refused('input must be a JSON object');
  return event as Record<string, unknown>;
}

export function commonInput(input: Record<string, unknown>): CommonInput {
  const requestedBy = input.requestedBy;
  if (typeof requestedBy !== 'string' || !/^[\w.@+=,:/ -]{2,128}$/.test(requestedBy)) {
    throw new Refused(`requestedBy (${JSON.stringify(requestedBy)}) must name who is asking: 2 to 128 letters, digits or .@+=,:/_- (a user, a ticket)`);
  }
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') throw new Refused(`dryRun (${JSON.stringify(input.dryRun)}) must be true or false`);
  return { requestedBy, dryRun: input.dryRun === true };
}

export function instanceIdInput(input: Record<string, unknown>): string {
  const id = input.instanceId;
  if (typeof id !== 'string' || !INSTANCE_ID.test(id)) throw new Refused(`instanceId (${JSON.stringify(id)}) must be an EC2 instance id such as i-0123456789abcdef0`);
  return id;
}

export function reasonInput(input: Record<string, unknown>): string {
  const reason = input.reason;
  if (typeof reason !== 'string' || reason.trim().length < 3 || reason.length > 512) throw new Refused(`reason (${JSON.stringify(reason)}) must say why, in 3 to 512 characters`);
  return reason.trim();
}

/**
 * The fleet named in the input, or a refusal listing this environment's fleets. Looked up by own key only:
 * a name such as `__proto__` or `constructor` reaches Object.prototype through plain indexing.
 */
export function fleetInput(settings: RunbookSettings, input: Record<string, unknown>): [string, RunbookFleet] {
  const name = input.fleet;
  const fleet = typeof name === 'string' && Object.hasOwn(settings.fleets, name) ? settings.fleets[name] : undefined;
  if (!fleet) throw new Refused(`fleet (${JSON.stringify(name)}) is not a fleet of environment "${settings.environment}"; its fleets are ${Object.keys(settings.fleets).join(', ')}`);
  return [name as string, fleet];
}

/** The fleet an instance belongs to, or a refusal when it is not in one of this environment's groups. */
export async function fleetOfInstance(settings: RunbookSettings, admin: FleetAdmin, instanceId: string): Promise<{ fleet: string; groupName: string; lifecycleState: string }> {
  const found = (await admin.groupsOf([instanceId])).get(instanceId);
  if (!found) throw new Refused(`instance ${instanceId} is not in any Auto Scaling group`);
  const fleet = Object.entries(settings.fleets).find(([, f]) => f.groupName === found.groupName)?.[0];
  if (!fleet) throw new Refused(`instance ${instanceId} belongs to group ${found.groupName}, which is not a fleet of environment "${settings.environment}"`);
  return { fleet, ...found };
}

/**
 * One audit line per request, whatever its outcome: who asked what, and what happened. The input is
 * logged capped (a caller controls its size), and the caller is named by what SSM Automation itself
 * supplies (`caller`), never by a field the caller typed.
 */
export function audit(log: ControllerLog, runbook: string, input: unknown, outcome: Record<string, unknown>, caller?: Caller): void {
  // The outcome echoes the input (a revision, a fleet name), so it is bounded the same way.
  const bounded = Object.fromEntries(Object.entries(outcome).map(([k, v]) => [k, boundedValue(v)]));
  log.info('runbook request', { runbook, input: boundedValue(input), ...(caller ? { caller } : { caller: 'direct invocation (no Automation execution)' }), ...bounded });
}

/** A value as given when its JSON is small, else its JSON capped. */
function boundedValue(input: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch {
    json = undefined;
  }
  return json !== undefined && json.length <= AUDIT_INPUT_MAX ? input : capValue(input, AUDIT_INPUT_MAX);
}

/** At most this much of a runbook's input reaches its audit line. */
export const AUDIT_INPUT_MAX = 2048;

/** Who invoked a runbook, as SSM Automation records it. */
export interface Caller {
  /** The Automation execution id, passed by the document as {{automation:EXECUTION_ID}}: not the caller's to set. */
  readonly automationExecutionId: string;
  /** The principal that started the execution (GetAutomationExecution ExecutedBy), when SSM answers. */
  readonly principal?: string;
}

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The Automation execution id from the document's payload, if well formed. */
export function executionIdOf(input: Record<string, unknown>): string | undefined {
  const id = input.automationExecutionId;
  return typeof id === 'string' && EXECUTION_ID.test(id) ? id : undefined;
}

/** Wraps a runbook: validates the common input, audits, turns refusals into a clear error. */
export function runbook<R extends Record<string, unknown>>(
  name: string,
  deps: { readonly log: ControllerLog; readonly whoStarted?: (executionId: string) => Promise<string | undefined> },
  body: (input: Record<string, unknown>, common: CommonInput) => Promise<R>,
) {
  const { log, whoStarted } = deps;
  return async (event: unknown): Promise<R & { ok: true; dryRun: boolean }> => {
    let caller: Caller | undefined;
    try {
      const input = objectInput(event);
      const executionId = executionIdOf(input);
      if (executionId) caller = { automationExecutionId: executionId, principal: await whoStarted?.(executionId).catch(() => undefined) };
      const common = commonInput(input);
      const result = await body(input, common);
      audit(log, name, event, { requestedBy: common.requestedBy, dryRun: common.dryRun, result }, caller);
      return { ok: true, dryRun: common.dryRun, ...result };
    } catch (e) {
      audit(log, name, event, { refused: e instanceof Refused, error: capText((e as Error).message, AUDIT_INPUT_MAX) }, caller);
      throw e;
    }
  };
}

/** Rounds of apply-then-verify before giving up to the guard's schedule. */
const APPLY_ROUNDS = 3;

/**
 * Makes a group's scale-in protection match its holds. Returns what changed.
 *
 * Two callers may race (an operator's pause and the guard releasing a deployment): each reads the holds,
 * then applies. Whoever applied from a stale read finds out when it reads the holds again after
 * applying, and applies again; so the last apply to finish is always checked against holds read after
 * it, and a recorded hold never ends with the group unprotected. What still differs after a few rounds
 * is left to the guard's schedule, which runs this again.
 */
export async function applyHolds(admin: FleetAdmin, store: DrainStore, groupName: string, now: number): Promise<{ held: boolean; changed: number; skipped: readonly string[] }> {
  let held = holdsInForce(await store.listHolds(), groupName, now).length > 0;
  let changed = 0;
  let skipped: readonly string[] = [];
  for (let round = 0; round < APPLY_ROUNDS; round++) {
    const [group] = await admin.describeGroups([groupName]);
    if (!group) throw new Error(`group ${groupName} not found`);
    const plan = protectionPlan(group, held);
    if (plan.needed) {
      skipped = (await admin.setScaleInProtection(groupName, plan.instanceIds, plan.protect)).skipped;
      changed += plan.instanceIds.length - skipped.length;
    }
    const after = holdsInForce(await store.listHolds(), groupName, now).length > 0;
    if (after === held) break;
    held = after;
  }
  return { held, changed, skipped };
}

/** Parses RUNBOOK_SETTINGS (written by the stack); a malformed value stops the function at load. */
export function parseRunbookSettings(json: string, parseSources: (json: string) => Pick<RunbookSettings, 'policy' | 'taskSource'>): RunbookSettings {
  const raw = JSON.parse(json);
  const str = (field: string, v: unknown) => {
    if (typeof v !== 'string' || v === '') throw new Error(`runbook settings: ${field} (${JSON.stringify(v)}) must be a non-empty string`);
    return v;
  };
  // No prototype: a fleet named `__proto__` is an own key like any other.
  const fleets: Record<string, RunbookFleet> = Object.create(null);
  for (const [name, f] of Object.entries<any>(raw.fleets ?? {})) {
    fleets[name] = {
      groupName: str(`fleets.${name}.groupName`, f.groupName),
      applicationName: str(`fleets.${name}.applicationName`, f.applicationName),
      deploymentGroupName: str(`fleets.${name}.deploymentGroupName`, f.deploymentGroupName),
      drainTimeoutSeconds: Number(f.drainTimeoutSeconds),
      heartbeatTimeoutSeconds: Number(f.heartbeatTimeoutSeconds),
      ...(f.stopSettleSeconds === undefined ? {} : { stopSettleSeconds: Number(f.stopSettleSeconds) }),
    };
  }
  if (Object.keys(fleets).length === 0) throw new Error('runbook settings: fleets must name at least one fleet');
  return { environment: str('environment', raw.environment), hookName: str('hookName', raw.hookName), revisionBucket: str('revisionBucket', raw.revisionBucket), fleets, ...parseSources(json) };
}
