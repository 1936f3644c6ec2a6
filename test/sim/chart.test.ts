import { formatTick, niceStep, niceTicks, timeAxis } from '../../sim/chart';

test.each([
  [0, 114, 5, [0, 20, 40, 60, 80, 100, 120]],
  [0, 1.1, 4, [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2]],
  [0, 286, 5, [0, 50, 100, 150, 200, 250, 300]],
  [0, 0.3, 3, [0, 0.1, 0.2, 0.3]],
  [12, 47, 4, [10, 20, 30, 40, 50]],
])('niceTicks(%p, %p, %p): round steps that cover the range', (lo, hi, count, expected) => {
  expect(niceTicks(lo, hi, count)).toEqual(expected);
});

test('a step is 1, 2 or 5 times a power of ten', () => {
  for (const span of [0.07, 3, 17, 114, 2743, 1e6]) {
    const step = niceStep(span, 5);
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    expect([1, 2, 5]).toContainEqual(Number(mantissa.toFixed(6)));
  }
  expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
  expect(formatTick(1500, 500)).toBe('1,500');
});

test('a time axis over elapsed time ticks at whole hours and reads as elapsed time', () => {
  const axis = timeAxis(0, 86_400, undefined, 4);
  expect(axis.ticks).toEqual([0, 21_600, 43_200, 64_800, 86_400]);
  expect(axis.ticks.map(axis.format)).toEqual(['0', '6h', '12h', '18h', '1d']);
});

test('a timestamped trace gets dates: ticks on whole UTC hours, the day named at midnight and on the first tick', () => {
  // The trace starts at 21:30 UTC: the first tick is the next whole 6 hours in UTC, not 6 h after the start.
  const origin = new Date('2024-03-11T21:30:00Z');
  const axis = timeAxis(0, 30 * 3600, origin);
  const labels = axis.ticks.map(axis.format);
  expect(labels).toEqual(['Mar 12', '06:00', '12:00', '18:00', 'Mar 13']);
  expect(axis.ticks[0]).toBe(2.5 * 3600);
  const late = timeAxis(0, 20 * 3600, new Date('2024-03-12T01:00:00Z'));
  expect(late.ticks.map(late.format)[0]).toBe('Mar 12 03:00');
});
