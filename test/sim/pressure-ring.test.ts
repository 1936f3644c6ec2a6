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
        expect(ring.window(first, minutes, now - delay)).toEqual(naiveWindow(history, first, minutes, now - delay));
      }
    }
  });

  test('a window before the first reading, or longer than the ring, is null where nothing is held', () => {
    const rng = new Rng(3);
    const ring = new PressureRing(10);
    const history = [reading(6000, rng), reading(6060, rng)];
    ring.follow(history);
    expect(ring.window(0, 10, 1e9).cpuSteal).toEqual(new Array(10).fill(null));
    const long = ring.window(6060 - 14 * 60, 15, 1e9);
    expect(long.cpuSteal).toEqual([...new Array(13).fill(null), history[0].values.cpuSteal, history[1].values.cpuSteal]);
    expect(long.load).toEqual([...new Array(13).fill(null), history[0].runningTasks, history[1].runningTasks]);
  });
});
