/**
 * What the simulator shows a person in the terminal: the plain-text summary, and the figures (run
 * summaries, sweep rows, the scenario) the HTML report (sim/report-html.ts) draws too.
 */
import { formatDuration } from '../core/util/duration';
import { SimPricing, fleetCostUsd } from './cost';
import { EngineName, FLAP_WINDOW_SECONDS, Invariants, SimResult, drains as usesDrain } from './fleet-sim';

/** One policy's line in the comparison: the simulation's figures, rounded, beside the oracle's. */
export type RunSummary = Pick<
  SimResult,
  | 'policy'
  | 'instanceHours'
  | 'queries'
  | 'queriesKilled'
  | 'killedSeconds'
  | 'tasksRedone'
  | 'redoneTaskSeconds'
  | 'queueDelayP50S'
  | 'queueDelayP95S'
  | 'queryLatencyP50S'
  | 'queryLatencyP95S'
  | 'drainSecondsP50'
  | 'drainSecondsP99'
  | 'drainedToCompletedP50S'
  | 'drainedToCompletedP99S'
  | 'forcedTerminations'
  | 'gracefulTerminations'
  | 'instancesMax'
  | 'scalingActions'
  | 'flaps'
  | 'decisions'
  | 'scaleInGate'
  | 'drainExtensions'
  | 'invariants'
  | 'faultsInjected'
  | 'stragglers'
  | 'warmPool'
> & {
  readonly oracleInstanceHours: number;
  /** The fleet's EC2 and root volumes for the run's instance-hours, at the scenario's prices. */
  readonly costUsd: number;
  /**
   * Drains that outlasted the drain timeout by more than two sweeps (a forced one ends within that), with
   * the longest: only a replaced straggler's may, under its own straggler drain timeout.
   */
  readonly drainsPastTimeout?: { readonly count: number; readonly longestS: number };
  /** Share of the run the group's desired capacity sat at its minimum (from the 5-minute timeline). */
  readonly minCapacityShare?: number;
};

export interface SweepRow {
  readonly drainTimeout: string;
  readonly drainTimeoutSeconds: number;
  readonly queriesKilled: number;
  /** Slot-seconds of work the kills lost: the same figure as a run's `killedSeconds`. */
  readonly killedSeconds: number;
  readonly instanceHours: number;
  readonly drainSecondsP50: number;
  readonly drainSecondsP99: number;
  readonly forcedTerminations: number;
  /** Drains in the run, and the longest: a timeout no drain reached changed nothing. */
  readonly drains: number;
  readonly drainSecondsMax: number;
}

export interface Scenario {
  /** The engine model (sim/engine.ts): where a query's tasks run. */
  readonly engine: EngineName;
  /** How `signals` scales in, when not as deployed (`agree`): `gate` (sim/options.ts ScaleInMode). */
  readonly scaleIn?: 'gate';
  /** Present with `--predictive-scaling`: the group had a predictive scaling policy in forecast-and-scale mode. */
  readonly predictiveScaling?: true;
  readonly source: string;
  readonly queries: number;
  readonly days: number;
  readonly slotsPerInstance: number;
  readonly targetCpu: number;
  readonly drainTimeout: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly staticCapacity: number;
  readonly seed: number;
  readonly faults: boolean;
  /** Share of instances degraded (tasks 2× slower), and whether they degrade mid-run. */
  readonly degraded: number;
  readonly degradedMidRun: boolean;
  /** The warm pool beside the group, when one was simulated. */
  readonly warmPool?: { readonly size: number; readonly startSeconds: number };
  /**
   * The target-tracking floor (sim/floor.ts): the fewest instance-hours a fleet that never flaps can
   * spend when it changes capacity as target tracking can, knowing the trace in advance.
   */
  readonly floorInstanceHours: number;
  /** What the dollars are priced at: the instance type, and the price table's region, date and source. */
  readonly prices: ScenarioPrices;
  /**
   * The autoscaler's own AWS cost over the run, for the full policy (`signals`): sim/cost.ts, own-usage.ts's
   * rates applied to the run's instance-hours and minutes, not counted call by call.
   */
  readonly ownCostUsd: number;
  /** When the trace's arrivals were timestamps: its first arrival, ISO-8601; the report's time axes read as dates. */
  readonly startsAt?: string;
}

