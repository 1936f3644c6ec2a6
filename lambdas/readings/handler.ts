/**
 * The readings function: drains the fleets' readings queues (an SQS event source on each) into the drain
 * table, where the straggler function and the termination policy read them. Every message is a claim:
 * only one from the named instance itself (its SQS SenderId), under its group's worker role, on its
 * group's own queue, bounded and well formed, is kept (core/worker-readings.ts). Anything else is logged,
 * capped, and dropped, never retried and never stored: it reaches no detector, ranking or drain.
 * Only a failed write is reported back for redelivery (partial batch response).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ReadingsSettings, readingsSender } from '../../core/contract/readings-settings';
import { ControllerLog, ReadingsStore } from '../../core/ports';
import { StoredReadings, parseReadingsMessage } from '../../core/worker-readings';
import { capError, capText } from '../../core/util/log-text';

export interface ReadingsDeps {
  readonly settings: ReadingsSettings;
  readonly store: ReadingsStore;
  readonly log: ControllerLog;
  readonly now: () => number;
}

export function makeReadingsHandler(deps: ReadingsDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const accepted: StoredReadings[] = [];
    let rejected = 0;
    for (const record of event.Records ?? []) {
      const sent = Number(record.attributes?.SentTimestamp);
      const parsed = parseReadingsMessage(
        typeof record.body === 'string' ? record.body : '',
        { senderId: record.attributes?.SenderId, sentAt: Number.isFinite(sent) && sent > 0 ? sent : deps.now(), messageId: record.messageId, queueArn: record.eventSourceARN },
        (group) => readingsSender(deps.settings, group),
      );
      if (!parsed.ok) {
        rejected++;
        deps.log.warn('readings rejected', {
          messageId: capText(String(record.messageId)),
          reason: capText(parsed.error),
          senderId: record.attributes?.SenderId === undefined ? undefined : capText(record.attributes.SenderId),
          queue: record.eventSourceARN === undefined ? undefined : capText(record.eventSourceARN),
          bodyBytes: typeof record.body === 'string' ? record.body.length : 0,
        });
        continue;
      }
      accepted.push(parsed.message);
    }
    if (accepted.length === 0) return { batchItemFailures: [] };
    try {
      await deps.store.save(accepted);
    } catch (e) {
      // Redelivered: the write is idempotent (a message's id is its key). A reading that comes late is old, never fresh.
      deps.log.error('readings not stored; left for redelivery', { error: capError(e), messages: accepted.length });
      return { batchItemFailures: accepted.map((m) => ({ itemIdentifier: m.messageId })) };
    }
    if (rejected > 0) deps.log.info('readings stored', { accepted: accepted.length, rejected });
    // Exactly the documented partial-batch response (Lambda developer guide, "Reporting batch item failures").
    return { batchItemFailures: [] };
  };
}
