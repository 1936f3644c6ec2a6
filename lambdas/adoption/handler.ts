/**
 * The CloudFormation custom resource that adopts a group another stack, Terraform or the console created.
 * CloudFormation has no resource for "these properties of a group I do not own", so this one sets them on
 * Create, keeps them on Update and puts them back on Delete:
 * - the termination policy: our least-busy-first function in place of the group's own list;
 * - the group metrics our dashboard and alarms read, where the group does not already collect them.
 * What it found is kept in the physical resource id, the only state CloudFormation hands back on Delete,
 * so deleting the stack restores exactly that, and only where the group still carries what we set:
 * a setting an operator changed after us is theirs and is left alone.
 * Our hook and CPU policy are ordinary CloudFormation resources beside it (lib/existing-worker-fleet.ts).
 */
import { Refused } from '../../core/util/errors';
import { capValue } from '../../core/util/log-text';
import { ControllerLog, CustomResourceRequest, CustomResourceResponse, GroupSettingsPort } from '../../core/ports';

/** The group metrics our dashboard and alarms read (Auto Scaling user guide, "Auto Scaling group metrics"). */
export const ADOPTION_GROUP_METRICS = ['GroupDesiredCapacity', 'GroupInServiceInstances', 'GroupTerminatingInstances', 'GroupMaxSize'] as const;
/** The service-linked role the termination policy's resource policy admits (lib/drain-controller.ts). */
export const DEFAULT_SERVICE_LINKED_ROLE = 'role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
/** A custom resource's physical id is at most 1 KB (CloudFormation user guide, "Custom resource response objects"). */
export const MAX_PHYSICAL_ID_BYTES = 1024;
/** Auto Scaling's own default when a group names no termination policy. */
const DEFAULT_TERMINATION_POLICIES = ['Default'];
/** A forged or foreign event is logged at most this long. */
const MAX_LOGGED_EVENT = 2048;

/** What adoption found on the group, and what it changed: the physical resource id, as JSON. */
export interface Adoption {
  readonly group: string;
  /** The group's termination policies before ours. */
  readonly previousTerminationPolicies: readonly string[];
  /** Group metrics we turned on, and so turn off again. */
  readonly metricsEnabled: readonly string[];
}

export interface GroupAdoptionDeps {
  readonly groups: GroupSettingsPort;
  /** Sends the response to the pre-signed ResponseURL. */
  readonly respond: (url: string, response: CustomResourceResponse) => Promise<void>;
  readonly log: ControllerLog;
  /** Our own termination hook's name: any other termination hook on the group is reported. */
  readonly hookName: string;
}

export function encodeAdoption(a: Adoption): string {
  const id = JSON.stringify({ group: a.group, previousTerminationPolicies: a.previousTerminationPolicies, metricsEnabled: a.metricsEnabled });
  if (Buffer.byteLength(id) > MAX_PHYSICAL_ID_BYTES) {
    throw new Refused(`group ${a.group}: its name and current termination policies (${a.previousTerminationPolicies.join(', ')}) need ${Buffer.byteLength(id)} bytes to record, more than the ${MAX_PHYSICAL_ID_BYTES} a physical resource id holds; nothing was changed`);
  }
  return id;
}

/** The adoption a physical id records, or undefined for an id that records none (a failed create's). */
export function decodeAdoption(id: string | undefined): Adoption | undefined {
  if (!id || !id.startsWith('{')) return undefined;
  try {
    const a = JSON.parse(id) as Partial<Adoption>;
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
    if (typeof a.group !== 'string' || !strings(a.previousTerminationPolicies) || !strings(a.metricsEnabled)) return undefined;
    return { group: a.group, previousTerminationPolicies: a.previousTerminationPolicies, metricsEnabled: a.metricsEnabled };
  } catch {
    return undefined;
  }
}

