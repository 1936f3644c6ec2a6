/**
 * Least-busy-first scale-in: which instances a custom termination policy offers Auto Scaling.
 * Pure; the Lambda and the simulator both call it.
 * Input and response shapes: Auto Scaling user guide, "Create a custom termination policy with Lambda".
 */

/** One bucket of capacity Auto Scaling must remove: a zone and a purchase option. */
export interface CapacityToTerminate {
  readonly availabilityZone: string;
  readonly capacity: number;
  readonly marketOption: string;
}

/** An instance Auto Scaling may terminate. */
export interface TerminationCandidate {
  readonly instanceId: string;
  readonly availabilityZone: string;
  readonly marketOption: string;
}

/** What is known of a candidate's load; missing fields sort it last (unknown is never idle). */
export interface CandidateLoad {
  readonly runningTasks?: number;
  readonly launchedAt?: number;
  /** Minutes in a row the straggler detector has held it bottlenecked (core/stragglers.ts). */
  readonly bottleneckedMinutes?: number;
  /** Seconds the oldest running task has run, now; 0 with none. Unknown sorts after every known age. */
  readonly oldestTaskAgeSeconds?: number;
}

/**
 * Per bucket, the `capacity` candidates with the fewest running tasks; among equally busy ones the
 * longest bottlenecked (a straggler, Lube) first, then the one whose oldest task is youngest, then the
 * oldest launch, then instance id so the answer is stable. Instances with no reading come after every
 * measured one.
 *
 * Task age breaks ties because query run times are heavy-tailed: a task that has already run long is the
 * one likely to run on past the drain timeout and be killed, while young tasks mostly finish within it.
 * On the simulator's eight tuning traces (docs/drain-controller.md) it cut the queries killed from 23 to
 * 9 under CPU target tracking alone and from 6 to 4 under the full policy, at under 1% instance-hours.
 */
export function chooseLeastBusy(
  capacity: readonly CapacityToTerminate[],
  candidates: readonly TerminationCandidate[],
  load: ReadonlyMap<string, CandidateLoad>,
): string[] {
  const chosen = new Set<string>();
  for (const bucket of capacity) {
    const ranked = candidates
      .filter((c) => c.availabilityZone === bucket.availabilityZone && c.marketOption === bucket.marketOption && !chosen.has(c.instanceId))
      .sort((a, b) => compareLoad(load.get(a.instanceId), load.get(b.instanceId)) || a.instanceId.localeCompare(b.instanceId));
    for (const c of ranked.slice(0, Math.max(0, bucket.capacity))) chosen.add(c.instanceId);
  }
  return [...chosen];
}

function compareLoad(a: CandidateLoad | undefined, b: CandidateLoad | undefined): number {
  const tasks = (a?.runningTasks ?? Infinity) - (b?.runningTasks ?? Infinity);
  if (tasks !== 0 && !Number.isNaN(tasks)) return tasks;
  const bottlenecked = (b?.bottleneckedMinutes ?? 0) - (a?.bottleneckedMinutes ?? 0);
  if (bottlenecked !== 0) return bottlenecked;
  const age = (a?.oldestTaskAgeSeconds ?? Infinity) - (b?.oldestTaskAgeSeconds ?? Infinity);
  if (age !== 0 && !Number.isNaN(age)) return age;
  const launched = (a?.launchedAt ?? Infinity) - (b?.launchedAt ?? Infinity);
  return Number.isNaN(launched) ? 0 : launched;
}
