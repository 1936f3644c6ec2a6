/**
 * What the simulator shows a person: a plain-text summary for the terminal and a self-contained HTML
 * report (inline SVG, no scripts, no network) with the charts operators choose a drain timeout from.
 */
import { formatDuration } from '../lambdas/domain/duration';
import { FLAP_WINDOW_SECONDS, Invariants, SimResult, drains as usesDrain } from './fleet-sim';

/** One policy's line in the comparison: the simulation's figures, rounded, beside the oracle's. */
export type RunSummary = Pick<
  SimResult,
  | 'policy'
  | 'instanceHours'
  | 'queries'
  | 'queriesKilled'
  | 'killedSeconds'
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
  | 'invariants'
  | 'faultsInjected'
  | 'stragglers'
  | 'warmPool'
> & {
  readonly oracleInstanceHours: number;
  /**
   * Drains that outlasted the drain timeout by more than two sweeps (a forced one ends within that), with
   * the longest: only a replaced straggler's may, under its own straggler drain timeout.
   */
  readonly drainsPastTimeout?: { readonly count: number; readonly longestS: number };
};

export interface SweepRow {
  readonly drainTimeout: string;
  readonly drainTimeoutSeconds: number;
  readonly queriesKilled: number;
  readonly cpuSecondsLost: number;
  readonly instanceHours: number;
  readonly drainSecondsP50: number;
  readonly drainSecondsP99: number;
  readonly forcedTerminations: number;
}

