/** Resolves a fleet's straggler detection. */
import { formatDuration } from '../../core/util/duration';
import { DEFAULT_STRAGGLER_SETTINGS, StragglerSettings } from '../../core/stragglers';
import { MAX_DRAIN_TIMEOUT_SECONDS, MIN_DRAIN_TIMEOUT_SECONDS } from '../../core/lifecycle-limits';
import { DEFAULT_REPLACE_DRAIN_TIMEOUT } from './defaults';
import { FleetInput } from './input';
import { Problems } from './problems';
import { FleetConfig } from './resolved';

export function resolveStragglers(p: Problems, at: string, f: FleetInput, agentOnInstances: boolean, drainTimeoutSeconds: number | undefined): FleetConfig['stragglers'] {
  const s = f.stragglers;
  if (s === undefined) return undefined;
  if (!p.check(typeof s === 'object' && s !== null && !Array.isArray(s), at, s, 'must be { detect?, replace?, replaceAfter?, bottleneckExcessPercent?, window? }')) return undefined;
  for (const key of ['detect', 'replace'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'boolean') p.add(`${at}.${key}`, s[key], 'must be true or false');
  }
  const detect = s.detect === true;
  if (s.replace === true && !detect) p.add(`${at}.replace`, true, 'needs detect: true: only detected stragglers are replaced');
  if (!detect) return undefined;
  p.check(agentOnInstances, `${at}.detect`, true, 'needs the agent on the instances (agent.install, and existing.agentInstalled for an adopted group): it publishes the pressure the detector judges');
  const d = DEFAULT_STRAGGLER_SETTINGS;
  const replaceAfter = p.duration(`${at}.replaceAfter`, s.replaceAfter ?? formatDuration(d.replaceAfterMinutes * 60), 180, 7200, ' (in whole minutes: the detector judges one-minute readings)');
  const window = p.duration(`${at}.window`, s.window ?? formatDuration(d.windowMinutes * 60), 600, 10_800, ' (in whole minutes)');
  const excess = s.bottleneckExcessPercent ?? d.bottleneckExcessPercent;
  p.check(typeof excess === 'number' && Number.isFinite(excess) && excess >= 5 && excess <= 90, `${at}.bottleneckExcessPercent`, excess, 'must be a number from 5 to 90 (percentage points above what its peers show at its load)');
  if (replaceAfter !== undefined && window !== undefined) {
    p.check(replaceAfter % 60 === 0, `${at}.replaceAfter`, s.replaceAfter, 'must be whole minutes');
    p.check(window % 60 === 0, `${at}.window`, s.window, 'must be whole minutes');
    p.check(window > replaceAfter, `${at}.window`, s.window ?? formatDuration(window), `must be longer than replaceAfter (${formatDuration(replaceAfter)}): the run is counted inside the window`);
  }
  const replaceDrain = p.duration(`${at}.replaceDrainTimeout`, s.replaceDrainTimeout ?? DEFAULT_REPLACE_DRAIN_TIMEOUT, MIN_DRAIN_TIMEOUT_SECONDS, MAX_DRAIN_TIMEOUT_SECONDS, ': the 48h lifecycle-hook limit less 2m');
  if (replaceDrain === undefined || replaceAfter === undefined || window === undefined) return undefined;
  // Never shorter than the fleet's own drain timeout: a replaced straggler drains at least as long as any worker.
  const replaceDrainTimeoutSeconds = Math.max(replaceDrain, drainTimeoutSeconds ?? 0);
  const detector: StragglerSettings = { ...d, replaceAfterMinutes: replaceAfter / 60, windowMinutes: window / 60, bottleneckExcessPercent: excess };
  return { replace: s.replace === true, replaceDrainTimeoutSeconds, detector };
}
