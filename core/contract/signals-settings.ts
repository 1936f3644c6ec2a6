/** The scaling-signals function's settings (SIGNALS_SETTINGS): the fleets it reads, their scaling policy and the drain's price check. */
import { DEFAULT_SCALING_POLICY, ScalingPolicySettings } from '../scaling-policy';
import { parseJson } from './settings-parsing';

/** One fleet whose scaling signals are on, as the stack configures it. */
export interface SignalsFleet {
  readonly fleet: string;
  readonly groupName: string;
  /** `http(s)://host:port` of the coordinator. */
  readonly coordinatorUrl: string;
  readonly policy: ScalingPolicySettings;
  /** The drain's price check (core/drain-extension.ts); off when absent. */
  readonly drainPricing?: DrainPricingSettings;
}

/** What the signals function needs to price a fleet's drains near their deadline. */
export interface DrainPricingSettings {
  /** What a kill costs beyond its lost work, in instance-seconds. */
  readonly killPenaltyInstanceSeconds: number;
  /** The longest any drain may last once extended, from its start. */
  readonly maxDrainSeconds: number;
  /** The instances' vCPUs, which turn a query's CPU seconds into instance-seconds; absent when unknown (its work then does not count). */
  readonly vcpus?: number;
}

/** What the scaling-signals function needs (SIGNALS_SETTINGS), written by the stack. */
export interface SignalsSettings {
  /** Where the signals and the ratio are published: the environment's namespace. */
  readonly namespace: string;
  /** Sent as X-Trino-User to each coordinator. */
  readonly user: string;
  readonly timeoutMs: number;
  readonly fleets: readonly SignalsFleet[];
}

export function parseSignalsSettings(json: string): SignalsSettings {
  const { raw, fail, int } = parseJson(json);
  if (typeof raw?.namespace !== 'string' || raw.namespace === '') fail('namespace', raw?.namespace, 'must be a non-empty string');
  if (typeof raw.user !== 'string' || raw.user === '') fail('user', raw.user, 'must be a non-empty string');
  if (!Array.isArray(raw.fleets) || raw.fleets.length === 0) fail('fleets', raw.fleets, 'must list at least one fleet');
  const num = (field: string, value: unknown, min: number, max: number): number =>
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fail(field, value, `must be a number from ${min} to ${max}`);
  const fleets = (raw.fleets as any[]).map((f, k): SignalsFleet => {
    const at = `fleets[${k}]`;
    for (const key of ['fleet', 'groupName'] as const) if (typeof f?.[key] !== 'string' || f[key] === '') fail(`${at}.${key}`, f?.[key], 'must be a non-empty string');
    if (typeof f.coordinatorUrl !== 'string' || !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(f.coordinatorUrl)) fail(`${at}.coordinatorUrl`, f.coordinatorUrl, 'must be http(s)://host:port');
    const p = f.policy ?? {};
    const d = f.drainPricing;
    const drainPricing: DrainPricingSettings | undefined =
      d === undefined
        ? undefined
        : {
            killPenaltyInstanceSeconds: num(`${at}.drainPricing.killPenaltyInstanceSeconds`, d.killPenaltyInstanceSeconds, 0, 30 * 86_400),
            maxDrainSeconds: int(`${at}.drainPricing.maxDrainSeconds`, d.maxDrainSeconds, 60, 48 * 3600),
            ...(d.vcpus === undefined ? {} : { vcpus: int(`${at}.drainPricing.vcpus`, d.vcpus, 1, 1024) }),
          };
    return {
      fleet: f.fleet,
      groupName: f.groupName,
      coordinatorUrl: f.coordinatorUrl,
      ...(drainPricing ? { drainPricing } : {}),
      policy: {
        targetCpuPercent: num(`${at}.policy.targetCpuPercent`, p.targetCpuPercent, 1, 100),
        targetBacklogSeconds: num(`${at}.policy.targetBacklogSeconds`, p.targetBacklogSeconds ?? DEFAULT_SCALING_POLICY.targetBacklogSeconds, 1, 86_400),
        toleratedBacklogSeconds: num(`${at}.policy.toleratedBacklogSeconds`, p.toleratedBacklogSeconds ?? DEFAULT_SCALING_POLICY.toleratedBacklogSeconds, 0, 86_400),
        scaleInLookbackMinutes: int(`${at}.policy.scaleInLookbackMinutes`, p.scaleInLookbackMinutes ?? DEFAULT_SCALING_POLICY.scaleInLookbackMinutes, 1, 60),
        scaleInHorizonMinutes: int(`${at}.policy.scaleInHorizonMinutes`, p.scaleInHorizonMinutes ?? DEFAULT_SCALING_POLICY.scaleInHorizonMinutes, 0, 60),
      },
    };
  });
  return { namespace: raw.namespace, user: raw.user, timeoutMs: int('timeoutMs', raw.timeoutMs ?? 5000, 100, 30_000), fleets };
}
