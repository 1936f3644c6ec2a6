import { DEFAULT_SCALE_IN_GATE, INITIAL_GATE_STATE, MAX_SCALE_IN_STEP, RunningQuery, ScaleInGateSettings, decideScaleIn, scaleInStep } from '../../core/scale-in-gate';

// Pinned here so a change of default tunes the product, not these tests.
const settings: ScalingGate = { ...DEFAULT_SCALE_IN_GATE, drainTimeoutSeconds: 600, drainMarginSeconds: 60, killCostWeight: 1, killPenaltyInstanceSeconds: 0, inFlightSeconds: 150 };
type ScalingGate = ScaleInGateSettings;
const NOW = 1_700_000_000_000;
const q = (remainingSeconds: number, workInstanceSeconds = 100, survivesWorkerLoss = false): RunningQuery => ({ elapsedSeconds: 60, remainingSeconds, workInstanceSeconds, survivesWorkerLoss });
const gate = (wanted: number, running: RunningQuery[], state = INITIAL_GATE_STATE, s: Partial<ScalingGate> = {}, nowMs = NOW) =>
  decideScaleIn({ wanted, placement: 'spread', running, nowMs, intervalSeconds: 60 }, state, { ...settings, ...s });

test('every query predicted to end within the drain: scale in now, and the drain is expected to last the longest of them', () => {
  // The horizon is the timeout less the margin: 540 s.
  const d = gate(3, [q(30), q(540), q(200)]);
  expect(d).toMatchObject({ rule: 'drains-in-time', request: 3, queriesAtRisk: 0, expectedWaitSeconds: 540 });
  expect(d.state.lastRequestAtMs).toBe(NOW);
});

test('a query that would be killed defers the scale-in until the surplus kept is worth its work (ski rental)', () => {
  // One query predicted 20 minutes more, 500 instance-seconds done; 2 surplus instances cost 120 a minute.
  const running = [q(30), q(1200, 500)];
  let state = INITIAL_GATE_STATE;
  const rules: string[] = [];
  for (let minute = 0; minute < 6; minute++) {
    const d = gate(2, running, state, {}, NOW + minute * 60_000);
    rules.push(d.rule);
    state = d.state;
    if (d.request > 0) {
      expect(d).toMatchObject({ queriesAtRisk: 1, valueAtRiskInstanceSeconds: 500, expectedWaitSeconds: 600, request: 2 });
      break;
    }
  }
  // 120, 240, 360, 480 < 500; 600 ≥ 500 on the fifth minute.
  expect(rules).toEqual(['defer', 'defer', 'defer', 'defer', 'waited-its-worth']);
});

test("a kill's penalty and weight raise what waiting may cost", () => {
  // A young query's work alone (10 instance-seconds) is less than a minute of one surplus instance.
  expect(gate(1, [q(1200, 10)])).toMatchObject({ rule: 'waited-its-worth', valueAtRiskInstanceSeconds: 10 });
  const priced = gate(1, [q(1200, 10)], INITIAL_GATE_STATE, { killPenaltyInstanceSeconds: 3600, killCostWeight: 2 });
  expect(priced).toMatchObject({ rule: 'defer', valueAtRiskInstanceSeconds: 3620 });
});

test('the deferral ends when the long query does, and the deferred surplus resets when the load stops asking', () => {
  const first = gate(2, [q(1200, 10_000)]);
  expect(first.rule).toBe('defer');
  expect(gate(2, [q(100)], first.state)).toMatchObject({ rule: 'drains-in-time', request: 2, deferredInstanceSeconds: 120 });
  const stopped = gate(0, [q(1200, 10_000)], first.state);
  expect(stopped).toMatchObject({ rule: 'none', request: 0 });
  expect(stopped.state.deferredInstanceSeconds).toBe(0);
});

test('queries that survive a worker loss (fault-tolerant execution) are never at risk', () => {
  expect(gate(4, [q(5000, 9999, true), q(7000, 9999, true)])).toMatchObject({ rule: 'drains-in-time', request: 4, queriesAtRisk: 0 });
});

test('per-worker placement (executors) scales in now: the termination policy picks the least busy', () => {
  const d = decideScaleIn({ wanted: 2, placement: 'per-worker', running: [q(5000)], nowMs: NOW, intervalSeconds: 60 }, INITIAL_GATE_STATE, settings);
  expect(d).toMatchObject({ rule: 'per-worker', request: 2 });
});

test('a request is in flight until the step policy can have acted: asking again would remove the instances twice', () => {
  const asked = gate(2, []);
  expect(asked.request).toBe(2);
  expect(gate(2, [], asked.state, {}, NOW + 60_000)).toMatchObject({ rule: 'action-in-flight', request: 0 });
  expect(gate(2, [], asked.state, {}, NOW + 149_000).rule).toBe('action-in-flight');
  expect(gate(2, [], asked.state, {}, NOW + 150_000)).toMatchObject({ rule: 'drains-in-time', request: 2 });
});

test('one request removes at most the step adjustments a policy holds', () => {
  expect(gate(57, []).request).toBe(MAX_SCALE_IN_STEP);
});

test('the step policy removes the requested count, never below the minimum, and nothing without a breach', () => {
  expect(scaleInStep(3, 10, 2)).toBe(7);
  expect(scaleInStep(3.7, 10, 2)).toBe(7);
  expect(scaleInStep(9, 10, 2)).toBe(2);
  expect(scaleInStep(1, 2, 2)).toBeUndefined();
  expect(scaleInStep(0, 10, 2)).toBeUndefined();
  expect(scaleInStep(undefined, 10, 2)).toBeUndefined();
  expect(scaleInStep(NaN, 10, 2)).toBeUndefined();
  expect(scaleInStep(500, 100, 0)).toBe(100 - MAX_SCALE_IN_STEP);
});
