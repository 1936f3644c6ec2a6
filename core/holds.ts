/**
 * Scale-in holds: while any unexpired hold exists on a group, its instances (and new ones) are protected
 * from scale-in; when the last one goes, the protection goes. Pure; the runbooks and the deployment
 * guard act on its answers.
 */
import type { GroupView, ScaleInHold } from './ports';

/** An operator's pause lasts at most a week; past that it must be renewed, so none is forgotten. */
export const MAX_OPERATOR_HOLD_SECONDS = 7 * 86_400;
/** A deployment holds scale-in at most this long, even if its end event never arrives. */
export const MAX_DEPLOYMENT_HOLD_SECONDS = 3 * 3600;

export function holdsInForce(holds: readonly ScaleInHold[], groupName: string, now: number): ScaleInHold[] {
  return holds.filter((h) => h.groupName === groupName && h.until > now);
}

/** What to change so the group's protection matches its holds. */
export interface ProtectionPlan {
  readonly protect: boolean;
  /** Instances whose protection must change. */
  readonly instanceIds: readonly string[];
  /** Whether anything, the group's new-instance setting included, must change. */
  readonly needed: boolean;
}

/**
 * The states SetInstanceProtection accepts (Auto Scaling API reference, SetInstanceProtection); it
 * refuses the whole call for any other. Instances still launching (Pending, Pending:Wait while
 * CodeDeploy deploys, Pending:Proceed) are covered by the group's NewInstancesProtectedFromScaleIn,
 * which applies to them when they enter service; those leaving are beyond scale-in already.
 */
export const PROTECTABLE_STATES: ReadonlySet<string> = new Set(['InService', 'EnteringStandby', 'Standby']);

export function protectionPlan(group: GroupView, held: boolean): ProtectionPlan {
  const instanceIds = group.instances.filter((i) => PROTECTABLE_STATES.has(i.lifecycleState) && i.protectedFromScaleIn !== held).map((i) => i.instanceId);
  return { protect: held, instanceIds, needed: instanceIds.length > 0 || group.newInstancesProtected !== held };
}
