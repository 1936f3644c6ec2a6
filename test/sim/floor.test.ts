import { FLOOR_HOLD_MINUTES, floorInstanceMinutes, minuteNeeds, trackingFloor } from '../../sim/floor';
import { FLAP_WINDOW_SECONDS } from '../../sim/fleet-sim';
import { Rng } from '../../sim/rng';
import { TROUGH_SHARE, generateTrace } from '../../sim/trace';

const needs = (...runs: [number, number][]) => Int32Array.from(runs.flatMap(([need, minutes]) => Array<number>(minutes).fill(need)));

test("a minute's need is its mean concurrent slots at the target, rounded up, within [min, max]", () => {
  // 8 slots at 50%: 4 slots an instance. Minute 0: 4 slots for 30 s and 8 for 30 s, a mean of 6 → 2.
  // Minute 1: 8 slots for 30 s, then none, a mean of 4 → 1. Minute 2: idle → min 1.
  const q = [{ arrival: 0, duration: 90, slots: 4 }, { arrival: 30, duration: 60, slots: 4 }, { arrival: 179, duration: 1, slots: 1 }];
  expect(Array.from(minuteNeeds(q, 8, 50, 1, 10))).toEqual([2, 1, 1]);
  expect(Array.from(minuteNeeds(q, 8, 50, 3, 10))).toEqual([3, 3, 3]);
  expect(Array.from(minuteNeeds(q, 8, 25, 1, 2))).toEqual([2, 2, 1]);
});

test('after a scale-in capacity does not rise through the flap window, but may step down again at once', () => {
  expect(FLOOR_HOLD_MINUTES).toBe(FLAP_WINDOW_SECONDS / 60 + 1);
  // Flat: nothing to change.
  expect(floorInstanceMinutes(needs([3, 40]))).toBe(120);
  // One drop: scale in at once and stay.
  expect(floorInstanceMinutes(needs([5, 10], [2, 30]))).toBe(5 * 10 + 2 * 30);
  // A dip shorter than the hold: a scale-in there would have to scale out inside the window, so none.
  expect(floorInstanceMinutes(needs([5, 10], [2, 5], [5, 10]))).toBe(5 * 25);
  // The same dip with no hold (a fleet allowed to flap) follows it.
  expect(floorInstanceMinutes(needs([5, 10], [2, 5], [5, 10]), 1)).toBe(5 * 20 + 2 * 5);
  // Two steps down 5 minutes apart: the low alarm stays in ALARM, so the second scale-in follows the
  // first as soon as the need falls (6·10 + 4·5 + 2·30 = 140); the window only forbids rising again.
  expect(floorInstanceMinutes(needs([6, 10], [4, 5], [2, 30]))).toBe(140);
  // A step down, then a rise inside the window: the rise would be a flap, so the plan keeps 6 through
  // the dip (6·25 = 150), not 6·10 + 4·5 + 6·10 = 140.
  expect(floorInstanceMinutes(needs([6, 10], [4, 5], [6, 10]))).toBe(150);
  // A rise after the window is free: 4 from minute 10 to 29, then 6 (6·10 + 4·20 + 6·5 = 170).
  expect(floorInstanceMinutes(needs([6, 10], [4, 20], [6, 5]))).toBe(170);
  // A scale-in the trace ends inside still counts: 9 minutes of 4, then 3 minutes that need 1.
  expect(floorInstanceMinutes(needs([4, 9], [1, 3]))).toBe(4 * 9 + 1 * 3);
  expect(floorInstanceMinutes(new Int32Array(0))).toBe(0);
});

/**
 * Every capacity sequence within [1, top], checked against the rules (the floor's definition): after a
 * scale-in at minute s, no minute before s + hold may rise above the one before it.
 */
function bruteForce(need: Int32Array, hold: number, top: number): number {
  let best = Infinity;
  const plan = new Array<number>(need.length);
  const walk = (m: number, lockedUntil: number, cost: number) => {
    if (cost >= best) return;
    if (m === need.length) return void (best = cost);
    for (let c = need[m]; c <= top; c++) {
      if (m > 0 && m < lockedUntil && c > plan[m - 1]) continue;
      plan[m] = c;
      walk(m + 1, m > 0 && c < plan[m - 1] ? m + hold : lockedUntil, cost + c);
    }
  };
  walk(0, 0, 0);
  return best;
}

test('the dynamic programme finds the cheapest plan a brute-force search finds, on random needs', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 300; trial++) {
    const length = 1 + Math.floor(rng.next() * 9);
    const top = 1 + Math.floor(rng.next() * 4);
    const need = Int32Array.from({ length }, () => 1 + Math.floor(rng.next() * top));
    const hold = 1 + Math.floor(rng.next() * 4);
    expect([trial, floorInstanceMinutes(need, hold)]).toEqual([trial, bruteForce(need, hold, top)]);
  }
});

test("on a generated day it lies between the per-minute sum and a fleet held at the peak, and a longer hold never costs less", () => {
  const q = generateTrace({ days: 1, peakRate: 0.5, troughShare: TROUGH_SHARE.diurnal, seed: 3, shape: 'diurnal' });
  const n = minuteNeeds(q, 8, 40, 2, 500);
  const perMinute = n.reduce((s, x) => s + x, 0);
  const floor = floorInstanceMinutes(n);
  expect(floor).toBeGreaterThan(perMinute);
  expect(floor).toBeLessThan(Math.max(...n) * n.length);
  expect(floorInstanceMinutes(n, 1)).toBe(perMinute);
  // A longer hold never costs less.
  expect(floorInstanceMinutes(n, 30)).toBeGreaterThanOrEqual(floor);
  expect(trackingFloor(q, 8, 40, 2, 500)).toBeCloseTo(floor / 60, 9);
});
