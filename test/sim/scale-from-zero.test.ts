/**
 * A fleet at minimum 0 scales out when queries queue (issue 37 item 3): target tracking cannot leave zero
 * (ceil(0 × metric ÷ target) is 0, and there is no CPU datapoint), so the step scaling policy on the
 * alarm IF(in service == 0 AND queued > 0) does (core/scaling-policy.ts SCALE_FROM_ZERO).
 */
import { SCALE_FROM_ZERO, scaleFromZeroMetric } from '../../core/scaling-policy';
import { DEFAULT_SIM_OPTIONS, POLICIES, SimOptions, simulate } from '../../sim/fleet-sim';
import { StepScaler } from '../../sim/target-tracking';
import { Query, generateTrace } from '../../sim/trace';

const atZero = (policy: SimOptions['policy'], extra: Partial<SimOptions> = {}): SimOptions => ({ ...DEFAULT_SIM_OPTIONS, policy, minCapacity: 0, maxCapacity: 50, staticCapacity: 4, timelineStepSeconds: 60, ...extra });

describe('the scale-from-zero step policy, as Auto Scaling runs it', () => {
  test('the alarm\'s metric math breaches only with no instance in service and queries queued', () => {
    expect([scaleFromZeroMetric(0, 0), scaleFromZeroMetric(0, 3), scaleFromZeroMetric(1, 3), scaleFromZeroMetric(2, 0)]).toEqual([0, 1, 0, 0]);
  });

  test('acts on the first breaching datapoint, again each minute in ALARM, but adds nothing while its instance warms', () => {
    const step = new StepScaler(SCALE_FROM_ZERO);
    expect(step.observe(undefined, 0, 0, 0, 10)).toBeUndefined();
    expect(step.observe(0, 0, 0, 0, 10)).toBeUndefined();
    expect(step.observe(1, 0, 0, 0, 10)).toBe(1);
    // Still in ALARM a minute later, the instance launching: warm current capacity 0 + 1 is not above desired 1.
    expect(step.observe(1, 0, 1, 0, 10)).toBeUndefined();
    expect(step.inAlarm).toBe(true);
    // Desired lowered behind its back (or the launch failed): the repeated action scales out again.
    expect(step.observe(1, 0, 0, 0, 10)).toBe(1);
    expect(step.observe(undefined, 0, 0, 0, 10)).toBeUndefined();
    expect(step.inAlarm).toBe(false);
  });
});

describe('a fleet at minimum 0', () => {
  // Nothing for the first 10 minutes (the fleet stays at 0), then a burst: 20 queries of a minute each.
  const burst: Query[] = Array.from({ length: 20 }, (_, k) => ({ arrival: 600 + k, duration: 60, slots: 1 }));

  test('scales out within 2 simulated minutes of queries queueing, and every query completes', async () => {
    const r = await simulate(burst, atZero('signals'));
    expect(r.queriesCompleted).toBe(burst.length);
    const firstOut = r.timeline.find((p) => p.desired > 0);
    expect(firstOut).toBeDefined();
    expect(firstOut!.t).toBeGreaterThan(600);
    expect(firstOut!.t - 600).toBeLessThanOrEqual(120);
    // Before the burst the fleet sat at zero.
    expect(r.timeline.filter((p) => p.t < 600).every((p) => p.desired === 0 && p.inService === 0)).toBe(true);
  });

  test('every autoscaled policy leaves zero on a spiky day, and the run completes', async () => {
    const queries = generateTrace({ days: 0.25, peakRate: 0.5, troughShare: 0.15, seed: 5, shape: 'spikes' });
    for (const policy of POLICIES) {
      const r = await simulate(queries, atZero(policy));
      expect(r.queriesCompleted + r.queriesKilled).toBe(queries.length);
    }
  }, 120_000);
});
