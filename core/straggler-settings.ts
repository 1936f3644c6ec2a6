/**
 * What the straggler detector (core/stragglers.ts) reads and publishes, and its tunables: the agents'
 * per-instance pressure metrics, the verdict metric, and the settings with their defaults and checks.
 */

/** The per-instance pressure metrics the agent publishes (docs/stragglers.md), each a percentage of time. */
export const PRESSURE_METRICS = {
  /** CPU time the hypervisor gave to another guest while this one was runnable (/proc/stat steal). */
  cpuSteal: 'CpuStealPercent',
  /** Linux PSI: share of time some task waited for a CPU (/proc/pressure/cpu "some"). */
  cpuPressure: 'CpuPressurePercent',
  /** Linux PSI: share of time some task stalled on memory (reclaim, swap-in, thrashing). */
  memoryPressure: 'MemoryPressurePercent',
  /** Linux PSI: share of time some task stalled on block I/O. */
  ioPressure: 'IoPressurePercent',
  /** Share of time the busiest block device had I/O in flight (/proc/diskstats io_ticks). */
  diskBusy: 'DiskBusyPercent',
} as const;

export type PressureResource = keyof typeof PRESSURE_METRICS;
export const PRESSURE_RESOURCES = Object.keys(PRESSURE_METRICS) as PressureResource[];

/** Published by the straggler function, per instance: its trailing bottlenecked minutes (0 when none). */
export const BOTTLENECKED_MINUTES_METRIC = 'BottleneckedMinutes';

/** The detector's tunables (docs/stragglers.md explains each). */
export interface StragglerSettings {
  /** Minutes of readings the HMM filters each run: Lube's sliding window. */
  readonly windowMinutes: number;
  /** Fewer workers with a reading than this in a minute, and that minute says nothing about anyone. */
  readonly minPeers: number;
  /** Excess over the peers' median, in percentage points, that the bottlenecked state expects. */
  readonly bottleneckExcessPercent: number;
  /** The normal state's spread is the peers' (robust) spread, but never below this many points. */
  readonly noiseFloorPercent: number;
  /**
   * Posterior probability of the bottlenecked state that starts a bottlenecked run; the run then lasts
   * while that state stays the likelier one (posterior ≥ 0.5).
   */
  readonly confidence: number;
  /** Consecutive bottlenecked minutes that make a straggler (and, when replacing, get it replaced). */
  readonly replaceAfterMinutes: number;
  /**
   * When more than this share of the workers (and more than one) sit half a bottleneck's excess above the
   * median on a resource, that minute is the fleet's load (or a mixed fleet), not a straggler: it is not
   * evidence.
   */
  readonly maxBottleneckedShare: number;
}

export const DEFAULT_STRAGGLER_SETTINGS: StragglerSettings = {
  windowMinutes: 60,
  minPeers: 3,
  bottleneckExcessPercent: 20,
  noiseFloorPercent: 5,
  confidence: 0.95,
  // A healthy worker's transient bottleneck (a long stage that spills or scans on one worker, a
  // neighbour's burst) ends when its cause does, with a long tail: in the simulator's model 1 in 800 lasts
  // past 30 minutes, which made a clean fleet replace about 6 healthy workers per 10,000 instance-hours.
  // Past 50 minutes it is under 1 in 5,000 (under 1 per 10,000 instance-hours); a degraded host stays slow.
  replaceAfterMinutes: 50,
  maxBottleneckedShare: 0.25,
};

/** Validates settings from config or the environment; returns the problems, each naming the field and rule. */
export function stragglerSettingsProblems(s: StragglerSettings): { field: keyof StragglerSettings; value: number; rule: string }[] {
  const out: { field: keyof StragglerSettings; value: number; rule: string }[] = [];
  const whole = (field: keyof StragglerSettings, min: number, max: number) => {
    const v = s[field];
    if (!Number.isInteger(v) || v < min || v > max) out.push({ field, value: v, rule: `must be a whole number from ${min} to ${max}` });
  };
  const range = (field: keyof StragglerSettings, min: number, max: number, why: string) => {
    const v = s[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) out.push({ field, value: v, rule: `must be from ${min} to ${max}${why}` });
  };
  // GetMetricData returns 1-minute data for 15 days; an hour's window is plenty for a minute-scale model.
  whole('windowMinutes', 10, 180);
  whole('minPeers', 3, 100);
  range('bottleneckExcessPercent', 5, 90, ' (percentage points above the peers)');
  range('noiseFloorPercent', 1, 50, ' (percentage points)');
  range('confidence', 0.5, 0.9999, ' (a probability)');
  whole('replaceAfterMinutes', 3, 120);
  range('maxBottleneckedShare', 0.05, 0.5, ' (a share of the fleet; above a half the median is the bottleneck)');
  if (Number.isInteger(s.replaceAfterMinutes) && Number.isInteger(s.windowMinutes) && s.replaceAfterMinutes > s.windowMinutes) {
    out.push({ field: 'replaceAfterMinutes', value: s.replaceAfterMinutes, rule: `must not exceed windowMinutes (${s.windowMinutes}): the run is counted inside the window` });
  }
  return out;
}
