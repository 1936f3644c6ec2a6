import type { StoredReadings } from '../core/worker-readings';
import { ReadingsStore } from '../core/ports';

/**
 * The drain table's readings items in memory (lambdas/aws/dynamo-readings-store.ts): one per message,
 * keyed by its id so a redelivered message is kept once, read by group from a send time; messages older
 * than `keptMs` are dropped as the table's TTL would.
 */
export class MemoryReadingsStore implements ReadingsStore {
  private readonly byGroup = new Map<string, Map<string, StoredReadings>>();
  saves = 0;

  constructor(private readonly keptMs = 2 * 3600_000) {}

  async save(messages: readonly StoredReadings[]): Promise<void> {
    this.saves++;
    for (const m of messages) {
      const group = this.byGroup.get(m.groupName) ?? new Map<string, StoredReadings>();
      group.set(m.messageId, m);
      this.byGroup.set(m.groupName, group);
    }
  }

  async read(groupName: string, sinceMs: number): Promise<StoredReadings[]> {
    const group = this.byGroup.get(groupName);
    if (!group) return [];
    const out: StoredReadings[] = [];
    for (const [id, m] of group) {
      if (m.sentAt < sinceMs - this.keptMs) group.delete(id);
      else if (m.sentAt >= sinceMs) out.push(m);
    }
    return out.sort((a, b) => a.sentAt - b.sentAt);
  }
}
