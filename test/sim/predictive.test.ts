/** The predictive scaling model (sim/predictive.ts): AWS's documented rules, with a seasonal-mean forecast. */
import { DEFAULT_SIM_OPTIONS, simulate } from '../../sim/fleet-sim';
import { HourlyForecast, MIN_HISTORY_SECONDS } from '../../sim/predictive';
import { generateTrace } from '../../sim/trace';

const H = 3600;
/** A forecast fed `busy(hour)` busy instances every minute for `hours` hours, at a 40% target. */
function fed(hours: number, busy: (h: number) => number): HourlyForecast {
  const f = new HourlyForecast(40);
  for (let t = 60; t <= hours * H; t += 60) f.record(t, busy(Math.floor((t - 1) / H)));
  return f;
}

test('no forecast before 24 hours of the load metric', () => {
  const f = fed(23, () => 4);
  expect(f.capacityForHour(47)).toBeUndefined();
  expect(f.floorAt(23 * H, 1, 100)).toBeUndefined();
  expect(MIN_HISTORY_SECONDS).toBe(24 * H);
});

test("an hour's forecast capacity is the same hour's mean load on the days recorded, divided by the target", () => {
  // 4 busy instances at 40% CPU need 10; hour 5 of day one had 6 (15), of day two 10 (25): mean 20.
  const f = fed(48, (h) => (h === 5 ? 6 : h === 29 ? 10 : 4));
  expect(f.capacityForHour(30)).toBe(10);
  expect(f.capacityForHour(53)).toBe(20);
  // Hour 29 itself had only day one behind it.
  expect(f.capacityForHour(29)).toBe(15);
});

test("the floor: the hour's forecast, and the next hour's from 5 minutes before it; within the group's limits", () => {
  const f = fed(24, (h) => (h === 1 ? 8 : 2));
  // Hour 24 is forecast 5 (2 busy), hour 25 20 (8 busy): at 24:54 the floor is 5, at 24:56 it is 20.
  expect(f.floorAt(24 * H + 54 * 60, 1, 100)).toBe(5);
  expect(f.floorAt(24 * H + 56 * 60, 1, 100)).toBe(20);
  expect(f.floorAt(24 * H + 56 * 60, 1, 12)).toBe(12);
  expect(f.floorAt(24 * H + 54 * 60, 7, 100)).toBe(7);
});

test('in the simulator: day one, before any forecast, is unchanged; on day two the quietest minutes keep more capacity', async () => {
  const queries = generateTrace({ days: 2, peakRate: 0.3, troughShare: 0.15, seed: 4, shape: 'diurnal' });
  const o = { ...DEFAULT_SIM_OPTIONS, policy: 'graceful-cpu' as const, timelineStepSeconds: 60 };
  const [plain, predicted] = await Promise.all([simulate(queries, o), simulate(queries, { ...o, predictiveScaling: true })]);
  // Until the first forecast (24 hours of load, then the next hour's 5 minutes ahead) the runs are the same.
  const dayOne = plain.timeline.filter((p) => p.t <= 24 * H);
  expect(predicted.timeline.filter((p) => p.t <= 24 * H - 600)).toEqual(dayOne.filter((p) => p.t <= 24 * H - 600));
  // On day two the group holds more capacity at its quietest minutes, never less at its busiest.
  const minDesired = (r: typeof plain, from: number) => Math.min(...r.timeline.filter((p) => p.t > from).map((p) => p.desired));
  expect(minDesired(predicted, 25 * H)).toBeGreaterThan(minDesired(plain, 25 * H));
});
