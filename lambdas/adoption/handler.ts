/**
 * The CloudFormation custom resource that adopts a group another stack, Terraform or the console created.
 * CloudFormation has no resource for "these properties of a group I do not own", so this one sets them on
 * Create, keeps them on Update and puts them back on Delete:
 * - the termination policy: our least-busy-first function in place of the group's own list;
 * - the group metrics our dashboard and alarms read, where the group does not already collect them.
 * What it found is kept in the physical resource id, the only state CloudFormation hands back on Delete,
 * so deleting the stack restores exactly that, and only where the group still carries what we set:
 * a setting an operator changed after us is theirs and is left alone, and a group deleted and created again
 * under the same name (another ARN) is not the one we adopted and is not touched.
 *
 * Who may invoke it: the custom resource names the function directly as its ServiceToken, and CloudFormation
 * invokes it with the deploying principal's credentials (the CDK execution role), so the function carries no
 * resource-based policy and only this account's principals with lambda:InvokeFunction on it can call it.
 * Those could forge a request, so nothing in the event is trusted that settings can say instead: the
 * request must carry our stack's id, the group must be one this stack adopts, the termination policy is
 * our own function's ARN, and the answer goes only to CloudFormation's response bucket in our region.
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
/** Attempts at the response PUT, and the waits between them: CloudFormation waits an hour for an answer that never comes. */
export const RESPONSE_ATTEMPTS = 4;
const RESPONSE_RETRY_DELAYS_MS = [1000, 2000, 4000];
/** Kept back from the function's remaining time for the response's attempts (4 x 5 s timeout + 7 s of waits, rounded up). */
export const RESPONSE_RESERVE_MS = 30_000;
/** Used when the runtime gives no remaining time (a direct call in a test or a script). */
const DEFAULT_REMAINING_MS = 60_000;

/**
 * The response bucket's endpoint domain per partition (CloudFormation user guide, "Custom resource request
 * objects": the ResponseURL is a pre-signed S3 URL for the bucket `cloudformation-custom-resource-response-<region without dashes>`).
 */
const S3_DOMAINS: Readonly<Record<string, string>> = {
  aws: 'amazonaws.com',
  'aws-us-gov': 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
};
const STACK_ARN = /^arn:(aws[a-z-]*):cloudformation:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:stack\/[A-Za-z][A-Za-z0-9-]{0,127}\/[0-9a-f-]{36}$/;

/** What the stack tells the function about itself (environment variables, lib/drain-controller.ts). */
export interface AdoptionSettings {
  /** Our stack's id (its ARN): every request CloudFormation sends for our resources carries it. */
  readonly stackId: string;
  /** Our termination policy function's ARN: the only termination policy adoption sets. */
  readonly terminationPolicyArn: string;
  /** The groups this stack adopts, by name: no other group is touched. */
  readonly groupNames: readonly string[];
}

/** The settings from the function's environment; a malformed value stops the function at load. */
export function parseAdoptionSettings(stackId: string, terminationPolicyArn: string, groupNamesJson: string): AdoptionSettings {
  if (!STACK_ARN.test(stackId)) throw new Error(`STACK_ID (${capValue(stackId)}) must be a CloudFormation stack ARN`);
  if (!/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+$/.test(terminationPolicyArn)) throw new Error(`TERMINATION_POLICY_ARN (${capValue(terminationPolicyArn)}) must be a Lambda function ARN`);
  const names: unknown = JSON.parse(groupNamesJson);
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n.length > 0 && n.length <= 255)) {
    throw new Error(`ADOPTED_GROUPS (${capValue(groupNamesJson)}) must be a JSON list of group names`);
  }
  return { stackId, terminationPolicyArn, groupNames: names };
}

/**
 * The request's ResponseURL when it is CloudFormation's pre-signed URL for our stack's region, else
 * undefined: https, no port or credentials, and the host one of the S3 endpoints of the response bucket
 * (`<bucket>.s3.<domain>`, `<bucket>.s3-<region>.<domain>`, `<bucket>.s3.<region>.<domain>`; all three occur).
 */
