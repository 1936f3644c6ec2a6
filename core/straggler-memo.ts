/**
 * What the straggler detector (core/stragglers.ts) keeps between runs over the same fleet: each minute's
 * peer model, and each worker's filter state as of its last judged minute.
 */
import { PRESSURE_RESOURCES, StragglerSettings } from './straggler-settings';
import { PeerModel, peerModel } from './straggler-peers';

/**
 * State kept between runs by a caller that judges the same fleet every minute (a warm function, the
 * simulator). A minute's peer model depends only on that minute's readings, so each is fitted once; and a
 * worker's belief carries on from its last judged minute, so each run filters only the new minutes
 * instead of the whole window (the window is what a cold start filters). Pass the same memo with
 * `newestMinuteAt` set to the window's newest minute.
 */
export interface PeerModelMemo {
  /** When the window's newest minute began (ms): names each minute across calls. */
  newestMinuteAt: number;
  readonly models: Map<string, PeerModel | undefined>;
  /**
   * The beliefs of workers the last run did not read, kept until they are read again or leave the window:
   * per worker, BELIEF_FIELDS numbers per resource (PRESSURE_RESOURCES order, `Belief`'s fields).
   */
  readonly beliefs: Map<string, Float64Array>;
  /** The last call's worker ids, as read and as sorted. */
  ids?: { readonly keys: readonly string[]; readonly sorted: readonly string[] };
  /** Minutes back from the window's end the last run filtered: how far the next copies from the windows. */
  span?: number;
  /** The beliefs of the last run's workers, in its sorted order (`beliefsOf`). */
  held?: { readonly ids: readonly string[]; readonly state: Float64Array };
}

/**
 * A belief's numbers: when its minute began (ms; NaN: no belief), the posterior, the run, the value and
 * what was expected. For a fleet of n workers they are held at `((r × BELIEF_FIELDS) + field) × n + k`
 * (resource r, worker k), so the detector reads each field of each resource over the fleet in one sweep.
 */
export const Belief = { At: 0, Posterior: 1, Run: 2, Value: 3, Expected: 4 } as const;
export const BELIEF_FIELDS = 5;
const PER_WORKER = PRESSURE_RESOURCES.length * BELIEF_FIELDS;

/**
 * The beliefs of `ids` (sorted, as the detector judges them), laid out for the fleet. The same ids as the
 * last run (the same array: sortedIds keeps it) are the same state; otherwise each worker's beliefs move
 * to its new place, a worker no longer read parks its own, and a returning one takes them back.
 */
export function beliefsOf(memo: PeerModelMemo, ids: readonly string[]): Float64Array {
  const last = memo.held;
  if (last && last.ids === ids) return last.state;
  const n = ids.length;
  const state = new Float64Array(PER_WORKER * n).fill(Number.NaN);
  const position = new Map<string, number>();
  for (let k = 0; k < n; k++) position.set(ids[k], k);
  const moved = new Uint8Array(n);
  if (last) {
    const m = last.ids.length;
    for (let j = 0; j < m; j++) {
      const k = position.get(last.ids[j]);
      if (k !== undefined) {
        for (let x = 0; x < PER_WORKER; x++) state[x * n + k] = last.state[x * m + j];
        moved[k] = 1;
        continue;
      }
      const parked = new Float64Array(PER_WORKER);
      let any = false;
      for (let x = 0; x < PER_WORKER; x++) parked[x] = last.state[x * m + j];
      for (let r = 0; r < PRESSURE_RESOURCES.length; r++) any ||= !Number.isNaN(parked[r * BELIEF_FIELDS + Belief.At]);
      if (any) memo.beliefs.set(last.ids[j], parked);
    }
  }
  for (let k = 0; k < n; k++) {
    const parked = moved[k] ? undefined : memo.beliefs.get(ids[k]);
    if (!parked) continue;
    for (let x = 0; x < PER_WORKER; x++) state[x * n + k] = parked[x];
    memo.beliefs.delete(ids[k]);
  }
  memo.held = { ids, state };
  return state;
}

/** Drops what has left the window: peer models, and beliefs (a parked worker's with its last). */
export function trimMemo(memo: PeerModelMemo, windowMinutes: number): void {
  const oldest = memo.newestMinuteAt - windowMinutes * 60_000;
  for (const [id, beliefs] of memo.beliefs) {
    let kept = false;
    for (let at = Belief.At; at < beliefs.length; at += BELIEF_FIELDS) {
      if (beliefs[at] < oldest) beliefs[at] = Number.NaN;
      kept ||= !Number.isNaN(beliefs[at]);
    }
    if (!kept) memo.beliefs.delete(id);
  }
  if (memo.held) {
    const { ids, state } = memo.held;
    const n = ids.length;
    for (let r = 0; r < PRESSURE_RESOURCES.length; r++) {
      const from = (r * BELIEF_FIELDS + Belief.At) * n;
      for (let x = from; x < from + n; x++) if (state[x] < oldest) state[x] = Number.NaN;
    }
  }
  if (memo.models.size > 50 * windowMinutes * PRESSURE_RESOURCES.length) memo.models.clear();
}

/**
 * The minute's peer model from the memo, or fitted and kept. A minute is named by its start and a
 * fingerprint of its readings (how many, and a weighted sum the caller takes as it reads them): the same
 * minute read with another set of workers refits.
 */
export function memoizedModel(
  memo: PeerModelMemo,
  resource: string,
  minuteAt: number,
  readings: number,
  fingerprint: number,
  values: Float64Array,
  loads: Float64Array,
  from: number,
  n: number,
  s: StragglerSettings,
): PeerModel | undefined {
  const key = `${resource}|${minuteAt}|${readings}|${fingerprint}`;
  if (memo.models.has(key)) return memo.models.get(key);
  const model = peerModel(values, loads, from, n, s);
  memo.models.set(key, model);
  return model;
}
