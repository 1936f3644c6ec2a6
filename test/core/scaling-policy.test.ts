import { BusyMinute, DEFAULT_SCALING_POLICY, FleetSignals, ScalingPolicySettings, decideScaling, projectedBusy } from '../../core/scaling-policy';

// The formulas' numbers, pinned here so a change of default tunes the product, not these tests.
const settings: ScalingPolicySettings = { ...DEFAULT_SCALING_POLICY, targetBacklogSeconds: 60, toleratedBacklogSeconds: 10, targetCpuPercent: 40 };
const steady: FleetSignals = { capacity: 10, minCapacity: 2, maxCapacity: 50, queued: 0, running: 30, finishedPerMinute: 120, backlogGrowthPerMinute: 0, cpuPercent: 40, busyInstances: [{ minutesAgo: 1, busy: 0 }], launching: 0, warm: 10 };
/** Load over the last minutes, oldest first, one a minute. */
const load = (...busy: number[]): BusyMinute[] => busy.map((b, i) => ({ minutesAgo: busy.length - i, busy: b }));
const decide = (s: Partial<FleetSignals>, p: Partial<ScalingPolicySettings> = {}) => decideScaling({ ...steady, ...s }, { ...settings, ...p });

test('a fleet at its CPU target with no backlog holds: ratio 1', () => {
  expect(decide({})).toMatchObject({ rule: 'hold', needed: 10, ratio: 1, backlogSeconds: 0 });
});

test("catch-up (Dataflow): a backlog of B seconds adds M·B/R instances to clear it in R", () => {
  // 120 finished a minute = 2/s; 60 queued = 30 s of backlog; R = 60 s: 10 + 10·30/60 = 15.
  expect(decide({ queued: 60 })).toMatchObject({ rule: 'backlog', needed: 15, ratio: 1.5, backlogSeconds: 30 });
});

test('keep-up (Dataflow): a growing backlog needs M·(T+G)/T, and the larger of the two answers wins', () => {
  // Growth 60/min on throughput 120/min: keep-up 15; 24 queued = 12 s: catch-up 12 -> keep-up wins
  // (the backlog must be past the tolerated 10 s for either rule: 24 queued = 12 s).
  expect(decide({ queued: 24, backlogGrowthPerMinute: 60 })).toMatchObject({ rule: 'backlog', needed: 15 });
  // Both: growth 24/min -> keep-up 12; backlog 120 s -> catch-up 30: catch-up wins.
  expect(decide({ queued: 240, backlogGrowthPerMinute: 24 })).toMatchObject({ rule: 'backlog', needed: 30 });
});

test('queued work with nothing finishing adds one instance at a time instead of dividing by zero', () => {
  expect(decide({ queued: 5, finishedPerMinute: 0 })).toMatchObject({ rule: 'stalled', needed: 11, backlogSeconds: Infinity });
});

test('backpressure (Heron): at the maximum with a backlog the rule says so; capacity stays at the maximum', () => {
  expect(decide({ capacity: 50, queued: 600 })).toMatchObject({ rule: 'capacity-ceiling', needed: 50, ratio: 1 });
  expect(decide({ capacity: 50, queued: 5, finishedPerMinute: 0 })).toMatchObject({ rule: 'capacity-ceiling', needed: 50 });
  // Below the maximum, a need beyond it is still a scale-out, to the maximum.
  expect(decide({ capacity: 40, warm: 40, queued: 6000 })).toMatchObject({ rule: 'backlog', needed: 50, ratio: 1.25 });
});

test('safe downscale (Dataflow): low backlog, no growth and CPU below target project CPU back to the target', () => {
  // CPU 20% on 10 instances carries on 5 at 40%.
  expect(decide({ cpuPercent: 20 })).toMatchObject({ rule: 'scale-in', needed: 5, ratio: 0.5 });
  // Rounded up: 10·25/40 = 6.25 -> 7, never above the target.
  expect(decide({ cpuPercent: 25 })).toMatchObject({ rule: 'scale-in', needed: 7 });
  // Never below the minimum.
  expect(decide({ cpuPercent: 1 })).toMatchObject({ rule: 'scale-in', needed: 2 });
});

