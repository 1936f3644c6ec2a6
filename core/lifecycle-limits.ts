/**
 * Amazon EC2 Auto Scaling lifecycle-hook limits, shared by the CDK stacks (to derive and validate the
 * hook) and the drain controller (to know when a heartbeat is due).
 * Source: Auto Scaling API reference, `LifecycleHook` and `PutLifecycleHook`.
 */

/** `HeartbeatTimeout` range is 30 to 7200 seconds (PutLifecycleHook). */
export const MIN_HEARTBEAT_TIMEOUT_SECONDS = 30;
export const MAX_HEARTBEAT_TIMEOUT_SECONDS = 7200;

/** `GlobalTimeout`: an instance waits at most 48 h, or 100 × HeartbeatTimeout if that is smaller. */
export const MAX_GLOBAL_TIMEOUT_SECONDS = 172_800;
export const GLOBAL_TIMEOUT_HEARTBEAT_MULTIPLIER = 100;

/**
 * How long the hook must outlive the drain deadline so the controller's 1-minute sweep can force the
 * termination explicitly (and record what it killed) before Auto Scaling's own timeout does it silently:
 * two sweep periods.
 */
export const FORCE_MARGIN_SECONDS = 120;

/** Longest drain timeout that still leaves the force margin inside the 48 h global limit. */
export const MAX_DRAIN_TIMEOUT_SECONDS = MAX_GLOBAL_TIMEOUT_SECONDS - FORCE_MARGIN_SECONDS;

/** Shortest drain timeout worth configuring: one sweep period. */
export const MIN_DRAIN_TIMEOUT_SECONDS = 60;

/**
 * The hook's heartbeat timeout for a given drain timeout. A drain that fits in one heartbeat period
 * gets deadline + margin, so an idle controller still lets Auto Scaling continue shortly after the
 * deadline. A longer drain gets the 2 h maximum and the controller sends heartbeats; 100 × 7200 s
 * exceeds 48 h, so the global timeout is then the 48 h limit itself.
 */
export function heartbeatTimeoutForDrain(drainTimeoutSeconds: number): number {
  return Math.min(
    MAX_HEARTBEAT_TIMEOUT_SECONDS,
    Math.max(MIN_HEARTBEAT_TIMEOUT_SECONDS, drainTimeoutSeconds + FORCE_MARGIN_SECONDS),
  );
}

/** The global timeout Auto Scaling applies to a hook with this heartbeat timeout. */
export function globalTimeoutFor(heartbeatTimeoutSeconds: number): number {
  return Math.min(MAX_GLOBAL_TIMEOUT_SECONDS, GLOBAL_TIMEOUT_HEARTBEAT_MULTIPLIER * heartbeatTimeoutSeconds);
}
