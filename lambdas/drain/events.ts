import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DrainedBy, looksLikeDrainReport, parseDrainReport } from '../../core/drain-report';
import { parseLifecycleEvent } from '../../core/lifecycle-event';
import { capError, capText } from '../../core/util/log-text';
import { isThrottling } from '../../core/util/errors';
import { EVENT_MAX_RECEIVE_COUNT, managedGroup } from '../../core/contract/lambda-settings';
import { ControllerDeps, reconcile } from './reconcile';
import { DeadLetters } from '../../core/ports';
import { SWEEP_SAFETY_MARGIN_MS } from './sweep';

export interface DrainEventsDeps extends ControllerDeps {
  readonly deadLetters: DeadLetters;
}

const capped = (text: string | undefined) => (text === undefined ? undefined : capText(text));


/** A body that parses as JSON, or undefined. */
function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function message(record: SQSRecord, report: boolean) {
  return { id: record.messageId, receives: Number(record.attributes?.ApproximateReceiveCount ?? 1), report };
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
    const relevant = new Map<string, { groupName: string; messages: { id: string; receives: number; report: boolean }[] }>();
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
        relevant.set(r.instanceId, { groupName: r.groupName, messages: [...(seen?.messages ?? []), message(record, true)] });
        continue;
      }
      const parsed = parseLifecycleEvent(record.body);
      if (!parsed.ok) {
        deps.metrics.count('MalformedEvents');
        deps.log.warn('malformed lifecycle event sent to the dead-letter queue', { messageId: record.messageId, reason: capText(parsed.error), bodyBytes: record.body.length });
        try {
          await deps.deadLetters.send(record.body, parsed.error);
        } catch (e) {
          // Not lost: SQS redelivers it, and its redrive policy moves it to the DLQ in the end.
          deps.log.error('dead-letter send failed; message left for redelivery', { messageId: record.messageId, error: capError(e) });
          failures.add(record.messageId);
        }
        continue;
      }
      const e = parsed.event;
      if (e.hookName !== deps.settings.hookName || managedGroup(deps.settings, e.groupName) === undefined) {
        deps.metrics.count('IgnoredEvents');
        deps.log.info('event for another hook or group ignored', { instanceId: e.instanceId, groupName: capText(e.groupName), hookName: capText(e.hookName) });
        continue;
      }
      if (e.origin === 'WarmPool') {
        // A warm pool instance being terminated (Warmed:Terminating:Wait): it never served, so there is
        // nothing to drain, and it is not in Terminating:Wait for the controller to act on. The hook's own
        // timeout ends its wait; while stopped it costs its volumes only.
        deps.metrics.count('WarmPoolEvents');
        deps.log.info('warm pool instance terminating: it never served, nothing to drain', { instanceId: e.instanceId, groupName: capText(e.groupName) });
        continue;
      }
      if (e.destination === 'WarmPool') {
        // ReuseOnScaleIn: the instance goes back to the pool through Warmed:Pending:Wait, and IMDS tells
        // its agent Warmed:Stopped, not Terminated. Neither drains it; Auto Scaling stops it with its
        // queries running. Adoption refuses such a pool; this is one turned on since.
        deps.metrics.count('WarmPoolReuseEvents');
        deps.log.error('instance returning to the warm pool (ReuseOnScaleIn) cannot be drained: its running queries are lost when it stops. Turn ReuseOnScaleIn off', { instanceId: e.instanceId, groupName: capText(e.groupName) });
        continue;
      }
      const seen = relevant.get(e.instanceId);
      if (seen && seen.groupName !== e.groupName) {
        deps.log.warn('conflicting groups named for one instance; Auto Scaling decides', { instanceId: e.instanceId, groupName: capped(e.groupName) });
      }
      // The event's time is not kept: it is a claim, and the deadline comes from Auto Scaling's own record.
      relevant.set(e.instanceId, { groupName: e.groupName, messages: [...(seen?.messages ?? []), message(record, false)] });
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
      await reconcile(deps, waiting, { sweep: false, stopBy, drainReports: reports });
    } catch (e) {
      // Whole-pass failure (Auto Scaling or the store unreachable or throttled). Every waiting instance is
      // the sweep's too, so nothing is lost by acknowledging; redelivery only makes the fast path faster.
      // Under throttling (a mass scale-in) redelivery adds load and walks valid events into the DLQ, so
      // lifecycle events are left to the sweep at once; drain reports, which the sweep cannot rebuild,
      // are redelivered until their last receive, then left to the idle test.
      const throttled = isThrottling(e);
      let left = 0;
      for (const r of relevant.values()) {
        for (const m of r.messages) {
          if ((m.report || !throttled) && m.receives < EVENT_MAX_RECEIVE_COUNT - 1) failures.add(m.id);
          else left++;
        }
      }
      deps.log.error('event pass failed; events left to redelivery or the sweep', { error: capError(e), throttled, redelivered: failures.size, leftToSweep: left });
    }
    // Exactly the documented partial-batch response (Lambda developer guide, "Reporting batch item failures").
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