test('no scale-in while the backlog grows, takes too long to clear, or CPU is unknown', () => {
  expect(decide({ cpuPercent: 20, queued: 15, backlogGrowthPerMinute: 10 })).toMatchObject({ rule: 'hold', ratio: 1 });
  // 30 queued at 2/s is 15 s of backlog, over the tolerated 10 s: no scale-in, and a scale-out instead.
  expect(decide({ cpuPercent: 20, queued: 30 })).toMatchObject({ rule: 'backlog', needed: 13 });
  expect(decide({ cpuPercent: undefined, running: 3 })).toMatchObject({ rule: 'hold' });
});

test('a backlog within the tolerated seconds is noise: no instance for one query waiting half a second', () => {
  expect(decide({ queued: 1 })).toMatchObject({ rule: 'hold', needed: 10 });
  // ... and it does not block a scale-in either.
  expect(decide({ queued: 10, cpuPercent: 20 })).toMatchObject({ rule: 'scale-in', needed: 5 });
});

test('Sage: no scale-in while a launch is in flight; a backlog still scales out, for what is still missing', () => {
  expect(decide({ launching: 2, cpuPercent: 5 })).toMatchObject({ rule: 'action-in-flight', needed: 10, ratio: 1 });
  // 7 serving produced T: catch-up asks 7 + 7·30/60 = 10.5 -> 11 of the 10 already launching or serving.
  expect(decide({ launching: 3, queued: 60 })).toMatchObject({ rule: 'backlog', needed: 11 });
});

test('scale-in sizes for the busiest minute of the lookback, as load, not as utilization', () => {
  // Now 20% of 10 = 2 instances busy, but 3.6 were busy a few minutes ago: keep ceil(3.6/0.4) = 9.
  expect(decide({ cpuPercent: 20, busyInstances: load(2, 3.6, 2) })).toMatchObject({ rule: 'scale-in', needed: 9 });
  // A peak from before a scale-out counts at its true size: 2 busy then is 2 busy now, whatever the CPU read.
  expect(decide({ cpuPercent: 20, busyInstances: load(2) })).toMatchObject({ rule: 'scale-in', needed: 5 });
  // No load history: no scale-in.
  expect(decide({ cpuPercent: 20, busyInstances: [] })).toMatchObject({ rule: 'hold', ratio: 1 });
});

test('scale-in sizes for a rising load where it will be over the horizon, not where it peaked so far', () => {
  // 10 instances, 20% busy now, the load rising half an instance a minute: 0.5, 1, 1.5, 2. Its peak alone
  // (2 busy) would scale in to 5, at 40% now and over it within minutes. Carried 15 minutes on, the trend
  // reaches 9.5 busy: more than the fleet carries at 40%, so no scale-in at all.
  const rising = load(0.5, 1, 1.5, 2);
  expect(decide({ cpuPercent: 20, busyInstances: rising }, { scaleInHorizonMinutes: 0 })).toMatchObject({ rule: 'scale-in', needed: 5 });
  expect(decide({ cpuPercent: 20, busyInstances: rising }, { scaleInHorizonMinutes: 15 })).toMatchObject({ rule: 'hold', ratio: 1 });
  // A gentler rise, 0.05 a minute from 1.85 to 2: 2 + 15·0.05 = 2.75 busy -> ceil(2.75/0.4) = 7 instead of 5.
  expect(decide({ cpuPercent: 20, busyInstances: load(1.85, 1.9, 1.95, 2) })).toMatchObject({ rule: 'scale-in', needed: 7 });
  // A falling load never sizes below its peak: the trend only ever adds.
  expect(decide({ cpuPercent: 10, busyInstances: load(3.6, 3, 2, 1) })).toMatchObject({ rule: 'scale-in', needed: 9 });
});

