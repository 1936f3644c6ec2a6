import { DurationHistory, MAX_FLEET_DURATIONS, MAX_SIGNATURES, MAX_SIGNATURE_DURATIONS, MIN_SAMPLES, PRIOR_MIN_SECONDS, priorRemaining } from '../../core/remaining-time';

/** 1..n seconds × scale, recorded in a shuffled order so sortedness is the class's own work. */
function historyOf(durations: number[], signature?: string, into = new DurationHistory()): DurationHistory {
  const order = [...durations].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101));
  for (const d of order) into.record(d, signature);
  return into;
}

test('the remaining time is a quantile of how much longer the queries that ran longer went on', () => {
  // 100 queries of 1..100 minutes. One 30 minutes in is compared with the 70 of 31..100 minutes: their
  // remaining 1..70 minutes; the nearest-rank 90th percentile is the 63rd, 63 minutes.
  const h = historyOf(Array.from({ length: 100 }, (_, i) => (i + 1) * 60));
  expect(h.predict(30 * 60, 0.9)).toEqual({ seconds: 63 * 60, basis: 'fleet' });
  // The median of the same 70: the 35th, 35 minutes.
  expect(h.predict(30 * 60, 0.5).seconds).toBe(35 * 60);
  // A fresh query is compared with all 100: the 90th is 90 minutes.
  expect(h.predict(0, 0.9).seconds).toBe(90 * 60);
});

test('a query that has run longer than nearly all its like falls back to the prior, which grows with its age', () => {
  const h = historyOf(Array.from({ length: 100 }, (_, i) => (i + 1) * 60));
  // 97 minutes in: only 3 ran longer, under MIN_SAMPLES.
  expect(MIN_SAMPLES).toBeGreaterThan(3);
  const p = h.predict(97 * 60, 0.9);
  expect(p.basis).toBe('prior');
  // Pareto of index 2: e·((1 − q)^−½ − 1) = e·(√10 − 1) at q = 0.9.
  expect(p.seconds).toBeCloseTo(97 * 60 * (Math.sqrt(10) - 1), 6);
  expect(priorRemaining(0, 0.9)).toBe(PRIOR_MIN_SECONDS);
  // The median: e·(√2 − 1).
  expect(priorRemaining(1000, 0.5)).toBeCloseTo(1000 * (Math.SQRT2 - 1), 6);
});

test("a signature with enough history predicts from its own runs; one without falls back to the fleet's", () => {
  // The fleet: mostly 10-second queries. The nightly job: always about 40 minutes.
  const h = historyOf(Array.from({ length: 200 }, (_, i) => 5 + (i % 10)));
  historyOf(Array.from({ length: 16 }, (_, i) => 2400 + i * 10), 'nightly', h);
  const own = h.predict(600, 0.9, 'nightly');
  expect(own.basis).toBe('signature');
  // Its 16 runs of 2400..2550 s, all above 600: the 15th is 2540, so 1940 s left.
  expect(own.seconds).toBe(1940);
  expect(h.predict(600, 0.9, 'never-seen').basis).toBe('fleet');
});

test('the history is bounded: oldest durations and least recently finished signatures go first', () => {
  const h = new DurationHistory();
  for (let i = 0; i < MAX_FLEET_DURATIONS + 500; i++) h.record(i);
  expect(h.size).toBe(MAX_FLEET_DURATIONS);
  // The 500 oldest (0..499) are gone: a fresh query's lowest possible answer is now 500 s.
  expect(h.predict(0, 0).seconds).toBe(500);
  for (let s = 0; s < MAX_SIGNATURES + 10; s++) for (let i = 0; i < MAX_SIGNATURE_DURATIONS + 3; i++) h.record(100 + i, `sig-${s}`);
  const stored = h.toJSON();
  expect(Object.keys(stored.sig)).toHaveLength(MAX_SIGNATURES);
  expect(stored.sig['sig-0']).toBeUndefined();
  expect(stored.sig[`sig-${MAX_SIGNATURES + 9}`]).toHaveLength(MAX_SIGNATURE_DURATIONS);
});

test('stored history reads back to the same predictions; malformed data is dropped, never guessed at', () => {
  const h = historyOf(Array.from({ length: 50 }, (_, i) => (i + 1) * 30));
  historyOf(Array.from({ length: 12 }, (_, i) => 1000 + i), 'a', h);
  h.record(5, 'short');
  const back = DurationHistory.fromJSON(JSON.parse(JSON.stringify(h.toJSON())));
  for (const e of [0, 100, 700]) {
    expect(back.predict(e, 0.9)).toEqual(h.predict(e, 0.9));
    expect(back.predict(e, 0.9, 'a')).toEqual(h.predict(e, 0.9, 'a'));
  }
  expect(DurationHistory.fromJSON(null).size).toBe(0);
  expect(DurationHistory.fromJSON({ v: 2, all: [1, 2, 3] }).size).toBe(0);
  // A short query is not kept by signature: the drain never waits on it.
  expect(Object.keys(h.toJSON().sig)).toEqual(['a']);
  const odd = DurationHistory.fromJSON({ v: 1, all: [1, 'x', -3, Infinity, 2], sig: { ok: [500], short: [5], bad: 'no', ['x'.repeat(200)]: [1] } });
  expect(odd.size).toBe(2);
  expect(Object.keys(odd.toJSON().sig)).toEqual(['ok']);
});

test('non-finite and negative durations are not recorded', () => {
  const h = new DurationHistory();
  h.record(NaN);
  h.record(-1);
  h.record(Infinity);
  expect(h.size).toBe(0);
});
