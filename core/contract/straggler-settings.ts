/** The straggler function's settings (STRAGGLER_SETTINGS): where pressure is read and published, and each fleet's detector. */
import { DEFAULT_STRAGGLER_SETTINGS, StragglerSettings, stragglerSettingsProblems } from '../stragglers';
import { arnPrefix, parseJson } from './settings-parsing';

/** One fleet whose straggler detection is on, as the stack configures it. */
export interface StragglerFleet {
  readonly fleet: string;
  readonly groupName: string;
  /** Mark a persistent straggler unhealthy so Auto Scaling replaces it (through our hook); else detect and report only. */
  readonly replace: boolean;
  /**
   * How long a replaced straggler may drain: it takes no new work once stopped, so finishing its queries
   * at its slow pace costs only its own time (the replacement is already launching), where forcing at the
   * fleet's drain timeout would kill them. Never shorter than the fleet's drain timeout.
   */
  readonly replaceDrainTimeoutSeconds: number;
  readonly detector: StragglerSettings;
  /**
   * The fleet's agents send their in-service readings to its readings queue, and they are read from the
   * drain table; otherwise from each instance's own CloudWatch namespace (an adopted group's). @default false
   */
  readonly readingsInStore?: boolean;
}

/** What the straggler function needs (lambdas/stragglers/handler.ts). */
export interface StragglerFunctionSettings {
  /**
   * The agents' namespace: instance X's pressure is read only from `${pressureNamespace}/${instanceArnPrefix}X`,
   * the one namespace X may write (InstanceId and AutoScalingGroupName dimensions, as ever).
   */
  readonly pressureNamespace: string;
  /** `arn:<partition>:ec2:<region>:<account>:instance/` of the stack's instances (instance-namespace.ts). */
  readonly instanceArnPrefix: string;
  /** Where the function publishes its findings: a namespace the workers cannot write. */
  readonly namespace: string;
  readonly fleets: readonly StragglerFleet[];
}

/** A drain's bounds (lifecycle-limits.ts): a sweep period, and the 48 h global limit less the force margin. */
const MIN_DRAIN_SECONDS = 60;
const MAX_DRAIN_SECONDS = 48 * 3600 - 120;

export function parseStragglerSettings(json: string): StragglerFunctionSettings {
  const { raw, fail, int } = parseJson(json);
  for (const key of ['pressureNamespace', 'namespace'] as const) if (typeof raw?.[key] !== 'string' || raw[key] === '') fail(key, raw?.[key], 'must be a non-empty string');
  if (!Array.isArray(raw.fleets) || raw.fleets.length === 0) fail('fleets', raw.fleets, 'must list at least one fleet');
  const fleets = (raw.fleets as any[]).map((f, k): StragglerFleet => {
    const at = `fleets[${k}]`;
    for (const key of ['fleet', 'groupName'] as const) if (typeof f?.[key] !== 'string' || f[key] === '') fail(`${at}.${key}`, f?.[key], 'must be a non-empty string');
    if (typeof f.replace !== 'boolean') fail(`${at}.replace`, f.replace, 'must be true or false');
    const detector: StragglerSettings = { ...DEFAULT_STRAGGLER_SETTINGS, ...f.detector };
    const problem = stragglerSettingsProblems(detector)[0];
    if (problem) fail(`${at}.detector.${problem.field}`, problem.value, problem.rule);
    const replaceDrainTimeoutSeconds = int(`${at}.replaceDrainTimeoutSeconds`, f.replaceDrainTimeoutSeconds, MIN_DRAIN_SECONDS, MAX_DRAIN_SECONDS);
    if (f.readingsInStore !== undefined && typeof f.readingsInStore !== 'boolean') fail(`${at}.readingsInStore`, f.readingsInStore, 'must be true or false');
    return { fleet: f.fleet, groupName: f.groupName, replace: f.replace, replaceDrainTimeoutSeconds, detector, ...(f.readingsInStore ? { readingsInStore: true } : {}) };
  });
  return { pressureNamespace: raw.pressureNamespace, instanceArnPrefix: arnPrefix('instanceArnPrefix', raw.instanceArnPrefix, fail), namespace: raw.namespace, fleets };
}