export interface Scenario {
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
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The floor's line, for the terminal and the report alike. */
function floorLine(scenario: Scenario, oracleInstanceHours: number | undefined): string {
  const ratio = oracleInstanceHours ? ` (${round(scenario.floorInstanceHours / oracleInstanceHours, 2)}× the oracle)` : '';
  return `target-tracking floor: ${round(scenario.floorInstanceHours)} instance-hours${ratio}, the least a fleet that never flaps can spend when it keeps every minute's CPU at the target and changes capacity as target tracking can (nothing changes within ${FLAP_WINDOW_SECONDS / 60} minutes of a scale-in), seeing the trace in advance`;
}

/** The violations of an Invariants block, by name; empty when every invariant holds. */
export function violations(inv: Invariants): string[] {
  return (Object.keys(inv) as (keyof Invariants)[]).filter((k) => inv[k] > 0);
}

export function summaryFrom(r: SimResult, oracleInstanceHours: number): RunSummary {
  return {
    policy: r.policy,
    instanceHours: round(r.instanceHours),
    oracleInstanceHours: round(oracleInstanceHours),
    queries: r.queries,
    queriesKilled: r.queriesKilled,
    killedSeconds: round(r.killedSeconds),
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
    ...(r.invariants ? { invariants: r.invariants } : {}),
    ...(r.faultsInjected ? { faultsInjected: r.faultsInjected } : {}),
    ...(r.stragglers ? { stragglers: { ...r.stragglers, precision: round(r.stragglers.precision, 3), recall: round(r.stragglers.recall, 3) } } : {}),
    ...(r.stragglers ? { drainsPastTimeout: drainsPastTimeout(r) } : {}),
    ...(r.warmPool ? { warmPool: { ...r.warmPool, runningHours: round(r.warmPool.runningHours), stoppedHours: round(r.warmPool.stoppedHours) } } : {}),
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
    cpuSecondsLost: round(r.killedSeconds),
    instanceHours: round(r.instanceHours),
    drainSecondsP50: round(r.drainSecondsP50),
    drainSecondsP99: round(r.drainSecondsP99),
    forcedTerminations: r.forcedTerminations,
  };
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The terminal summary. */
export function textSummary(scenario: Scenario, runs: readonly RunSummary[], sweep: readonly SweepRow[]): string {
  const parts = [
    `Scenario: ${scenario.source}, ${scenario.queries.toLocaleString('en-US')} queries over ${round(scenario.days)} days; ${scenario.slotsPerInstance} slots/instance, target CPU ${scenario.targetCpu}%, drain timeout ${scenario.drainTimeout}, seed ${scenario.seed}${scenario.warmPool ? `, warm pool of ${scenario.warmPool.size} stopped (started in ${scenario.warmPool.startSeconds} s)` : ''}${scenario.faults ? ', faults injected' : ''}${scenario.degraded > 0 ? `, ${round(scenario.degraded * 100)}% of instances degraded${scenario.degradedMidRun ? ' mid-run' : ''}` : ''}`,
    '',
    table(
      ['policy', 'instance-h', 'vs oracle', 'killed', 'lost slot-s', 'queue p50/p95 s', 'latency p95 s', 'actions', 'flaps', 'drain p50/p99 s', 'drained→done p50/p99 s', 'forced'],
      runs.map((r) => [
        r.policy,
        r.instanceHours,
        `${round(r.instanceHours / r.oracleInstanceHours, 2)}x`,
        r.queriesKilled,
        r.killedSeconds,
        `${r.queueDelayP50S}/${r.queueDelayP95S}`,
        r.queryLatencyP95S,
        r.scalingActions,
        r.flaps,
        `${r.drainSecondsP50}/${r.drainSecondsP99}`,
        usesDrain(r.policy) ? `${r.drainedToCompletedP50S}/${r.drainedToCompletedP99S}` : '-',
        r.forcedTerminations,
      ]),
    ),
    `oracle: ${runs[0]?.oracleInstanceHours ?? 0} instance-hours`,
    floorLine(scenario, runs[0]?.oracleInstanceHours),
  ];
  if (sweep.length > 0) {
    parts.push(
      '',
      'Drain timeout sweep (signals policy):',
      table(
        ['timeout', 'killed', 'lost slot-s', 'instance-h', 'drain p50 s', 'drain p99 s', 'forced'],
        sweep.map((s) => [s.drainTimeout, s.queriesKilled, s.cpuSecondsLost, s.instanceHours, s.drainSecondsP50, s.drainSecondsP99, s.forcedTerminations]),
      ),
    );
  }
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

// ---- SVG ---------------------------------------------------------------------------------------

interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly [number, number][];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  xFormat: (x: number) => string,
  kind: 'line' | 'step' = 'line',
  xTickValues?: readonly number[],
): string {
  const W = 860;
  const H = 300;
  const pad = { l: 60, r: 20, t: 12, b: 45 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p>${esc(title)}: no data.</p>`;
  const xMin = Math.min(...all.map((p) => p[0]));
  const xMax = Math.max(...all.map((p) => p[0]), xMin + 1);
  const yMax = Math.max(...all.map((p) => p[1]), 1) * 1.08;
  const x = (v: number) => pad.l + ((v - xMin) / (xMax - xMin)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / yMax) * (H - pad.t - pad.b);
  const ticks = (n: number, lo: number, hi: number) => Array.from({ length: n + 1 }, (_, k) => lo + ((hi - lo) * k) / n);
  const grid = ticks(4, 0, yMax)
    .map((v) => `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end">${round(v, v < 10 ? 1 : 0)}</text>`)
    .join('');
  const xTicks = (xTickValues ?? ticks(6, xMin, xMax))
    .map((v) => `<text x="${x(v)}" y="${H - pad.b + 16}" text-anchor="middle">${esc(xFormat(v))}</text>`)
    .join('');
  const paths = series
    .map((s) => {
      const pts = s.points.map(([a, b], k) => {
        if (kind === 'step' && k > 0) return `L${x(a)},${y(s.points[k - 1][1])} L${x(a)},${y(b)}`;
        return `${k === 0 ? 'M' : 'L'}${x(a)},${y(b)}`;
      });
      const dots = kind === 'line' ? s.points.map(([a, b]) => `<circle cx="${x(a)}" cy="${y(b)}" r="3" fill="${s.color}"/>`).join('') : '';
      return `<path d="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.6"/>${dots}`;
    })
    .join('');
  // The legend is HTML so long names wrap instead of overlapping.
  const legend = series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`).join('');
  return `<figure><figcaption>${esc(title)}</figcaption><div class="legend">${legend}</div><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" font-size="11" font-family="system-ui, sans-serif">
${grid}${xTicks}<text x="${W / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text><text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">${esc(yLabel)}</text>${paths}</svg></figure>`;
}

function histogram(title: string, values: readonly number[], bins: number, xLabel: string): string {
  if (values.length === 0) return `<p>${esc(title)}: no drains.</p>`;
  const max = Math.max(...values, 1);
  const width = max / bins;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))]++;
  const W = 860;
  const H = 260;
  const pad = { l: 60, r: 20, t: 20, b: 45 };
  const top = Math.max(...counts);
  const bw = (W - pad.l - pad.r) / bins;
  const bars = counts
    .map((c, k) => {
      const h = (c / top) * (H - pad.t - pad.b);
      return `<rect x="${pad.l + k * bw + 1}" y="${H - pad.b - h}" width="${bw - 2}" height="${h}" fill="#2563eb"><title>${round(k * width)}–${round((k + 1) * width)} s: ${c}</title></rect>`;
    })
    .join('');
  const labels = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${pad.l + f * (W - pad.l - pad.r)}" y="${H - pad.b + 16}" text-anchor="middle">${round(f * max, 0)}</text>`).join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" font-size="11" font-family="system-ui, sans-serif">${bars}${labels}<text x="${pad.l - 6}" y="${pad.t + 8}" text-anchor="end">${top}</text><text x="${W / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text></svg></figure>`;
}

function htmlTable(headers: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, k) => `<td${k > 0 ? ' class="n"' : ''}>${esc(String(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The HTML report. */
export function htmlReport(scenario: Scenario, runs: readonly RunSummary[], sweep: readonly SweepRow[], details: readonly SimResult[]): string {
  const hours = (t: number) => `${round(t / 3600, 0)}h`;
  // The product in full, and CPU target tracking alone with the same drain: the comparison the report is for.
  const graceful = details.find((d) => d.policy === 'signals') ?? details.find((d) => usesDrain(d.policy));
  const cpuOnly = details.find((d) => d.policy === 'graceful-cpu');
  const atTarget = (slots: number) => slots / (scenario.slotsPerInstance * (scenario.targetCpu / 100));
  const capacity = graceful
    ? lineChart(
        `Capacity, demand and queue over time (${graceful.policy}${cpuOnly && cpuOnly !== graceful ? ' against CPU-only' : ''})`,
        'time since start',
        'instances / queries queued',
        [
          { name: 'demand at target (slots ÷ slots per instance at target)', color: '#9ca3af', points: graceful.timeline.map((p) => [p.t, atTarget(p.demandSlots)]) },
          { name: `${graceful.policy}: in service (incl. launching)`, color: '#2563eb', points: graceful.timeline.map((p) => [p.t, p.inService]) },
          { name: `${graceful.policy}: queries queued`, color: '#7c3aed', points: graceful.timeline.map((p) => [p.t, p.queued]) },
          ...(cpuOnly && cpuOnly !== graceful
            ? [
                { name: 'graceful-cpu: in service', color: '#f59e0b', points: cpuOnly.timeline.map((p) => [p.t, p.inService] as [number, number]) },
                { name: 'graceful-cpu: queries queued', color: '#dc2626', points: cpuOnly.timeline.map((p) => [p.t, p.queued] as [number, number]) },
              ]
            : []),
        ],
        hours,
        'step',
      )
    : '';
  const drains = graceful ? histogram(`Drain durations, ${graceful.policy} policy (${graceful.drainSeconds.length} drains)`, graceful.drainSeconds, 30, 'seconds from Terminating:Wait to terminated') : '';
  const drainedToDone = graceful
    ? histogram(
        `From drained to completed, ${graceful.policy} policy (${graceful.drainedToCompleted.length} drains; p50 ${round(graceful.drainedToCompletedP50S)} s, p99 ${round(graceful.drainedToCompletedP99S)} s)`,
        graceful.drainedToCompleted,
        30,
        'seconds from the worker being drained (coordinator no longer schedules to it, no task left) to its lifecycle action completed',
      )
    : '';
  const cheapest = Math.min(...sweep.map((s) => s.instanceHours));
  const sweepChart =
    sweep.length > 0
      ? lineChart(
          'Drain timeout sweep: what each timeout costs',
          'drain timeout',
          'queries killed / extra instance-hours',
          [
            { name: 'queries killed', color: '#dc2626', points: sweep.map((s) => [s.drainTimeoutSeconds, s.queriesKilled]) },
            { name: 'instance-hours above the cheapest timeout', color: '#2563eb', points: sweep.map((s) => [s.drainTimeoutSeconds, s.instanceHours - cheapest]) },
          ],
          (x) => formatDuration(Math.round(x)),
          'line',
          sweep.map((s) => s.drainTimeoutSeconds),
        )
      : '';
  const inv = runs.find((r) => r.invariants)?.invariants;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>graceful-autoscaler simulation</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:920px;color:#111827;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;font-size:.8rem;margin-bottom:.2rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.35rem;vertical-align:-1px}.note{color:#4b5563;font-size:.9rem}.ok{color:#15803d}.bad{color:#b91c1c}
</style></head><body>
<h1>How long does graceful termination take, and what does it cost?</h1>
<p class="note">${esc(scenario.source)} · ${scenario.queries.toLocaleString('en-US')} queries over ${round(scenario.days)} days · ${scenario.slotsPerInstance} slots per instance · target CPU ${scenario.targetCpu}% · drain timeout ${esc(scenario.drainTimeout)} · capacity ${scenario.minCapacity}–${scenario.maxCapacity} (static fleet ${scenario.staticCapacity}) · seed ${scenario.seed}${scenario.faults ? ' · faults injected' : ''}</p>
<h2>Policies compared</h2>
${htmlTable(
  ['policy', 'instance-hours', 'vs oracle', 'queries killed', 'slot-seconds lost', 'queue delay p50 / p95 (s)', 'latency p95 (s)', 'scaling actions', 'flaps', 'drain p50 / p99 (s)', 'drained → completed p50 / p99 (s)', 'forced'],
  runs.map((r) => [
    r.policy,
    r.instanceHours,
    `${round(r.instanceHours / r.oracleInstanceHours, 2)}×`,
    r.queriesKilled,
    r.killedSeconds,
    `${r.queueDelayP50S} / ${r.queueDelayP95S}`,
    r.queryLatencyP95S,
    r.scalingActions,
    r.flaps,
    `${r.drainSecondsP50} / ${r.drainSecondsP99}`,
    usesDrain(r.policy) ? `${r.drainedToCompletedP50S} / ${r.drainedToCompletedP99S}` : '–',
    r.forcedTerminations,
  ]),
)}
<p class="note">signals: this project in full: the drain controller, CPU target tracking, and the scaling decision on the coordinator's queue tracked by a second target tracking policy (docs/scaling.md). graceful-cpu: the same drain controller (terminate hook, stop signal, idle test, least-busy scale-in) under CPU target tracking alone. A flap is a scale-in followed by a scale-out within 15 minutes. no-hook: target tracking terminating at once. cron-timeout: a hook completed by a 1-minute check when the worker happens to be idle, forced at the timeout, workers never told to stop. static-peak: a fixed fleet sized for the trace's peak at the same target utilisation. Oracle: ${runs[0]?.oracleInstanceHours ?? 0} instance-hours, Σ ceil(concurrent slots ÷ (slots × target)) from the trace. ${esc(capitalized(floorLine(scenario, runs[0]?.oracleInstanceHours)))}. From the oracle up to the floor is what target tracking's cadence costs any policy; above the floor is the policy's own lag and guesses.</p>
${runs
  .filter((r) => r.stragglers)
  .map((r) => `<p class="note">Stragglers (${esc(r.policy)}): ${r.stragglers!.injected} degraded instances injected, ${r.stragglers!.replaced} replaced, ${r.stragglers!.falseReplacements} healthy ones replaced; detector precision ${r.stragglers!.precision}, recall ${r.stragglers!.recall}; ${r.stragglers!.slowedQueries} queries ran on a degraded instance.</p>`)
  .join('\n')}
${inv ? `<p class="${violations(inv).length === 0 ? 'ok' : 'bad'}">Invariants: instances terminated with running tasks before their deadline ${inv.terminatedBusyBeforeDeadline}; still waiting past deadline + 2 sweeps ${inv.waitingPastDeadline}; lifecycle actions completed twice with effect ${inv.completedTwiceWithEffect}; completed before Trino's coordinator stopped scheduling to the worker ${inv.completedInUnsafeWindow}.</p>` : ''}
<h2>Capacity</h2>${capacity}
<h2>Drains</h2>${drains}${drainedToDone}
<p class="note">A worker is drained once the coordinator has seen it shutting down (so schedules nothing more to it) and it runs no task. Its agent then reports to the controller's queue, and the controller verifies and completes the lifecycle action; the one-minute sweep remains the safety net.</p>
${sweep.length > 0 ? `<h2>Choosing the drain timeout</h2>${sweepChart}${htmlTable(
  ['drain timeout', 'queries killed', 'slot-seconds lost', 'instance-hours', 'drain p50 (s)', 'drain p99 (s)', 'forced'],
  sweep.map((s) => [s.drainTimeout, s.queriesKilled, s.cpuSecondsLost, s.instanceHours, s.drainSecondsP50, s.drainSecondsP99, s.forcedTerminations]),
)}<p class="note">A longer timeout kills fewer queries and keeps draining instances (and their cost) longer. Pick the shortest timeout whose kills you can accept.</p>` : ''}
</body></html>
`;
}
