/**
 * Workload generators of the benches' own, beside sim/trace.ts's diurnal, bursty and spikes shapes:
 * fleets where long queries come and go, and hourly ETL batches. bench/scale-in.ts and
 * bench/timeout-holdout.ts draw traces from them; the same seed gives the same trace.
 */
import { Rng } from '../sim/rng';
import { Query } from '../sim/trace';

/** Short interactive queries on a diurnal curve, and long ones arriving now and then: long queries come and go. */
export function comeAndGo(seed: number, days: number, longEveryS: number, longMedianS: number): Query[] {
  const rng = new Rng(seed);
  const out: Query[] = [];
  const end = days * 86400;
  for (let t = rng.exponential(1 / 0.5); t < end; t += rng.exponential(1 / 0.5)) {
    const hour = (t % 86400) / 3600;
    const daily = 0.2 + 0.8 * 0.5 * (1 + Math.cos(((hour - 15) / 24) * 2 * Math.PI));
    if (rng.next() > daily) continue;
    const k = rng.next();
    out.push({ arrival: t, duration: Math.max(0.5, k < 0.9 ? rng.lognormal(6, 0.9) : rng.lognormal(60, 0.8)), slots: k < 0.9 ? 1 : 2 });
  }
  for (let t = rng.exponential(longEveryS); t < end; t += rng.exponential(longEveryS)) {
    out.push({ arrival: t, duration: Math.min(6 * 3600, rng.lognormal(longMedianS, 0.7)), slots: 4 });
  }
  return out.sort((a, b) => a.arrival - b.arrival);
}

/** ETL: a batch of heavy queries at the top of each hour (5–40 min), interactive load beside. */
export function hourlyEtl(seed: number, days: number): Query[] {
  const rng = new Rng(seed);
  const out: Query[] = [];
  const end = days * 86400;
  for (let t = rng.exponential(2); t < end; t += rng.exponential(2)) out.push({ arrival: t, duration: Math.max(0.5, rng.lognormal(10, 1)), slots: 1 });
  for (let h = 0; h * 3600 < end; h++) {
    const n = 2 + rng.int(4);
    for (let j = 0; j < n; j++) out.push({ arrival: h * 3600 + rng.next() * 120, duration: 300 + rng.next() * 2100, slots: 8 });
  }
  return out.sort((a, b) => a.arrival - b.arrival);
}