export interface ScenarioPrices {
  readonly region: string;
  readonly asOf: string;
  readonly instanceType: string;
  /** The instance type's on-demand hourly price and its source. */
  readonly instanceHourUsd: number;
  readonly source: string;
  readonly rootVolumeGiB: number;
}

/** The scenario's price block from what a run is priced at. */
export function scenarioPrices(p: SimPricing): ScenarioPrices {
  const price = p.table.instanceHourly[p.instanceType];
  return { region: p.table.region, asOf: p.table.asOf, instanceType: p.instanceType, instanceHourUsd: price.usd, source: price.source, rootVolumeGiB: p.rootVolumeGiB };
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The floor's line, for the terminal and the report alike. */
export function floorLine(scenario: Scenario, oracleInstanceHours: number | undefined): string {
  const ratio = oracleInstanceHours ? ` (${round(scenario.floorInstanceHours / oracleInstanceHours, 2)}× the oracle)` : '';
  return `target-tracking floor: ${round(scenario.floorInstanceHours)} instance-hours${ratio}, the least a fleet that never flaps can spend when it keeps every minute's CPU at the target and changes capacity as target tracking can (capacity may step down again a minute after a scale-in, as the low alarm acts every minute it stays in ALARM, but does not rise within ${FLAP_WINDOW_SECONDS / 60} minutes of one), seeing the trace in advance`;
}

/** The violations of an Invariants block, by name; empty when every invariant holds. */
export function violations(inv: Invariants): string[] {
  return (Object.keys(inv) as (keyof Invariants)[]).filter((k) => inv[k] > 0);
}

/** Share of a run's time its group's desired capacity was at the minimum, each 5-minute sample weighted by its length. */
function minCapacityShare(r: SimResult, minCapacity: number): number {
  let at = 0;
  let total = 0;
  for (let k = 0; k + 1 < r.timeline.length; k++) {
    const dt = r.timeline[k + 1].t - r.timeline[k].t;
    total += dt;
    if (r.timeline[k].desired <= minCapacity) at += dt;
  }
  return total > 0 ? at / total : 0;
}

/** One run's summary; given the group's minimum, with the share of the run it sat there. */
export function summaryFrom(r: SimResult, oracleInstanceHours: number, pricing: SimPricing, minCapacity?: number): RunSummary {
  return {
    policy: r.policy,
    instanceHours: round(r.instanceHours),
    costUsd: round(fleetCostUsd(r.instanceHours, pricing), 2),
    oracleInstanceHours: round(oracleInstanceHours),
    queries: r.queries,
    queriesKilled: r.queriesKilled,
    killedSeconds: round(r.killedSeconds),
    ...(r.tasksRedone === undefined ? {} : { tasksRedone: r.tasksRedone, redoneTaskSeconds: round(r.redoneTaskSeconds ?? 0) }),
    queueDelayP50S: round(r.queueDelayP50S, 2),
    queueDelayP95S: round(r.queueDelayP95S, 2),
    queryLatencyP50S: round(r.queryLatencyP50S, 1),
    queryLatencyP95S: round(r.queryLatencyP95S, 1),
    drainSecondsP50: round(r.drainSecondsP50),
    drainSecondsP99: round(r.drainSecondsP99),
    drainedToCompletedP50S: round(r.drainedToCompletedP50S),
    drainedToCompletedP99S: round(r.drainedToCompletedP99S),
    forcedTerminations: r.forcedTerminations,
    gracefulTerminations: r.gracefulTerminations,
    instancesMax: r.instancesMax,
    scalingActions: r.scalingActions,
    flaps: r.flaps,
    ...(r.decisions ? { decisions: r.decisions } : {}),
    ...(r.scaleInGate ? { scaleInGate: r.scaleInGate } : {}),
    ...(r.drainExtensions ? { drainExtensions: r.drainExtensions } : {}),
    ...(r.invariants ? { invariants: r.invariants } : {}),
    ...(r.faultsInjected ? { faultsInjected: r.faultsInjected } : {}),
    ...(r.stragglers ? { stragglers: { ...r.stragglers, precision: round(r.stragglers.precision, 3), recall: round(r.stragglers.recall, 3) } } : {}),
    ...(r.stragglers ? { drainsPastTimeout: drainsPastTimeout(r) } : {}),
    ...(r.warmPool ? { warmPool: { ...r.warmPool, runningHours: round(r.warmPool.runningHours), stoppedHours: round(r.warmPool.stoppedHours) } } : {}),
    ...(minCapacity !== undefined ? { minCapacityShare: round(minCapacityShare(r, minCapacity), 3) } : {}),
  };
}

/** A forced drain ends within two sweeps of its deadline; anything longer drained under another deadline. */
function drainsPastTimeout(r: SimResult): { count: number; longestS: number } {
  const long = r.drainSeconds.filter((d) => d > r.drainTimeoutSeconds + 120);
  return { count: long.length, longestS: Math.round(Math.max(0, ...long)) };
}

export function sweepRowFrom(r: SimResult): SweepRow {
  return {
    drainTimeout: formatDuration(r.drainTimeoutSeconds),
    drainTimeoutSeconds: r.drainTimeoutSeconds,
    queriesKilled: r.queriesKilled,
    killedSeconds: round(r.killedSeconds),
    instanceHours: round(r.instanceHours),
    drainSecondsP50: round(r.drainSecondsP50),
    drainSecondsP99: round(r.drainSecondsP99),
    forcedTerminations: r.forcedTerminations,
    drains: r.drainSeconds.length,
    drainSecondsMax: round(r.drainSeconds.reduce((m, d) => Math.max(m, d), 0)),
  };
}

/**
 * The sweep's recommended drain timeout: the shortest whose kills are the sweep's fewest. Past it a
 * longer timeout saves no query and only keeps draining instances longer. None when kills still fall
 * at the longest timeout swept: that one is only the end of the list (under Trino, where drains wait
 * for fleet-wide queries, the default sweep ends there), and a longer one would kill fewer.
 */
export function recommendedTimeout(sweep: readonly SweepRow[]): SweepRow | undefined {
  if (sweep.length === 0) return undefined;
  const sorted = [...sweep].sort((a, b) => a.drainTimeoutSeconds - b.drainTimeoutSeconds);
  const fewest = Math.min(...sweep.map((s) => s.queriesKilled));
  const best = sorted.find((s) => s.queriesKilled === fewest)!;
  const longest = sorted[sorted.length - 1];
  const stillFalling = best === longest && fewest > 0 && sorted.length > 1 && sorted[sorted.length - 2].queriesKilled > fewest;
  return stillFalling ? undefined : best;
}

/** The longest timeout of a sweep and its kills, as the no-recommendation line names them. */
export function sweepEnd(sweep: readonly SweepRow[]): string {
  const longest = [...sweep].sort((a, b) => b.drainTimeoutSeconds - a.drainTimeoutSeconds)[0];
  return `${longest.drainTimeout}: ${longest.queriesKilled} killed`;
}

export const usd = (x: number) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The prices line: what a dollar figure means, for the terminal and the report alike. */
export function pricesLine(scenario: Scenario): string {
  const p = scenario.prices;
  return `Dollars: ${p.instanceType} at $${p.instanceHourUsd}/hour plus a ${p.rootVolumeGiB} GiB gp3 root volume per instance, ${p.region} prices as of ${p.asOf} (${p.source})`;
}

/** The autoscaler's own cost line. */
export function ownCostLine(scenario: Scenario): string {
  return `The autoscaler itself (signals): about ${usd(scenario.ownCostUsd)} over the run for the agent's metrics and requests, the straggler function's reads and the scheduled functions, from the cost model's per-instance-hour and per-minute rates (sim/cost.ts), not counted call by call; alarms, the dashboard and the key are not in it (npm run bench:cost)`;
}

/** How the policy table is written: the terminal's short headers and ASCII, or the report's long headers and typography. */
export interface PolicyTableStyle {
  readonly headers: 'text' | 'html';
  /** Between a median and its tail percentile. */
  readonly pair: string;
  /** After a ratio. */
  readonly times: string;
  /** A figure the policy has none of. */
  readonly none: string;
  readonly usd: (x: number) => string;
}

export const TEXT_POLICY_TABLE: PolicyTableStyle = { headers: 'text', pair: '/', times: 'x', none: '-', usd: (x) => x.toFixed(2) };

/** The policy comparison's columns: the text summary and the HTML report show the same figures, each column named for both. */
const POLICY_COLUMNS: readonly { readonly text: string; readonly html: string; readonly cell: (r: RunSummary, s: PolicyTableStyle) => string | number }[] = [
  { text: 'policy', html: 'policy', cell: (r) => r.policy },
  { text: 'instance-h', html: 'instance-hours', cell: (r) => r.instanceHours },
  { text: 'cost $', html: 'cost (USD)', cell: (r, s) => s.usd(r.costUsd) },
  { text: 'vs oracle', html: 'vs oracle', cell: (r, s) => `${round(r.instanceHours / r.oracleInstanceHours, 2)}${s.times}` },
  { text: 'killed', html: 'queries killed', cell: (r) => r.queriesKilled },
  { text: 'killed slot-s', html: 'killed slot-seconds', cell: (r) => r.killedSeconds },
  { text: 'queue p50/p95 s', html: 'queue delay p50 / p95 (s)', cell: (r, s) => `${r.queueDelayP50S}${s.pair}${r.queueDelayP95S}` },
  { text: 'latency p95 s', html: 'latency p95 (s)', cell: (r) => r.queryLatencyP95S },
  { text: 'actions', html: 'scaling actions', cell: (r) => r.scalingActions },
  { text: 'flaps', html: 'flaps', cell: (r) => r.flaps },
  { text: 'drain p50/p99 s', html: 'drain p50 / p99 (s)', cell: (r, s) => `${r.drainSecondsP50}${s.pair}${r.drainSecondsP99}` },
  {
    text: 'drained→done p50/p99 s',
    html: 'drained → completed p50 / p99 (s)',
    cell: (r, s) => (usesDrain(r.policy) ? `${r.drainedToCompletedP50S}${s.pair}${r.drainedToCompletedP99S}` : s.none),
  },
  { text: 'forced', html: 'forced', cell: (r) => r.forcedTerminations },
];

/** The policy comparison as headers and rows, in a style. */
export function policyTable(runs: readonly RunSummary[], style: PolicyTableStyle): { headers: string[]; rows: (string | number)[][] } {
  return { headers: POLICY_COLUMNS.map((c) => c[style.headers]), rows: runs.map((r) => POLICY_COLUMNS.map((c) => c.cell(r, style))) };
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** At or above this share of the run at minimum capacity, every autoscaled fleet is said to have sat there. */
const MOSTLY_AT_MIN = 0.8;

/**
 * What happened when every autoscaled fleet sat at its minimum capacity most of the run. They all pay the
 * minimum then, so the table shows each near the oracle and the policies cannot differ; without this line
 * nothing said so (issue 40 item 7).
 */
function atMinimumLines(scenario: Scenario, runs: readonly RunSummary[]): string[] {
  const scaled = runs.filter((r) => r.policy !== 'static-peak' && r.minCapacityShare !== undefined);
  if (scaled.length === 0 || scaled.some((r) => r.minCapacityShare! < MOSTLY_AT_MIN)) return [];
  const shares = scaled.map((r, k) => `${r.policy} ${Math.round(r.minCapacityShare! * 100)}%${k === 0 ? ' of the time' : ''}`).join(', ');
  const load =
    scenario.staticCapacity <= scenario.minCapacity
      ? `The load never needed more: even its peak fits in ${scenario.minCapacity} instance(s) at the ${scenario.targetCpu}% target`
      : `The load needed more only at times: its peak needs ${scenario.staticCapacity} instances at the ${scenario.targetCpu}% target`;
  return [
    `What happened: the fleet sat at its minimum capacity (--min ${scenario.minCapacity}) most of the time: ${shares}. ${load}, so the policies cannot differ much on it: each pays about the minimum's instance-hours, as the oracle does. To compare them, replay a busier trace, or set --min to what the load needs.`,
  ];
}

/** Sweep rows that show the same figures, next to each other: a run of timeouts that changed nothing. */
function identicalRuns(sweep: readonly SweepRow[]): SweepRow[][] {
  const same = (a: SweepRow, b: SweepRow) =>
    a.queriesKilled === b.queriesKilled && a.killedSeconds === b.killedSeconds && a.instanceHours === b.instanceHours && a.drainSecondsP50 === b.drainSecondsP50 && a.drainSecondsP99 === b.drainSecondsP99 && a.forcedTerminations === b.forcedTerminations;
  const groups: SweepRow[][] = [];
  for (const s of sweep) {
    const last = groups[groups.length - 1];
    if (last && same(last[0], s)) last.push(s);
    else groups.push([s]);
  }
  return groups;
}

/** Why identical sweep rows are identical, when the runs say. */
function identicalBecause(group: readonly SweepRow[]): string {
  const shortest = group.reduce((a, b) => (b.drainTimeoutSeconds < a.drainTimeoutSeconds ? b : a));
  const longest = Math.max(...group.map((s) => s.drainSecondsMax));
  if (group.every((s) => s.drains === 0)) return ': no instance was ever drained (the fleet never scaled in), so no timeout was reached and a longer one changes nothing on this trace';
  if (longest < shortest.drainTimeoutSeconds) return `: no drain lasted as long as ${shortest.drainTimeout} (the longest took ${longest} s), so none was cut short and a longer timeout changes nothing on this trace`;
  if (group.every((s) => s.forcedTerminations === 0)) return ': none of them forced a drain';
  return '';
}

/** The terminal summary; `after` (the frontier's lines, sim/frontier-report.ts) follows the timeout sweep. */
export function textSummary(scenario: Scenario, runs: readonly RunSummary[], sweep: readonly SweepRow[], after: readonly string[] = []): string {
  const policyRows = policyTable(runs, TEXT_POLICY_TABLE);
  const parts = [
    `Engine model ${scenario.engine}${scenario.scaleIn ? '; signals scales in through the scale-in gate (docs/scaling.md)' : ''}; scenario: ${scenario.source}, ${scenario.queries.toLocaleString('en-US')} queries over ${round(scenario.days)} days; ${scenario.slotsPerInstance} slots/instance, target CPU ${scenario.targetCpu}%, drain timeout ${scenario.drainTimeout}, seed ${scenario.seed}${scenario.warmPool ? `, warm pool of ${scenario.warmPool.size} stopped (started in ${scenario.warmPool.startSeconds} s)` : ''}${scenario.faults ? ', faults injected' : ''}${scenario.degraded > 0 ? `, ${round(scenario.degraded * 100)}% of instances degraded${scenario.degradedMidRun ? ' mid-run' : ''}` : ''}`,
    '',
    table(policyRows.headers, policyRows.rows),
    ...atMinimumLines(scenario, runs),
    ...runs.filter((r) => r.tasksRedone !== undefined && r.tasksRedone > 0).map((r) => `${r.policy}: ${r.tasksRedone} tasks redone on another worker after theirs was terminated (${r.redoneTaskSeconds} task-seconds of work redone; no query killed by a termination)`),
    `oracle: ${runs[0]?.oracleInstanceHours ?? 0} instance-hours`,
    floorLine(scenario, runs[0]?.oracleInstanceHours),
    pricesLine(scenario),
    ownCostLine(scenario),
  ];
  if (sweep.length > 0) {
    const best = recommendedTimeout(sweep);
    // Timeouts next to each other with the same figures are one row, and a line says why.
    const groups = identicalRuns(sweep);
    const label = (g: readonly SweepRow[]) => (g.length === 1 ? g[0].drainTimeout : `${g[0].drainTimeout}–${g[g.length - 1].drainTimeout}`);
    parts.push(
      '',
      'Drain timeout sweep (signals policy):',
      table(
        ['timeout', 'killed', 'killed slot-s', 'instance-h', 'drain p50 s', 'drain p99 s', 'forced'],
        groups.map((g) => [`${label(g)}${best && g.includes(best) ? ' *' : ''}`, g[0].queriesKilled, g[0].killedSeconds, g[0].instanceHours, g[0].drainSecondsP50, g[0].drainSecondsP99, g[0].forcedTerminations]),
      ),
      ...groups.filter((g) => g.length > 1).map((g) => `${label(g)}: the ${g.length} timeouts (${g.map((s) => s.drainTimeout).join(', ')}) gave identical results${identicalBecause(g)}`),
      best
        ? `* recommended: ${best.drainTimeout}, the shortest timeout with the sweep's fewest kills (${best.queriesKilled})`
        : `No recommendation from the sweep: kills still fall at its longest timeout (${sweepEnd(sweep)}); a longer one would kill fewer. Widen --sweep-timeouts, or state a tolerance for the frontier (--tolerate-kills-per-day N).`,
    );
  }
  parts.push(...after);
  for (const r of runs.filter((r) => r.stragglers)) {
    const s = r.stragglers!;
    parts.push(
      '',
      `Stragglers (${r.policy}): ${s.injected} degraded instance(s) injected, ${s.replaced} replaced, ${s.falseReplacements} healthy one(s) replaced; detector precision ${s.precision}, recall ${s.recall}, detected ${s.detectionDelayP50S} s (p50) / ${s.detectionDelayP95S} s (p95) after onset`,
    );
    const long = r.drainsPastTimeout;
    if (long && long.count > 0) {
      const replacements = s.replaced + s.falseReplacements;
      parts.push(
        `Drains past the ${scenario.drainTimeout} drain timeout (${r.policy}): ${long.count}, the longest ${long.longestS} s; ${replacements} straggler replacement(s), each drained under its own straggler drain timeout (--straggler-drain-timeout, 4h by default), so its queries finish at its slow pace instead of being killed${long.count > replacements ? `; ${long.count - replacements} not explained by a replacement` : ''}`,
      );
    }
  }
  for (const r of runs.filter((r) => r.warmPool)) {
    const w = r.warmPool!;
    parts.push(
      '',
      `Warm pool (${r.policy}): ${w.started} scale-out instance(s) started from the pool, ${w.launchedDirect} launched with none ready; ${w.launched} launched into the pool (${w.runningHours} instance-h booting, counted above), ${w.stoppedHours} h stopped (volumes billed only)`,
    );
  }
  const inv = runs.find((r) => r.invariants)?.invariants;
  if (inv) {
    const ok = violations(inv).length === 0;
    parts.push(
      '',
      `Invariants (our drain): terminated busy before deadline ${inv.terminatedBusyBeforeDeadline}, waiting past deadline + 2 sweeps ${inv.waitingPastDeadline}, completed twice ${inv.completedTwiceWithEffect}, completed inside Trino's unsafe window ${inv.completedInUnsafeWindow} — ${ok ? 'all hold' : 'VIOLATED'}`,
    );
  }
  return parts.join('\n');
}
