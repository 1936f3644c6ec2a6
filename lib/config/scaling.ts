/** Resolves a fleet's scaling on the coordinator's signals. */
import { formatDuration } from '../../core/util/duration';
import { DEFAULT_SCALING_POLICY } from '../../core/scaling-policy';
import { FleetInput } from './input';
import { Problems } from './problems';
import { FleetConfig } from './resolved';

/** The fleet's scaling signals: on by default when there is a coordinator to poll, refused on without one. */
export function resolveScaling(p: Problems, at: string, f: FleetInput): FleetConfig['scaling'] {
  const s = f.scaling ?? {};
  if (s.signals !== undefined && typeof s.signals !== 'boolean') {
    p.add(`${at}.signals`, s.signals, 'must be true or false');
    return undefined;
  }
  const on = s.signals ?? f.coordinatorUrl !== undefined;
  if (!on) return undefined;
  if (!p.check(f.coordinatorUrl !== undefined, `${at}.signals`, true, "needs the fleet's coordinatorUrl: the signals are the coordinator's queue")) return undefined;
  const targetBacklogSeconds = p.duration(`${at}.targetBacklog`, s.targetBacklog ?? formatDuration(DEFAULT_SCALING_POLICY.targetBacklogSeconds), 10, 3600, ' (Dataflow\'s R: shorter than 10 s chases single queries)');
  const toleratedBacklogSeconds = p.duration(`${at}.toleratedBacklog`, s.toleratedBacklog ?? formatDuration(DEFAULT_SCALING_POLICY.toleratedBacklogSeconds), 0, 3600);
  const scaleInLookbackMinutes = s.scaleInLookbackMinutes ?? DEFAULT_SCALING_POLICY.scaleInLookbackMinutes;
  p.integer(`${at}.scaleInLookbackMinutes`, scaleInLookbackMinutes, 1, 60);
  const scaleInHorizonMinutes = s.scaleInHorizonMinutes ?? DEFAULT_SCALING_POLICY.scaleInHorizonMinutes;
  p.integer(`${at}.scaleInHorizonMinutes`, scaleInHorizonMinutes, 0, 60);
  if (targetBacklogSeconds !== undefined && toleratedBacklogSeconds !== undefined) {
    p.check(toleratedBacklogSeconds < targetBacklogSeconds, `${at}.toleratedBacklog`, s.toleratedBacklog ?? formatDuration(toleratedBacklogSeconds), `must be shorter than targetBacklog (${formatDuration(targetBacklogSeconds)}): a backlog the fleet tolerates cannot also be one it must clear`);
  }
  if (targetBacklogSeconds === undefined || toleratedBacklogSeconds === undefined) return undefined;
  return { targetBacklogSeconds, toleratedBacklogSeconds, scaleInLookbackMinutes, scaleInHorizonMinutes };
}