export function cloudFormationResponseUrl(raw: unknown, stackId: string): URL | undefined {
  const arn = STACK_ARN.exec(stackId);
  const domain = arn ? S3_DOMAINS[arn[1]] : undefined;
  if (!arn || !domain || typeof raw !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '') return undefined;
  const region = arn[2];
  const bucket = `cloudformation-custom-resource-response-${region.replace(/-/g, '')}`;
  return [`${bucket}.s3.${domain}`, `${bucket}.s3-${region}.${domain}`, `${bucket}.s3.${region}.${domain}`].includes(url.hostname) ? url : undefined;
}

/** What adoption found on the group, and what it changed: the physical resource id, as JSON. */
export interface Adoption {
  readonly group: string;
  /** The adopted group's ARN; absent in ids recorded before it was kept. */
  readonly groupArn?: string;
  /** The group's termination policies before ours. */
  readonly previousTerminationPolicies: readonly string[];
  /** Group metrics we turned on, and so turn off again. */
  readonly metricsEnabled: readonly string[];
}

export interface GroupAdoptionDeps {
  readonly groups: GroupSettingsPort;
  /** Sends the response to the pre-signed ResponseURL, once: the handler retries. */
  readonly respond: (url: string, response: CustomResourceResponse) => Promise<void>;
  readonly settings: AdoptionSettings;
  /** Waits between response attempts. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log: ControllerLog;
  /** Our own termination hook's name: any other termination hook on the group is reported. */
  readonly hookName: string;
}

export function encodeAdoption(a: Adoption): string {
  const id = JSON.stringify({ group: a.group, ...(a.groupArn ? { groupArn: a.groupArn } : {}), previousTerminationPolicies: a.previousTerminationPolicies, metricsEnabled: a.metricsEnabled });
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
    if (a.groupArn !== undefined && typeof a.groupArn !== 'string') return undefined;
    // Only metrics adoption itself turns on are ever turned off, whatever an id says.
    const metricsEnabled = a.metricsEnabled.filter((m) => (ADOPTION_GROUP_METRICS as readonly string[]).includes(m));
    return { group: a.group, ...(a.groupArn ? { groupArn: a.groupArn } : {}), previousTerminationPolicies: a.previousTerminationPolicies, metricsEnabled };
  } catch {
    return undefined;
  }
}

