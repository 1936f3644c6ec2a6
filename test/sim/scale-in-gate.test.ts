/**
 * The scale-in gate in the simulator (issue 38): under the Trino model a scale-in while a long query runs
 * on every worker kills it at the drain timeout. With `--scale-in gate` both target tracking policies have
 * DisableScaleIn and the gate's step policy is the only way in: it waits while the drain would kill, for as
 * long as the surplus kept is worth less than the kill (core/scale-in-gate.ts).
 */
import { DEFAULT_SIM_OPTIONS, SimOptions, simulate } from '../../sim/fleet-sim';
import { Query } from '../../sim/trace';

// A burst of short queries scales the fleet out; one long query (40 minutes, 4 slots: tasks on every
// worker) starts during it and outlives it by far more than the 10-minute drain timeout; then nothing.
const burst: Query[] = Array.from({ length: 600 }, (_, k) => ({ arrival: k * 0.5, duration: 90, slots: 1 }));
const long: Query = { arrival: 60, duration: 2400, slots: 4 };
const trace: Query[] = [...burst, long].sort((a, b) => a.arrival - b.arrival);
const options = (policy: SimOptions['policy'], extra: Partial<SimOptions> = {}): SimOptions => ({ ...DEFAULT_SIM_OPTIONS, policy, maxCapacity: 40, timelineStepSeconds: 60, stragglerActions: false, ...extra });
const gate = (penalty: number) => options('signals', { scaleInMode: 'gate', scaleInGate: { ...DEFAULT_SIM_OPTIONS.scaleInGate, killPenaltyInstanceSeconds: penalty } });

test('CPU target tracking alone kills the long query: its scale-in drains wait for it and are forced at the timeout', async () => {
  const r = await simulate(trace, options('graceful-cpu'));
  expect(r.queriesKilled).toBe(1);
  expect(r.queriesCompleted).toBe(trace.length - 1);
});

test('the gate holds the scale-in while the long query would be killed', async () => {
  const r = await simulate(trace, gate(1e9));
  expect(r.queriesKilled).toBe(0);
  expect(r.scaleInGate?.defer).toBeGreaterThan(0);
  // The fleet stays above its minimum while the query runs (the run ends with the last query).
  const during = r.timeline.filter((p) => p.t > 900 && p.t < long.arrival + long.duration - 600);
  expect(during.length).toBeGreaterThan(0);
  expect(Math.min(...during.map((p) => p.desired))).toBeGreaterThan(DEFAULT_SIM_OPTIONS.minCapacity);
  expect(r.invariants).toEqual({ terminatedBusyBeforeDeadline: 0, waitingPastDeadline: 0, completedTwiceWithEffect: 0, completedInUnsafeWindow: 0 });
});

test('with no price on a kill beyond its work, the surplus soon outweighs a young query, and the gate scales in killing it', async () => {
  const r = await simulate(trace, gate(0));
  expect(r.queriesKilled).toBe(1);
  expect(r.scaleInGate?.['waited-its-worth']).toBeGreaterThan(0);
});

test('without the gate (as deployed: both policies agree) the run is the one it always was', async () => {
  const a = await simulate(trace, options('signals'));
  const b = await simulate(trace, options('signals', { scaleInMode: 'agree' }));
  expect(a.scaleInGate).toBeUndefined();
  expect({ ...b, wallMs: 0 }).toEqual({ ...a, wallMs: 0 });
});
