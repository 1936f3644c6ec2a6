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
 * - after a scale-in, capacity does not rise through the flap window: no scale-out within it (that would
 *   be a flap, `FLAP_WINDOW_SECONDS`). A second scale-in may follow a minute later: the low alarm stays in
 *   ALARM and its Auto Scaling action repeats every minute (CloudWatch user guide, "Alarm actions"), and
 *   the window starts again from it;
 * - a scale-out may happen in any minute.
 *
 * Policies queue, lag and guess, so they spend more; one that lets queries queue can spend less. The gap
 * between the floor and the oracle is what target tracking's cadence costs any policy, and the gap above
 * the floor is the policy's own.
 */
import { FLAP_WINDOW_SECONDS } from './fleet-sim';
import { Query } from './trace';

/** Minutes from a scale-in to the first minute capacity may rise again: the minute it happens and the flap window after it. */
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
 * The cheapest plan's instance-minutes for these needs, a scale-in followed by `holdMinutes` − 1 minutes
 * in which capacity may not rise (minimum 1: no hold). Dynamic programming over (minute, capacity,
 * minutes since the last scale-in), O(minutes × capacity × hold): `free[c]` is the least cost of the
 * minutes so far ending at capacity c and free to scale out next minute; `locked[k][c]`, ending at c with
 * the last scale-in k minutes back (k < hold − 1), which may hold or scale in again but not scale out.
 * A further scale-in inside the window starts it again, as a scale-out within the window of any
 * scale-in is a flap. Plans the trace ends inside count as they stand.
 */
export function floorInstanceMinutes(needs: Int32Array, holdMinutes: number = FLOOR_HOLD_MINUTES): number {
  const minutes = needs.length;
  if (minutes === 0) return 0;
  const lockStates = Math.max(1, Math.floor(holdMinutes)) - 1;
  let top = 0;
  for (const n of needs) top = Math.max(top, n);
  const levels = top + 1;
  const fresh = () => new Float64Array(levels).fill(Infinity);
  // Two sets of rows, this minute's and the next, swapped each minute rather than allocated.
  let free = fresh();
  let nextFree = fresh();
  // locked[k]: the last scale-in k minutes back.
  let locked: Float64Array[] = Array.from({ length: lockStates }, fresh);
  let nextLocked: Float64Array[] = Array.from({ length: lockStates }, fresh);
  for (let c = needs[0]; c < levels; c++) free[c] = c;
  const below = new Float64Array(levels);
  for (let m = 1; m < minutes; m++) {
    const need = needs[m];
    // Least cost over every state at a capacity above c: where a scale-in to c comes from.
    let most = Infinity;
    for (let c = levels - 1; c >= 0; c--) {
      below[c] = most;
      let here = free[c];
      for (const row of locked) if (row[c] < here) here = row[c];
      if (here < most) most = here;
    }
    nextFree.fill(Infinity);
    for (const row of nextLocked) row.fill(Infinity);
    // Free: hold, or scale out, from a free state.
    let upTo = Infinity;
    for (let c = 0; c < levels; c++) {
      if (free[c] < upTo) upTo = free[c];
      if (c >= need) nextFree[c] = upTo + c;
    }
    // A locked state holds one more minute; the last one comes free.
    for (let k = 0; k < lockStates; k++) {
      const into = k + 1 < lockStates ? nextLocked[k + 1] : nextFree;
      const row = locked[k];
      for (let c = need; c < levels; c++) if (row[c] + c < into[c]) into[c] = row[c] + c;
    }
    // A scale-in from any state starts the window (or, with no window, leaves the plan free).
    const landing = lockStates > 0 ? nextLocked[0] : nextFree;
    for (let c = need; c < levels; c++) if (below[c] + c < landing[c]) landing[c] = below[c] + c;
    [free, nextFree] = [nextFree, free];
    [locked, nextLocked] = [nextLocked, locked];
  }
  let best = Infinity;
  for (let c = 0; c < levels; c++) {
    best = Math.min(best, free[c]);
    for (const row of locked) best = Math.min(best, row[c]);
  }
  return best;
}

/** The floor for a trace, in instance-hours, on the oracle's terms. */
export function trackingFloor(queries: readonly Query[], slotsPerInstance: number, targetPercent: number, minCapacity: number, maxCapacity: number): number {
  return floorInstanceMinutes(minuteNeeds(queries, slotsPerInstance, targetPercent, minCapacity, maxCapacity)) / 60;
}