function properties(p: CustomResourceRequest['ResourceProperties'] | undefined): { group: string; policy: string } {
  const group = p?.GroupName;
  const policy = p?.TerminationPolicy;
  if (typeof group !== 'string' || group.length === 0 || group.length > 255) throw new Refused(`GroupName ${capValue(group, 300)} must be a group name of 1 to 255 characters`);
  if (typeof policy !== 'string' || !/^arn:aws[a-z-]*:lambda:/.test(policy)) throw new Refused(`TerminationPolicy ${capValue(policy, 300)} must be a Lambda function ARN`);
  return { group, policy };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function makeGroupAdoptionHandler(deps: GroupAdoptionDeps) {
  const { groups, log } = deps;

  async function adopt(group: string, policy: string): Promise<{ physicalId: string; data: Record<string, string> }> {
    const found = await groups.describe(group);
    if (!found) throw new Refused(`Auto Scaling group "${group}" does not exist in this account and region: adopt only a group that exists (existing.groupName)`);
    // The termination policy function admits only Auto Scaling's default service-linked role; a group
    // that runs under another would fail every scale-in's invocation and fall back to its default policy.
    if (found.serviceLinkedRoleArn && !found.serviceLinkedRoleArn.endsWith(`:${DEFAULT_SERVICE_LINKED_ROLE}`)) {
      throw new Refused(`group ${group} runs under the service-linked role ${found.serviceLinkedRoleArn}; our termination policy can be invoked only by ${DEFAULT_SERVICE_LINKED_ROLE}. Nothing was changed`);
    }
    // With ReuseOnScaleIn a scale-in sends the instance back to the warm pool: it waits in
    // Warmed:Pending:Wait, not Terminating:Wait, and IMDS tells its agent Warmed:Stopped, not Terminated
    // (user guide, "Use lifecycle hooks with a warm pool"). Neither the controller nor the agent would
    // drain it, and Auto Scaling would stop it with its queries running.
    if (found.warmPool?.reuseOnScaleIn) {
      throw new Refused(`group ${group} has a warm pool that reuses instances on scale-in (InstanceReusePolicy ReuseOnScaleIn: true); such an instance returns to the pool through Warmed:Pending:Wait, which graceful-autoscaler does not drain, and would be stopped with its queries running. Turn ReuseOnScaleIn off (PutWarmPool) and deploy again. Nothing was changed`);
    }
    const previous = found.terminationPolicies.includes(policy) ? DEFAULT_TERMINATION_POLICIES : found.terminationPolicies;
    const missing = ADOPTION_GROUP_METRICS.filter((m) => !found.enabledMetrics.includes(m));
    const adoption: Adoption = { group, previousTerminationPolicies: previous.length > 0 ? previous : DEFAULT_TERMINATION_POLICIES, metricsEnabled: missing };
    const physicalId = encodeAdoption(adoption); // refuses before any change when it cannot be recorded
    await groups.setTerminationPolicies(group, [policy]);
    // Auto Scaling accepts only 1Minute granularity (API reference, EnableMetricsCollection).
    if (missing.length > 0) await groups.enableMetrics(group, missing);
    const others = found.terminatingHooks.filter((h) => h !== deps.hookName);
    if (others.length > 0) {
      // Every termination hook holds the instance until its own action completes: ours is not the only wait.
      log.warn('the group has other termination lifecycle hooks: an instance leaves only when each of them completes', { group, hooks: others });
    }
    if (found.warmPool) {
      // Auto Scaling stops an instance launched into the pool without waiting for what its boot started
      // (user guide, "Use lifecycle hooks with a warm pool"): a worker that starts there joins the
      // coordinator and is stopped under its tasks, with no drain. Adoption cannot see the worker's unit.
      log.warn('the group has a warm pool: its instances boot once before they serve, and a worker started at that boot is stopped under its tasks. Make the worker unit require the start gate (install.sh --worker-unit; docs/agent.md, "The start gate")', { group });
    }
    log.info('group adopted', { group, previousTerminationPolicies: adoption.previousTerminationPolicies, metricsEnabled: missing });
    return {
      physicalId,
      data: { PreviousTerminationPolicies: adoption.previousTerminationPolicies.join(','), MetricsEnabled: missing.join(','), OtherTerminatingHooks: others.join(','), WarmPool: found.warmPool ? 'true' : 'false' },
    };
  }

  async function release(adoption: Adoption, policy: string | undefined): Promise<void> {
    const found = await groups.describe(adoption.group);
    if (!found) {
      log.info('group is gone: nothing to restore', { group: adoption.group });
      return;
    }
    if (policy !== undefined && same(found.terminationPolicies, [policy])) {
      await groups.setTerminationPolicies(adoption.group, adoption.previousTerminationPolicies);
    } else {
      log.warn('termination policies changed since adoption: left as they are', { group: adoption.group, now: found.terminationPolicies });
    }
    const ours = adoption.metricsEnabled.filter((m) => found.enabledMetrics.includes(m));
    if (ours.length > 0) await groups.disableMetrics(adoption.group, ours);
    log.info('group released', { group: adoption.group, terminationPolicies: adoption.previousTerminationPolicies, metricsDisabled: ours });
  }

  async function handle(request: CustomResourceRequest): Promise<Omit<CustomResourceResponse, 'StackId' | 'RequestId' | 'LogicalResourceId' | 'Status'>> {
    if (request.RequestType === 'Delete') {
      const adoption = decodeAdoption(request.PhysicalResourceId);
      // A create that failed recorded nothing and changed nothing.
      if (adoption) await release(adoption, typeof request.ResourceProperties?.TerminationPolicy === 'string' ? request.ResourceProperties.TerminationPolicy : undefined);
      return { PhysicalResourceId: request.PhysicalResourceId ?? request.RequestId };
    }
    if (request.RequestType !== 'Create' && request.RequestType !== 'Update') throw new Refused(`RequestType ${JSON.stringify(capValue(request.RequestType))} must be Create, Update or Delete`);
    const { group, policy } = properties(request.ResourceProperties);
    const current = request.RequestType === 'Update' ? decodeAdoption(request.PhysicalResourceId) : undefined;
    if (current && current.group === group) {
      // Same group, maybe a new function ARN: point the group at it, keep what the first adoption found.
      const old = typeof request.OldResourceProperties?.TerminationPolicy === 'string' ? request.OldResourceProperties.TerminationPolicy : undefined;
      const found = await groups.describe(group);
      if (!found) throw new Refused(`Auto Scaling group "${group}" no longer exists`);
      if (!same(found.terminationPolicies, [policy]) && (old === undefined || same(found.terminationPolicies, [old]))) await groups.setTerminationPolicies(group, [policy]);
      return { PhysicalResourceId: request.PhysicalResourceId! };
    }
    // Create, or a new group: CloudFormation deletes the old resource (the old group released) after this.
    const { physicalId, data } = await adopt(group, policy);
    return { PhysicalResourceId: physicalId, Data: data };
  }

  return async (request: CustomResourceRequest): Promise<void> => {
    const base = { StackId: request?.StackId, RequestId: request?.RequestId, LogicalResourceId: request?.LogicalResourceId };
    if (typeof request?.ResponseURL !== 'string' || !request.ResponseURL.startsWith('https://')) {
      // Not CloudFormation: nothing to answer, nothing done.
      log.error('not a custom resource request: ignored', { event: capValue(request, MAX_LOGGED_EVENT) });
      return;
    }
    let response: CustomResourceResponse;
    try {
      response = { Status: 'SUCCESS', ...base, ...(await handle(request)) };
    } catch (e) {
      const reason = e instanceof Refused ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
      log.error('adoption failed', { requestType: request.RequestType, reason });
      // A failed create records nothing: its Delete finds no adoption and changes nothing.
      response = { Status: 'FAILED', Reason: capValue(reason, 1000), ...base, PhysicalResourceId: request.PhysicalResourceId ?? `failed-${request.RequestId}` };
    }
    await deps.respond(request.ResponseURL, response);
  };
}
