/**
 * The oracle: the capacity a perfect autoscaler would hold, taken straight from the trace. At every
 * moment ceil(concurrent slots / (slots per instance × target)), never below min capacity, integrated
 * over the trace's span (queries run from arrival for their duration, as if never queued).
 */
import { Query } from './trace';

export interface OracleResult {
  readonly instanceHours: number;
  /** Most task slots in use at once. */
  readonly peakSlots: number;
  /** End of the last query, seconds. */
  readonly end: number;
}

export function oracle(queries: readonly Query[], slotsPerInstance: number, target: number, minCapacity: number): OracleResult {
  const changes: [number, number][] = [];
  let end = 0;
  for (const q of queries) {
    changes.push([q.arrival, q.slots], [q.arrival + q.duration, -q.slots]);
    end = Math.max(end, q.arrival + q.duration);
  }
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const perInstance = slotsPerInstance * (target / 100);
  let concurrent = 0;
  let peak = 0;
  let last = 0;
  let seconds = 0;
  for (const [t, d] of changes) {
    seconds += (t - last) * Math.max(minCapacity, Math.ceil(Math.round((concurrent / perInstance) * 1e9) / 1e9));
    concurrent += d;
    peak = Math.max(peak, concurrent);
    last = t;
  }
  return { instanceHours: seconds / 3600, peakSlots: peak, end };
}
