/**
 * The target-tracking floor: the fewest instance-hours a fleet can spend while it changes capacity only
 * the way target tracking can, and never flaps. It is the oracle's sibling, for judging a policy
 * against what its mechanism allows rather than against a fleet that resizes every second.
 *
 * The plan it finds sees the whole trace, launches at once and sizes to each minute exactly, under three
 * rules:
 * - every minute's average CPU is at or under the target: capacity ≥ ceil(the minute's mean concurrent
 *   slots ÷ (slots per instance × target)), within [min, max]. A one-minute average is what the CPU
 *   policy's alarms see (CloudWatch's `CPUUtilization` at a 60-second period);
 * - after a scale-in, capacity holds through the flap window: no scale-out within it (that would be a
 *   flap, `FLAP_WINDOW_SECONDS`) and no second scale-in (target tracking's low alarm needs 15 one-minute
 *   datapoints after an action, sim/target-tracking.ts);
 * - a scale-out may happen in any minute.
 *
 * Policies queue, lag and guess, so they spend more; one that lets queries queue can spend less. The gap
 * between the floor and the oracle is what target tracking's cadence costs any policy, and the gap above
 * the floor is the policy's own.
 */
import { FLAP_WINDOW_SECONDS } from './fleet-sim';
import { Query } from './trace';

/** Minutes a scale-in's capacity holds: the minute it happens and the flap window after it. */
export const FLOOR_HOLD_MINUTES = FLAP_WINDOW_SECONDS / 60 + 1;

/**
 * Each minute's need from the trace, minute 0 first: ceil(mean concurrent slots over the minute ÷
 * (slots × target/100)), within [min, max]. Queries run from arrival for their duration, as the oracle
 * takes them; the span is the oracle's, from 0 to the last query's end.
 */
export function minuteNeeds(queries: readonly Query[], slotsPerInstance: number, targetPercent: number, minCapacity: number, maxCapacity: number): Int32Array {
  let end = 0;
  for (const q of queries) end = Math.max(end, q.arrival + q.duration);
  const minutes = Math.ceil(end / 60);
  const slotSeconds = new Float64Array(minutes);
  for (const q of queries) {
    let from = q.arrival;
    const to = q.arrival + q.duration;
    while (from < to) {
      const minute = Math.floor(from / 60);
      const until = Math.min(to, (minute + 1) * 60);
      slotSeconds[minute] += (until - from) * q.slots;
      from = until;
    }
  }
  const perInstance = slotsPerInstance * (targetPercent / 100);
  const needs = new Int32Array(minutes);
  for (let m = 0; m < minutes; m++) {
    const exact = slotSeconds[m] / 60 / perInstance;
    needs[m] = Math.min(maxCapacity, Math.max(minCapacity, Math.ceil(Math.round(exact * 1e9) / 1e9)));
  }
  return needs;
}

/**
 * The cheapest plan's instance-minutes for these needs, a scale-in's capacity held `holdMinutes`
 * (minimum 1: no hold). Dynamic programming over (minute, capacity), O(minutes × capacity):
 * `free[m][c]` is the least cost of minutes 0..m ending at capacity c and free to change after m. A
 * free state is reached by holding or scaling out from the minute before, or by a scale-in `hold`
 * minutes back whose capacity covered every minute since. A scale-in the trace ends inside counts too.
 */
export function floorInstanceMinutes(needs: Int32Array, holdMinutes: number = FLOOR_HOLD_MINUTES): number {
  const minutes = needs.length;
  if (minutes === 0) return 0;
  const hold = Math.max(1, Math.floor(holdMinutes));
  let top = 0;
  for (const n of needs) top = Math.max(top, n);
  const levels = top + 1;
  // free[m] for the last `hold` + 1 minutes, in a ring.
  const ring: Float64Array[] = Array.from({ length: hold + 1 }, () => new Float64Array(levels).fill(Infinity));
  const at = (m: number) => ring[((m % (hold + 1)) + hold + 1) % (hold + 1)];
  // The most any minute in [m − k + 1, m] needs: a scale-in k minutes back must cover them all.
  const coverSince = (m: number, k: number) => {
    let most = 0;
    for (let i = m - k + 1; i <= m; i++) most = Math.max(most, needs[i]);
    return most;
  };
  // Least of free[m][c'] over c' > c, for each c: where a scale-in to c can come from.
  const aboveMin = (row: Float64Array) => {
    const out = new Float64Array(levels).fill(Infinity);
    for (let c = levels - 2; c >= 0; c--) out[c] = Math.min(out[c + 1], row[c + 1]);
    return out;
  };

  const first = at(0);
  first.fill(Infinity);
  for (let c = needs[0]; c < levels; c++) first[c] = c;
  for (let m = 1; m < minutes; m++) {
    const prev = at(m - 1);
    const before = m - hold >= 0 ? aboveMin(at(m - hold)) : undefined;
    const cover = m - hold >= 0 ? coverSince(m, hold) : Infinity;
    const row = at(m);
    let upTo = Infinity; // least of prev[c'] over c' ≤ c: hold, or scale out to c
    for (let c = 0; c < levels; c++) {
      upTo = Math.min(upTo, prev[c]);
      let best = c >= needs[m] ? upTo + c : Infinity;
      if (before && c >= cover) best = Math.min(best, before[c] + hold * c);
      row[c] = best;
    }
  }
  let best = Infinity;
  const last = at(minutes - 1);
  for (let c = 0; c < levels; c++) best = Math.min(best, last[c]);
  // A scale-in k < hold minutes before the end, still holding when the trace ends.
  for (let k = 1; k < hold && minutes - 1 - k >= 0; k++) {
    const before = aboveMin(at(minutes - 1 - k));
    const cover = coverSince(minutes - 1, k);
    for (let c = cover; c < levels; c++) best = Math.min(best, before[c] + k * c);
  }
  return best;
}

/** The floor for a trace, in instance-hours, on the oracle's terms. */
export function trackingFloor(queries: readonly Query[], slotsPerInstance: number, targetPercent: number, minCapacity: number, maxCapacity: number): number {
  return floorInstanceMinutes(minuteNeeds(queries, slotsPerInstance, targetPercent, minCapacity, maxCapacity)) / 60;
}
