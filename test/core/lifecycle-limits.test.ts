import {
  FORCE_MARGIN_SECONDS,
  MAX_DRAIN_TIMEOUT_SECONDS,
  globalTimeoutFor,
  heartbeatTimeoutForDrain,
} from '../../core/lifecycle-limits';

describe('heartbeat timeout derived from the drain timeout', () => {
  test.each([
    // drain, heartbeat: drain + 2 min margin, within AWS's 30..7200 s range
    [60, 180],
    [600, 720],
    [7080, 7200],
    [7081, 7200],
    [3 * 3600, 7200],
    [MAX_DRAIN_TIMEOUT_SECONDS, 7200],
  ])('drain %i s → heartbeat %i s', (drain, heartbeat) => {
    expect(heartbeatTimeoutForDrain(drain)).toBe(heartbeat);
  });

  test('the hook always outlives the deadline by the force margin, up to the global limit', () => {
    for (let drain = 60; drain <= MAX_DRAIN_TIMEOUT_SECONDS; drain += 997) {
      const heartbeat = heartbeatTimeoutForDrain(drain);
      expect(heartbeat).toBeGreaterThanOrEqual(30);
      expect(heartbeat).toBeLessThanOrEqual(7200);
      // Without heartbeats the hook lasts `heartbeat`; with them, up to the global timeout.
      expect(globalTimeoutFor(heartbeat)).toBeGreaterThanOrEqual(drain + FORCE_MARGIN_SECONDS);
    }
  });

  test('global timeout is min(48 h, 100 × heartbeat)', () => {
    expect(globalTimeoutFor(720)).toBe(72_000);
    expect(globalTimeoutFor(7200)).toBe(172_800);
  });
});
