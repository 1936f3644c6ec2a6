/**
 * Scale-in holds: while any unexpired hold exists on a group, its instances (and new ones) are protected
 * from scale-in; when the last one goes, the protection goes. Pure; the runbooks and the deployment
 * guard act on its answers.
 */

/** An operator's pause lasts at most a week; past that it must be renewed, so none is forgotten. */
export const MAX_OPERATOR_HOLD_SECONDS = 7 * 86_400;
/** A deployment holds scale-in at most this long, even if its end event never arrives. */
export const MAX_DEPLOYMENT_HOLD_SECONDS = 3 * 3600;

/** A reason scale-in of a group is held: an operator's pause or a deployment in progress. */
export interface ScaleInHold {
  readonly groupName: string;
  /** Who holds it: `operator` or `deployment:<id>`; one hold per holder. */
  readonly holder: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly since: number;
  /** The hold is released by then at the latest, whatever happens to its holder. */
  readonly until: number;
}

/** A group as the runbooks see it. */
export interface GroupView {
  readonly groupName: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly newInstancesProtected: boolean;
  readonly instances: readonly { readonly instanceId: string; readonly lifecycleState: string; readonly protectedFromScaleIn: boolean }[];
}

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
