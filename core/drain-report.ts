/**
 * The agent's "worker drained" report: the fast path from a drained worker to its lifecycle action
 * being completed. The agent sends it to the controller's queue with SQS SendMessage; the controller
 * stays the only principal that completes lifecycle actions, and treats the report as a claim to verify.
 *
 * Verification starts here: SQS stamps each message with the sender's identity (`SenderId`, which the
 * sender cannot choose). For an IAM role it is `<role id>:<role session name>`, and an EC2 instance
 * profile's session name is the instance id (SQS API reference, ReceiveMessage, MessageSystemAttributeName
 * SenderId: "For an IAM role, returns the IAM role ID, for example ABCDE1F2GH3I4JK5LMNOP:i-a123b456").
 * So a report is accepted only from the named instance itself, under the worker role of the named
 * group. The handler then checks with Auto Scaling that the instance waits under our hook in that group.
 * Pure: no SDK, no clock.
 */
import { parseBoundedBody } from './untrusted-json';

export const DRAIN_REPORT_SOURCE = 'graceful-autoscaler.agent';
export const DRAIN_REPORT_DETAIL_TYPE = 'Worker Drained';
/**
 * Trino's node selector memoizes the active node map for 5 s (trinodb/trino,
 * core/trino-main/src/main/java/io/trino/execution/scheduler/UniformNodeSelectorFactory.java): after the
 * coordinator's node list shows a worker SHUTTING_DOWN, new tasks can still be placed on it for that long.
 */
export const TRINO_NODE_MAP_MEMO_MS = 5000;
/**
 * The agent's rule, which the simulator models: after the coordinator is first seen not scheduling to
 * the node, a zero count is final only from a read started at least this much later: the node map's
 * 5 s, and a second for a task placed at its last instant to reach the worker. It was 1 s, which the
 * Trino engine model showed lets a task land after the final zero (issue 37).
 */
export const COORDINATOR_CONFIRM_MS = TRINO_NODE_MAP_MEMO_MS + 1000;
/** A report is a few hundred bytes; anything much larger is not one of ours. */
export const MAX_REPORT_BYTES = 4096;
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** Why the agent considers its worker drained. */
export type DrainedBy =
  /** The coordinator's own view of the node is shutting down or drained, and the worker runs no task. */
  | 'coordinator'
  /** The worker process exited after its graceful shutdown (Trino exits only once its tasks are done). */
  | 'exited'
  /** No coordinator view configured: the grace period has passed since the stop and no task runs. */
  | 'grace';
const DRAINED_BY: readonly DrainedBy[] = ['coordinator', 'exited', 'grace'];

/** The message body the agent sends. */
export interface DrainReport {
  readonly instanceId: string;
  readonly groupName: string;
  /** When the agent started the worker's graceful shutdown (epoch ms, the instance's clock). */
  readonly stoppedAt: number;
  /** When the agent found the worker drained (epoch ms, the instance's clock). */
  readonly drainedAt: number;
  readonly drainedBy: DrainedBy;
}

/** What the controller knows of each group's workers: the role their instances run under. */
export type WorkerRoles = (groupName: string) => string | undefined;

export type ParsedReport = { readonly ok: true; readonly report: DrainReport } | { readonly ok: false; readonly error: string };

/** The body as the agent writes it. */
export function formatDrainReport(report: DrainReport): string {
  return JSON.stringify({ source: DRAIN_REPORT_SOURCE, 'detail-type': DRAIN_REPORT_DETAIL_TYPE, detail: report });
}

/** True when the message claims to be a drain report (checked before the lifecycle-event parser runs). */
export function looksLikeDrainReport(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { source?: unknown }).source === DRAIN_REPORT_SOURCE;
}

/**
 * Parses a report and checks its sender: the SQS SenderId must be the worker role of the named group with
 * the named instance as its session. Anything else is rejected with the reason.
 */
export function parseDrainReport(body: string, senderId: string | undefined, roleOf: WorkerRoles): ParsedReport {
  const parsed = parseBoundedBody(body, MAX_REPORT_BYTES, 'report');
  if (!parsed.ok) return parsed;
  const raw = parsed.raw;
  if (!looksLikeDrainReport(raw) || raw['detail-type'] !== DRAIN_REPORT_DETAIL_TYPE) return { ok: false, error: 'not a drain report' };
  const d = raw.detail;
  if (typeof d !== 'object' || d === null) return { ok: false, error: 'detail is missing' };
  if (typeof d.instanceId !== 'string' || !INSTANCE_ID.test(d.instanceId)) return { ok: false, error: 'instanceId is not an instance id' };
  if (typeof d.groupName !== 'string' || d.groupName === '' || d.groupName.length > 255) return { ok: false, error: 'groupName is missing' };
  for (const f of ['stoppedAt', 'drainedAt'] as const) {
    if (typeof d[f] !== 'number' || !Number.isFinite(d[f]) || d[f] <= 0) return { ok: false, error: `${f} is not a time` };
  }
  if (d.drainedAt < d.stoppedAt) return { ok: false, error: 'drainedAt is before stoppedAt' };
  if (!DRAINED_BY.includes(d.drainedBy)) return { ok: false, error: 'drainedBy is not one of coordinator, exited, grace' };

  // Own-key lookup only: a group named "__proto__" or "constructor" is simply unknown.
  const roleId = roleOf(d.groupName);
  if (roleId === undefined) return { ok: false, error: 'group does not accept drain reports' };
  const expected = `${roleId}:${d.instanceId}`;
  if (senderId !== expected) return { ok: false, error: 'sender is not the named instance under its group\'s worker role' };
  return { ok: true, report: { instanceId: d.instanceId, groupName: d.groupName, stoppedAt: d.stoppedAt, drainedAt: d.drainedAt, drainedBy: d.drainedBy } };
}