test('the projected load: peak, least-squares trend over the horizon, gaps in the minutes, too short a history', () => {
  expect(projectedBusy([], 15)).toBeUndefined();
  // Two minutes are too few for a trend: the peak.
  expect(projectedBusy(load(1, 2), 15)).toBe(2);
  // Exact line 1, 2, 3 (slope 1/minute) from 3 minutes ago to 1: at 1 + 15 minutes past the newest -> 18.
  expect(projectedBusy(load(1, 2, 3), 15)).toBeCloseTo(18, 9);
  // A minute CloudWatch lacks does not bend the line: minutes 4, 3 and 1 ago on the same slope.
  expect(projectedBusy([{ minutesAgo: 4, busy: 0 }, { minutesAgo: 3, busy: 1 }, { minutesAgo: 1, busy: 3 }], 15)).toBeCloseTo(18, 9);
  // Order does not matter, nor does a flat load (the peak).
  expect(projectedBusy([{ minutesAgo: 1, busy: 3 }, { minutesAgo: 3, busy: 1 }, { minutesAgo: 2, busy: 2 }], 5)).toBeCloseTo(8, 9);
  expect(projectedBusy(load(2, 2, 2, 2), 15)).toBe(2);
  // Horizon 0: the peak alone.
  expect(projectedBusy(load(1, 2, 3), 0)).toBe(3);
});

test('backlog growth blocks scale-in only when another minute of it would pass the tolerated backlog', () => {
  // 0 -> 1 queued at 2 finished/s: half a second. Noise.
  expect(decide({ cpuPercent: 20, queued: 1, backlogGrowthPerMinute: 1 })).toMatchObject({ rule: 'scale-in' });
  // 10 queued growing by 15 a minute: 12.5 s within the minute.
  expect(decide({ cpuPercent: 20, queued: 10, backlogGrowthPerMinute: 15 })).toMatchObject({ rule: 'hold' });
});

test('the ratio is unrounded, so that ceil(capacity × ratio) in target tracking lands on the whole instances needed', () => {
  // 10 · 25/40 = 6.25: published 0.625; ceil(10 · 0.625) = 7 = needed.
  const d = decide({ cpuPercent: 25 });
  expect(d.ratio).toBeCloseTo(0.625, 9);
  expect(Math.ceil(10 * d.ratio!)).toBe(d.needed);
});

test('no CPU datapoint and no work: no ratio, so target tracking sees missing data and does not act', () => {
  const d = decide({ cpuPercent: undefined, queued: 0, running: 0 });
  expect(d.rule).toBe('no-data');
  expect(d.ratio).toBeUndefined();
});

test('from zero instances, queued work asks for instances as a ratio target tracking can scale from', () => {
  expect(decide({ capacity: 0, minCapacity: 0, running: 0, queued: 3, finishedPerMinute: 0, cpuPercent: undefined })).toMatchObject({ rule: 'stalled', needed: 1, ratio: 1 });
});

test('every decision names its rule and carries its inputs', () => {
  const s = { ...steady, queued: 60 };
  const d = decideScaling(s, settings);
  expect(d.inputs).toBe(s);
  expect(typeof d.rule).toBe('string');
});

test('a scale-out while instances warm up is relative to the warm ones, the base Auto Scaling multiplies', () => {
  // 10 in service, 4 of them still warming: the backlog needs 15. Auto Scaling steps from the 6 warm
  // instances, so 15/6 = 2.5 lands on ceil(6 × 2.5) = 15; 15/10 = 1.5 would land on 9, below the 10 it has.
  const d = decide({ warm: 6, queued: 60 });
  expect(d).toMatchObject({ rule: 'backlog', needed: 15, ratio: 2.5 });
  expect(Math.ceil(6 * d.ratio!)).toBe(15);
  // Holding while instances warm publishes 1: ceil(6 × 1) is below the capacity already asked for, so nothing moves.
  expect(decide({ warm: 6 })).toMatchObject({ rule: 'hold', ratio: 1 });
});
