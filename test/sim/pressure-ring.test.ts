import { PRESSURE_RESOURCES, PressureResource, WorkerPressure } from '../../core/stragglers';
import { PressureReading, PressureRing } from '../../sim/pressure-ring';
import { Rng } from '../../sim/rng';

/** The window placed reading by reading, as the simulator's pressure port built it before the ring. */
function naiveWindow(history: readonly PressureReading[], first: number, minutes: number, visibleUntil: number): WorkerPressure {
  const series = Object.fromEntries([...PRESSURE_RESOURCES, 'load'].map((k) => [k, new Array<number | null>(minutes).fill(null)])) as Record<PressureResource | 'load', (number | null)[]>;
  for (const r of history) {
    const m = Math.round((r.t - first) / 60);
    if (m < 0 || m >= minutes || r.t + 60 > visibleUntil) continue;
    for (const k of PRESSURE_RESOURCES) series[k][m] = r.values[k];
    series.load[m] = r.runningTasks;
  }
  return series;
}

/** A window as plain arrays, NaN (the ring's "no reading") as null: what naiveWindow builds. */
function plain(w: WorkerPressure): Record<string, (number | null)[]> {
  return Object.fromEntries(Object.entries(w).map(([k, series]) => [k, Array.from(series, (v) => (Number.isNaN(v) ? null : v))]));
}

function reading(t: number, rng: Rng): PressureReading {
  return { t, values: Object.fromEntries(PRESSURE_RESOURCES.map((k) => [k, 100 * rng.next()])) as Record<PressureResource, number>, runningTasks: 5 * rng.next() };
}

describe('PressureRing', () => {
  test.each([
    ['one reading a minute', 0],
    ['minutes with no reading', 0.2],
  ])('reads the same window as placing each reading (%s)', (_name, missingShare) => {
    const rng = new Rng(7);
    const minutes = 60;
    const history: PressureReading[] = [];
    const ring = new PressureRing(minutes);
    for (let now = 600; now < 600 + 300 * 60; now += 60) {
      if (rng.next() >= missingShare) history.push(reading(now - 60, rng));
      // The simulator keeps the window and a little more.
      if (history.length > minutes + 3) history.splice(0, history.length - minutes - 3);
      ring.follow(history);
      for (const delay of [0, 60, 120]) {
        const first = now - minutes * 60;
        expect(plain(ring.window(first, minutes, now - delay))).toEqual(naiveWindow(history, first, minutes, now - delay));
      }
    }
  });

  test.each([
    ['no metric delay', 0, 0],
    ['a minute of delay, a minute kept empty ahead', 60, 1],
    ['two minutes of delay, one kept empty ahead', 120, 1],
    ['a minute of delay, none kept empty ahead', 60, 0],
  ])('taking readings as they are published reads the same window (%s)', (_name, delay, lead) => {
    const rng = new Rng(5);
    const minutes = 60;
    const history: PressureReading[] = [];
    const ring = new PressureRing(minutes, lead);
    for (let now = 600; now < 600 + 300 * 60; now += 60) {
      if (rng.next() >= 0.1) history.push(reading(now - 60, rng));
      if (history.length > minutes + 3) history.splice(0, history.length - minutes - 3);
      ring.follow(history, now - delay);
      const first = now - minutes * 60;
      expect(plain(ring.window(first, minutes, now - delay))).toEqual(naiveWindow(history, first, minutes, now - delay));
    }
  });

  test('a window before the first reading, or longer than the ring, is missing (NaN) where nothing is held', () => {
    const rng = new Rng(3);
    const ring = new PressureRing(10);
    const history = [reading(6000, rng), reading(6060, rng)];
    ring.follow(history);
    expect(plain(ring.window(0, 10, 1e9)).cpuSteal).toEqual(new Array(10).fill(null));
    const long = plain(ring.window(6060 - 14 * 60, 15, 1e9));
    expect(long.cpuSteal).toEqual([...new Array(13).fill(null), history[0].values.cpuSteal, history[1].values.cpuSteal]);
    expect(long.load).toEqual([...new Array(13).fill(null), history[0].runningTasks, history[1].runningTasks]);
  });
});