/** The request's group and policy, only when they are ours: a forged request names another's. */
function properties(p: CustomResourceRequest['ResourceProperties'] | undefined, settings: AdoptionSettings): { group: string; policy: string } {
  const group = p?.GroupName;
  const policy = p?.TerminationPolicy;
  if (typeof group !== 'string' || !settings.groupNames.includes(group)) {
    throw new Refused(`GroupName ${JSON.stringify(capValue(group, 300))} is not a group this stack adopts (${settings.groupNames.join(', ')}); nothing was changed`);
  }
  if (policy !== settings.terminationPolicyArn) {
    throw new Refused(`TerminationPolicy ${JSON.stringify(capValue(policy, 300))} must be this stack's termination policy function (${settings.terminationPolicyArn}); nothing was changed`);
  }
  return { group, policy };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function makeGroupAdoptionHandler(deps: GroupAdoptionDeps) {
  const { groups, log, settings } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  /**
   * One request's progress: the physical id of an adoption once its first write may have happened (a FAILED
   * answer must carry it, or the rollback's Delete would find nothing to restore), and whether FAILED has
   * already been sent (then nothing more is written).
   */
  interface Attempt {
    writing?: string;
    answered: boolean;
  }

  /** Before each write: none once CloudFormation has been told FAILED. */
  function mayWrite(attempt: Attempt): void {
    if (attempt.answered) throw new Refused('CloudFormation was already answered FAILED: nothing more is written');
  }

  async function adopt(group: string, policy: string, attempt: Attempt): Promise<{ physicalId: string; data: Record<string, string> }> {
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
    const adoption: Adoption = { group, ...(found.arn ? { groupArn: found.arn } : {}), previousTerminationPolicies: previous.length > 0 ? previous : DEFAULT_TERMINATION_POLICIES, metricsEnabled: missing };
    const physicalId = encodeAdoption(adoption); // refuses before any change when it cannot be recorded
    mayWrite(attempt);
    attempt.writing = physicalId;
    await groups.setTerminationPolicies(group, [policy]);
    // Auto Scaling accepts only 1Minute granularity (API reference, EnableMetricsCollection).
    if (missing.length > 0) {
      mayWrite(attempt);
      await groups.enableMetrics(group, missing);
    }
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

  async function release(adoption: Adoption, policy: string): Promise<void> {
    if (!settings.groupNames.includes(adoption.group)) {
      log.warn('the adoption names a group this stack does not adopt: left as it is', { group: capValue(adoption.group) });
      return;
    }
    const found = await groups.describe(adoption.group);
    if (!found) {
      log.info('group is gone: nothing to restore', { group: adoption.group });
      return;
    }
    if (adoption.groupArn !== undefined && found.arn !== adoption.groupArn) {
      // Same name, another group: deleted and created again since we adopted it, its settings are its owner's.
      log.warn('the group was created again since adoption (its ARN differs): not ours, left as it is', { group: adoption.group, adopted: adoption.groupArn, now: found.arn });
      return;
    }
    if (adoption.groupArn === undefined && !same(found.terminationPolicies, [policy])) {
      // An id recorded before ARNs were kept: only our own policy still on the group proves it is the one adopted.
      log.warn('the group no longer carries our termination policy and its adoption recorded no ARN: left as it is', { group: adoption.group, now: found.terminationPolicies });
      return;
    }
    if (same(found.terminationPolicies, [policy])) {
      await groups.setTerminationPolicies(adoption.group, adoption.previousTerminationPolicies);
    } else {
      log.warn('termination policies changed since adoption: left as they are', { group: adoption.group, now: found.terminationPolicies });
    }
    const ours = adoption.metricsEnabled.filter((m) => found.enabledMetrics.includes(m));
    if (ours.length > 0) await groups.disableMetrics(adoption.group, ours);
    log.info('group released', { group: adoption.group, terminationPolicies: adoption.previousTerminationPolicies, metricsDisabled: ours });
  }

  async function handle(request: CustomResourceRequest, attempt: Attempt): Promise<Omit<CustomResourceResponse, 'StackId' | 'RequestId' | 'LogicalResourceId' | 'Status'>> {
    if (request.RequestType === 'Delete') {
      const adoption = decodeAdoption(request.PhysicalResourceId);
      // A create that failed recorded nothing and changed nothing.
      if (adoption) await release(adoption, settings.terminationPolicyArn);
      return { PhysicalResourceId: request.PhysicalResourceId ?? request.RequestId };
    }
    if (request.RequestType !== 'Create' && request.RequestType !== 'Update') throw new Refused(`RequestType ${JSON.stringify(capValue(request.RequestType))} must be Create, Update or Delete`);
    const { group, policy } = properties(request.ResourceProperties, settings);
    const current = request.RequestType === 'Update' ? decodeAdoption(request.PhysicalResourceId) : undefined;
    const found = current && current.group === group ? await groups.describe(group) : undefined;
    if (current && current.group === group && !(found && current.groupArn !== undefined && found.arn !== current.groupArn)) {
      // Same group, maybe a new function ARN: point the group at it, keep what the first adoption found.
      // (The physical id stays: a new one would make CloudFormation delete the old, releasing the group.)
      const old = typeof request.OldResourceProperties?.TerminationPolicy === 'string' ? request.OldResourceProperties.TerminationPolicy : undefined;
      if (!found) throw new Refused(`Auto Scaling group "${group}" no longer exists`);
      if (!same(found.terminationPolicies, [policy]) && (old === undefined || same(found.terminationPolicies, [old]))) await groups.setTerminationPolicies(group, [policy]);
      return { PhysicalResourceId: request.PhysicalResourceId! };
    }
    // Create, a new group, or the same name on a group created again: a new physical id, and CloudFormation
    // deletes the old resource after this (which finds the old group gone or another ARN, and changes nothing).
    const { physicalId, data } = await adopt(group, policy, attempt);
    return { PhysicalResourceId: physicalId, Data: data };
  }

  /** Fails with a Refused after `ms`, so CloudFormation hears FAILED before the function times out. */
  function deadline(ms: number): { promise: Promise<never>; cancel: () => void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const promise = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Refused(`adoption did not finish within ${Math.round(ms / 1000)} s; answering FAILED before the function's own timeout rather than leaving the stack waiting`)), Math.max(0, ms));
    });
    return { promise, cancel: () => clearTimeout(timer) };
  }

  /** The PUT, with bounded retries: one lost answer would leave the stack waiting an hour. */
  async function answer(url: string, response: CustomResourceResponse): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.respond(url, response);
        return;
      } catch (e) {
        if (attempt >= RESPONSE_ATTEMPTS) {
          log.error('CloudFormation response could not be delivered', { attempts: attempt, status: response.Status, error: capValue((e as Error)?.message ?? e) });
          return;
        }
        log.warn('CloudFormation response failed; retrying', { attempt, error: capValue((e as Error)?.message ?? e) });
        await sleep(RESPONSE_RETRY_DELAYS_MS[Math.min(attempt - 1, RESPONSE_RETRY_DELAYS_MS.length - 1)]);
      }
    }
  }

  return async (request: CustomResourceRequest, context?: { getRemainingTimeInMillis?: () => number }): Promise<void> => {
    const url = cloudFormationResponseUrl(request?.ResponseURL, settings.stackId);
    if (!url) {
      // Not CloudFormation's response bucket for our region: answering would send our response elsewhere.
      log.error("not a custom resource request for this stack (its ResponseURL is not CloudFormation's response bucket in this stack's region): ignored, nothing done", { event: capValue(request, MAX_LOGGED_EVENT) });
      return;
    }
    const base = { StackId: request.StackId, RequestId: request.RequestId, LogicalResourceId: request.LogicalResourceId };
    let response: CustomResourceResponse;
    const limit = deadline((context?.getRemainingTimeInMillis?.() ?? DEFAULT_REMAINING_MS) - RESPONSE_RESERVE_MS);
    const attempt: Attempt = { answered: false };
    try {
      if (request.StackId !== settings.stackId) throw new Refused(`StackId ${capValue(request.StackId, 300)} is not this function's stack (${settings.stackId}); nothing was changed`);
      response = { Status: 'SUCCESS', ...base, ...(await Promise.race([handle(request, attempt), limit.promise])) };
    } catch (e) {
      attempt.answered = true;
      const reason = e instanceof Refused ? e.message : `${(e as Error)?.name}: ${(e as Error)?.message}`;
      log.error('adoption failed', { requestType: capValue(request.RequestType), reason: capValue(reason, 1000) });
      // A create that failed before its first write records nothing: its Delete finds no adoption and
      // changes nothing. One that may have written records what it found, so the rollback's Delete restores it.
      const recorded = request.RequestType === 'Create' ? attempt.writing : undefined;
      response = { Status: 'FAILED', Reason: capValue(reason, 1000), ...base, PhysicalResourceId: recorded ?? request.PhysicalResourceId ?? `failed-${request.RequestId}` };
    } finally {
      limit.cancel();
    }
    await answer(request.ResponseURL, response);
  };
}
