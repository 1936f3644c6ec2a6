import { TargetTracker, proportionalCapacity } from '../../sim/target-tracking';

describe('proportional capacity, with AWS\'s rounding', () => {
  // Auto Scaling user guide, "Target tracking scaling policies": adding 1.5 instances rounds up to 2;
  // removing 1.5 instances removes just 1.
  test('1.5 instances to add: two are added', () => {
    // 10 instances at 46% against a 40% target want 11.5.
    expect(proportionalCapacity(10, 46, 40, 1, 100)).toBe(12);
  });
  test('1.5 instances to remove: one is removed', () => {
    // 10 instances at 34% against 40% want 8.5.
    expect(proportionalCapacity(10, 34, 40, 1, 100)).toBe(9);
  });
  test('exact proportions are kept exact, despite float noise', () => {
    expect(proportionalCapacity(10, 50, 40, 1, 100)).toBe(13); // 12.5 → 13
    expect(proportionalCapacity(4, 50, 50, 1, 100)).toBe(4);
    expect(proportionalCapacity(10, 48, 40, 1, 100)).toBe(12); // 10 × 1.2 = 12.000000000000002 in floats
  });
  test('clamped to min and max', () => {
    expect(proportionalCapacity(10, 400, 40, 1, 50)).toBe(50);
    expect(proportionalCapacity(10, 1, 40, 3, 50)).toBe(3);
  });
});

describe('the alarms', () => {
  const params = { target: 40, scaleOutPeriods: 3, scaleInPeriods: 15, scaleInThresholdRatio: 0.9 };

  test('scale-out after 3 consecutive breaching minutes, not 2', () => {
    const t = new TargetTracker(params);
    expect(t.observe(80, 10, 1, 100, false)).toBeUndefined();
    expect(t.observe(80, 10, 1, 100, false)).toBeUndefined();
    expect(t.observe(80, 10, 1, 100, false)).toBe(20);
  });

  test('a minute back at target breaks the streak', () => {
    const t = new TargetTracker(params);
    t.observe(80, 10, 1, 100, false);
    t.observe(80, 10, 1, 100, false);
    t.observe(40, 10, 1, 100, false);
    expect(t.observe(80, 10, 1, 100, false)).toBeUndefined();
  });

  test('scale-in only after 15 minutes below 90% of the target', () => {
    const t = new TargetTracker(params);
    for (let k = 0; k < 14; k++) expect(t.observe(20, 10, 1, 100, false)).toBeUndefined();
    expect(t.observe(20, 10, 1, 100, false)).toBe(5);
  });

  test('an alarm that stays in ALARM acts again the next minute: two scale-ins a minute apart', () => {
    // CloudWatch user guide, "Alarm actions": "Except for Auto Scaling actions, the actions happen only
    // on state transitions"; an Auto Scaling action repeats every period the alarm stays in ALARM. The
    // low alarm's 15 datapoints are not cleared by its own scale-in: if the next minute is still clearly
    // below the target at the new capacity, the policy scales in again.
    const t = new TargetTracker(params);
    for (let k = 0; k < 14; k++) t.observe(10, 20, 1, 100, false);
    expect(t.observe(10, 20, 1, 100, false)).toBe(5);
    // 20 → 5 at 10% would be 40% at the new size if the load were the same; here the fleet's load fell
    // further, so the 5 are at 20%: still clearly below, and the alarm is still in ALARM.
    expect(t.observe(20, 5, 1, 100, false)).toBe(3);
  });

  test('after a scale-in, a minute back near the target ends the ALARM: the next scale-in needs 15 fresh minutes', () => {
    const t = new TargetTracker(params);
    for (let k = 0; k < 15; k++) t.observe(10, 20, 1, 100, false);
    expect(t.observe(38, 5, 1, 100, false)).toBeUndefined();
    for (let k = 0; k < 14; k++) expect(t.observe(20, 5, 1, 100, false)).toBeUndefined();
    expect(t.observe(20, 5, 1, 100, false)).toBe(3);
  });

  test('just under the target is not "clearly below": no scale-in', () => {
    const t = new TargetTracker(params);
    for (let k = 0; k < 30; k++) expect(t.observe(37, 10, 1, 100, false)).toBeUndefined();
  });

  test('scale-in waits while instances warm up', () => {
    const t = new TargetTracker(params);
    for (let k = 0; k < 20; k++) expect(t.observe(10, 10, 1, 100, true)).toBeUndefined();
    expect(t.observe(10, 10, 1, 100, false)).toBe(3);
  });

  test('missing data (INSUFFICIENT_DATA) resets both streaks: no scaling on no data', () => {
    const t = new TargetTracker(params);
    t.observe(80, 10, 1, 100, false);
    t.observe(80, 10, 1, 100, false);
    expect(t.observe(undefined, 10, 1, 100, false)).toBeUndefined();
    expect(t.observe(80, 10, 1, 100, false)).toBeUndefined();
  });

  test('breaches during a warmup make one scale-out, not a chain: the step multiplies the warm instances only', () => {
    // 10 warm instances at 80% want 20. While the 10 new ones warm up, the CPU of the warm 10 stays at
    // 80% (their long queries still run): AWS computes from the 10 warm instances, asks 20 again, and
    // does nothing. Multiplying the 20 in the group would ask 40, then 80.
    const t = new TargetTracker(params);
    t.assess(80, 10, 1, 100, 10);
    t.assess(80, 10, 1, 100, 10);
    expect(t.assess(80, 10, 1, 100, 10).scaleOut).toBe(20);
    for (let k = 0; k < 5; k++) expect(t.assess(80, 20, 1, 100, 10).scaleOut).toBeUndefined();
    // A rise beyond what is already asked for still scales out, from the warm base: 10 × 100/40 = 25.
    expect(t.assess(100, 20, 1, 100, 10).scaleOut).toBe(25);
  });
});
