import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DrainedBy, looksLikeDrainReport, parseDrainReport } from '../domain/drain-report';
import { parseLifecycleEvent } from '../domain/lifecycle-event';
import { managedGroup } from '../domain/settings';
import { ControllerDeps, reconcile } from '../controller/reconcile';
import { DeadLetters } from '../ports';
import { SWEEP_SAFETY_MARGIN_MS } from './drain-sweep';

export interface DrainEventsDeps extends ControllerDeps {
  readonly deadLetters: DeadLetters;
}

/** At most this much of any caller-controlled text reaches a log line. */
const LOG_TEXT_MAX = 200;
const capped = (text: string | undefined) => (text === undefined ? undefined : text.length > LOG_TEXT_MAX ? `${text.slice(0, LOG_TEXT_MAX)}…` : text);

/** A body that parses as JSON, or undefined. */
function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * The fast path: lifecycle events from EventBridge, through SQS, and the agents' "worker drained"
 * reports sent straight to the same queue. A report is accepted only from the named instance itself
 * (its SQS SenderId) under its group's worker role, and only for an instance Auto Scaling still holds
 * in Terminating:Wait in that group; a rejected report is logged and dropped, never retried. Malformed
 * messages go to the DLQ with their reason and never block the rest; events for other hooks (CodeDeploy's) or unknown groups are
 * acknowledged and ignored; late or duplicate events are checked against Auto Scaling before acting.
 * Reports partial batch failures so only what failed to process is redelivered.
 */
export function makeDrainEventsHandler(deps: DrainEventsDeps) {
  return async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse> => {
    const failures = new Set<string>();
    const relevant = new Map<string, { groupName: string; time: number; messageIds: string[] }>();
    const reports = new Map<string, DrainedBy>();
    const roleOf = (groupName: string) => managedGroup(deps.settings, groupName)?.workerRoleId;

    for (const record of event.Records) {
      if (looksLikeDrainReport(json(record.body))) {
        const report = parseDrainReport(record.body, record.attributes?.SenderId, roleOf);
        if (!report.ok) {
          deps.metrics.count('RejectedReports');
          deps.log.warn('drain report rejected', { messageId: record.messageId, reason: report.error, senderId: capped(record.attributes?.SenderId) });
          continue;
        }
        const r = report.report;
        deps.metrics.count('DrainReports');
        reports.set(r.instanceId, r.drainedBy);
        const seen = relevant.get(r.instanceId);
        // A report says nothing about when the wait began: the record's first sight, or the event's, stands.
        relevant.set(r.instanceId, { groupName: r.groupName, time: seen?.time ?? Infinity, messageIds: [...(seen?.messageIds ?? []), record.messageId] });
        continue;
      }
      const parsed = parseLifecycleEvent(record.body);
      if (!parsed.ok) {
        deps.metrics.count('MalformedEvents');
        deps.log.warn('malformed lifecycle event sent to the dead-letter queue', { messageId: record.messageId, reason: parsed.error });
        try {
          await deps.deadLetters.send(record.body, parsed.error);
        } catch (e) {
          // Not lost: SQS redelivers it, and its redrive policy moves it to the DLQ in the end.
          deps.log.error('dead-letter send failed; message left for redelivery', { messageId: record.messageId, error: String((e as Error)?.message ?? e) });
          failures.add(record.messageId);
        }
        continue;
      }
      const e = parsed.event;
      if (e.hookName !== deps.settings.hookName || managedGroup(deps.settings, e.groupName) === undefined) {
        deps.metrics.count('IgnoredEvents');
        deps.log.info('event for another hook or group ignored', { instanceId: e.instanceId, groupName: e.groupName, hookName: e.hookName });
        continue;
      }
      const seen = relevant.get(e.instanceId);
      if (seen && seen.groupName !== e.groupName) {
        deps.log.warn('conflicting groups named for one instance; Auto Scaling decides', { instanceId: e.instanceId, groupName: capped(e.groupName) });
      }
      relevant.set(e.instanceId, {
        groupName: e.groupName,
        time: Math.min(seen?.time ?? Infinity, e.time),
        messageIds: [...(seen?.messageIds ?? []), record.messageId],
      });
    }

    if (relevant.size === 0) return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };

    const candidates = [...relevant].map(([instanceId, r]) => ({ instanceId, groupName: r.groupName }));
    try {
      const waiting = await deps.fleet.filterWaiting(candidates);
      for (const c of candidates) {
        if (!waiting.some((w) => w.instanceId === c.instanceId)) {
          if (reports.has(c.instanceId)) {
            deps.metrics.count('RejectedReports');
            deps.log.warn('drain report for an instance not waiting under our hook in that group; dropped', c);
          } else deps.log.info('instance no longer waiting; late or duplicate event', c);
        }
      }
      const stopBy = context ? deps.now() + context.getRemainingTimeInMillis() - SWEEP_SAFETY_MARGIN_MS : undefined;
      const waitStartedAt = new Map([...relevant].filter(([, r]) => Number.isFinite(r.time)).map(([id, r]) => [id, r.time]));
      await reconcile(deps, waiting, { sweep: false, stopBy, waitStartedAt, drainReports: reports });
    } catch (e) {
      // Whole-pass failure (Auto Scaling or the store unreachable): redeliver these events; the sweep also covers them.
      deps.log.error('event pass failed; events left for redelivery', { error: String((e as Error)?.message ?? e) });
      for (const r of relevant.values()) r.messageIds.forEach((id) => failures.add(id));
    }
    // Exactly the documented partial-batch response (Lambda developer guide, "Reporting batch item failures").
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
