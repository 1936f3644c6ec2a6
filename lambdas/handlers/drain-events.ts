import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseLifecycleEvent } from '../domain/lifecycle-event';
import { ControllerDeps, reconcile } from '../controller/reconcile';
import { DeadLetters } from '../ports';
import { SWEEP_SAFETY_MARGIN_MS } from './drain-sweep';

export interface DrainEventsDeps extends ControllerDeps {
  readonly deadLetters: DeadLetters;
}

/**
 * The fast path: lifecycle events from EventBridge, through SQS. Malformed messages go to the DLQ with
 * their reason and never block the rest; events for other hooks (CodeDeploy's) or unknown groups are
 * acknowledged and ignored; late or duplicate events are checked against Auto Scaling before acting.
 * Reports partial batch failures so only what failed to process is redelivered.
 */
export function makeDrainEventsHandler(deps: DrainEventsDeps) {
  return async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse> => {
    const failures = new Set<string>();
    const relevant = new Map<string, { groupName: string; time: number; messageIds: string[] }>();

    for (const record of event.Records) {
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
      if (e.hookName !== deps.settings.hookName || deps.settings.groups[e.groupName] === undefined) {
        deps.metrics.count('IgnoredEvents');
        deps.log.info('event for another hook or group ignored', { instanceId: e.instanceId, groupName: e.groupName, hookName: e.hookName });
        continue;
      }
      const seen = relevant.get(e.instanceId);
      relevant.set(e.instanceId, {
        groupName: e.groupName,
        time: Math.min(seen?.time ?? e.time, e.time),
        messageIds: [...(seen?.messageIds ?? []), record.messageId],
      });
    }

    if (relevant.size === 0) return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };

    const candidates = [...relevant].map(([instanceId, r]) => ({ instanceId, groupName: r.groupName }));
    try {
      const waiting = await deps.fleet.filterWaiting(candidates);
      for (const c of candidates) {
        if (!waiting.some((w) => w.instanceId === c.instanceId)) deps.log.info('instance no longer waiting; late or duplicate event', c);
      }
      const stopBy = context ? deps.now() + context.getRemainingTimeInMillis() - SWEEP_SAFETY_MARGIN_MS : undefined;
      await reconcile(deps, waiting, { sweep: false, stopBy, waitStartedAt: new Map([...relevant].map(([id, r]) => [id, r.time])) });
    } catch (e) {
      // Whole-pass failure (Auto Scaling or the store unreachable): redeliver these events; the sweep also covers them.
      deps.log.error('event pass failed; events left for redelivery', { error: String((e as Error)?.message ?? e) });
      for (const r of relevant.values()) r.messageIds.forEach((id) => failures.add(id));
    }
    // Exactly the documented partial-batch response (Lambda developer guide, "Reporting batch item failures").
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
