/**
 * The self-contained HTML report (inline SVG, no scripts, no network) with the charts operators choose a
 * drain timeout from. The figures come from sim/report.ts, so the terminal and the page say the same.
 */
import { formatDuration } from '../core/util/duration';
import { Axis, esc, histogram, lineChart, niceTicks, timeAxis, valueAxis } from './chart';
import { SimPricing, accumulatedCost, fleetCostUsd } from './cost';
import { SimResult, drains as usesDrain } from './fleet-sim';
import { PolicyTableStyle, RunSummary, Scenario, SweepRow, capitalized, floorLine, ownCostLine, policyTable, pricesLine, recommendedTimeout, round, sweepEnd, usd, violations } from './report';

/** The policy table in the report: long headers, spaced slashes, the times sign and an en dash. */
const HTML_POLICY_TABLE: PolicyTableStyle = { headers: 'html', pair: ' / ', times: '×', none: '–', usd };

export function htmlTable(headers: string[], rows: (string | number)[][], highlighted: readonly boolean[] = []): string {
  return `<table><thead><tr>${headers.map((h, k) => `<th${k > 0 ? ' class="n"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r, i) => `<tr${highlighted[i] ? ' class="best"' : ''}>${r.map((c, k) => `<td${k > 0 ? ' class="n"' : ''}>${esc(String(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const COLORS: Record<string, string> = { signals: '#2563eb', 'graceful-cpu': '#f59e0b', 'no-hook': '#dc2626', 'cron-timeout': '#7c3aed', 'static-peak': '#6b7280' };

/** The HTML report; `frontier` (the frontier's section, sim/frontier-report.ts) follows the drain-timeout sweep. */
export function htmlReport(scenario: Scenario, runs: readonly RunSummary[], sweep: readonly SweepRow[], details: readonly SimResult[], pricing: SimPricing, frontier = ''): string {
  const origin = scenario.startsAt ? new Date(scenario.startsAt) : undefined;
  const time = (lo: number, hi: number) => timeAxis(lo, hi, origin);
  const timeLabel = origin ? 'time (UTC)' : 'time since the start of the trace';
  // The product in full, and CPU target tracking alone with the same drain: the comparison the report is for.
  const graceful = details.find((d) => d.policy === 'signals') ?? details.find((d) => usesDrain(d.policy));
  const cpuOnly = details.find((d) => d.policy === 'graceful-cpu');
  const against = cpuOnly && cpuOnly !== graceful ? cpuOnly : undefined;
  const atTarget = (slots: number) => slots / (scenario.slotsPerInstance * (scenario.targetCpu / 100));
  const capacity = graceful
    ? lineChart({
        title: `Instances over time (${graceful.policy}${against ? ' against CPU-only' : ''})`,
        xLabel: timeLabel,
        yLabel: 'instances',
        x: time,
        xFrom: 0,
        kind: 'step',
        series: [
          { name: 'demand at target (slots ÷ slots per instance at target)', color: '#9ca3af', points: graceful.timeline.map((p) => [p.t, atTarget(p.demandSlots)]) },
          { name: `${graceful.policy}: in service (incl. launching)`, color: COLORS.signals, points: graceful.timeline.map((p) => [p.t, p.inService]) },
          ...(against ? [{ name: 'graceful-cpu: in service (incl. launching)', color: COLORS['graceful-cpu'], points: against.timeline.map((p) => [p.t, p.inService] as [number, number]) }] : []),
        ],
      })
    : '';
  const queue = graceful
    ? lineChart({
        title: `Queries queued over time (${graceful.policy}${against ? ' against CPU-only' : ''})`,
        xLabel: timeLabel,
        yLabel: 'queries queued',
        x: time,
        xFrom: 0,
        kind: 'step',
        height: 200,
        series: [
          { name: `${graceful.policy}: queries queued`, color: COLORS.signals, points: graceful.timeline.map((p) => [p.t, p.queued]) },
          ...(against ? [{ name: 'graceful-cpu: queries queued', color: COLORS['graceful-cpu'], points: against.timeline.map((p) => [p.t, p.queued] as [number, number]) }] : []),
        ],
      })
    : '';
  const cost = lineChart({
    title: `Fleet cost accumulated over the run, per policy (${scenario.prices.instanceType})`,
    xLabel: timeLabel,
    yLabel: 'US dollars',
    x: time,
    xFrom: 0,
    y: (hi) => valueAxis(0, hi, 5, (l) => `$${l}`),
    kind: 'step',
    series: details.map((d) => ({
      name: `${d.policy}: ${usd(runs.find((r) => r.policy === d.policy)?.costUsd ?? 0)}`,
      color: COLORS[d.policy] ?? '#111827',
      points: accumulatedCost(d.timeline.map((p) => ({ t: p.t, instances: p.inService + p.draining })), pricing),
    })),
  });
  const drains = graceful ? histogram(`Drain durations, ${graceful.policy} policy (${graceful.drainSeconds.length} drains)`, graceful.drainSeconds, 30, 'seconds from Terminating:Wait to terminated') : '';
  const drainedToDone = graceful
    ? histogram(
        `From drained to completed, ${graceful.policy} policy (${graceful.drainedToCompleted.length} drains; p50 ${round(graceful.drainedToCompletedP50S)} s, p99 ${round(graceful.drainedToCompletedP99S)} s)`,
        graceful.drainedToCompleted,
        30,
        'seconds from the worker being drained (coordinator no longer schedules to it, no task left) to its lifecycle action completed',
      )
    : '';
  const best = recommendedTimeout(sweep);
  const cheapest = Math.min(...sweep.map((s) => s.instanceHours));
  // The sweep's own timeouts are the ticks: they are the choices.
  const timeouts = (): Axis => ({ ticks: sweep.map((s) => s.drainTimeoutSeconds), format: (x) => formatDuration(Math.round(x)) });
  const markers = best ? [{ x: best.drainTimeoutSeconds, label: `recommended: ${best.drainTimeout}` }] : [];
  const whole = (hi: number) => (hi < 5 ? { ticks: niceTicks(0, Math.max(hi, 1), Math.max(1, Math.ceil(hi))), format: (v: number) => String(v) } : valueAxis(0, hi, 4));
  const sweepCharts =
    sweep.length > 0
      ? lineChart({ title: 'Queries killed by each drain timeout', xLabel: 'drain timeout', yLabel: 'queries killed', x: timeouts, y: whole, markers, height: 220, series: [{ name: 'queries killed', color: '#dc2626', points: sweep.map((s) => [s.drainTimeoutSeconds, s.queriesKilled]) }] }) +
        lineChart({
          title: 'Instance-hours each drain timeout adds',
          xLabel: 'drain timeout',
          yLabel: 'extra instance-hours',
          x: timeouts,
          markers,
          height: 220,
          series: [{ name: 'instance-hours above the cheapest timeout', color: '#2563eb', points: sweep.map((s) => [s.drainTimeoutSeconds, round(s.instanceHours - cheapest)]) }],
        })
      : '';
  const inv = runs.find((r) => r.invariants)?.invariants;
  const policyRows = policyTable(runs, HTML_POLICY_TABLE);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>graceful-autoscaler simulation</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1240px;padding:0 1.5rem;color:#111827;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}.wide{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border-bottom:1px solid #e5e7eb;padding:.35rem .45rem;text-align:left}td{white-space:nowrap}th{vertical-align:bottom;font-weight:600}th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}tr.best td{background:#f0fdf4;font-weight:600}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;font-size:.8rem;margin-bottom:.2rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.35rem;vertical-align:-1px}.note{color:#4b5563;font-size:.9rem;max-width:75em}.ok{color:#15803d}.bad{color:#b91c1c}
</style></head><body>
<h1>How long does graceful termination take, and what does it cost?</h1>
<p class="note">engine model ${esc(scenario.engine)} · ${esc(scenario.source)} · ${scenario.queries.toLocaleString('en-US')} queries over ${round(scenario.days)} days${scenario.startsAt ? ` from ${esc(scenario.startsAt)}` : ''} · ${scenario.slotsPerInstance} slots per instance · target CPU ${scenario.targetCpu}% · drain timeout ${esc(scenario.drainTimeout)} · capacity ${scenario.minCapacity}–${scenario.maxCapacity} (static fleet ${scenario.staticCapacity}) · seed ${scenario.seed}${scenario.faults ? ' · faults injected' : ''}</p>
<h2>Policies compared</h2>
<div class="wide">${htmlTable(policyRows.headers, policyRows.rows)}</div>
<p class="note">${esc(pricesLine(scenario))}. ${esc(capitalized(ownCostLine(scenario)))}.</p>
<p class="note">signals: this project in full: the drain controller, CPU target tracking, and the scaling decision on the coordinator's queue tracked by a second target tracking policy (docs/scaling.md). graceful-cpu: the same drain controller (terminate hook, stop signal, idle test, least-busy scale-in) under CPU target tracking alone. A flap is a scale-in followed by a scale-out within 15 minutes. no-hook: target tracking terminating at once. cron-timeout: a hook completed by a 1-minute check when the worker happens to be idle, forced at the timeout, workers never told to stop. static-peak: a fixed fleet sized for the trace's peak at the same target utilisation. Killed slot-seconds: the work terminations threw away (<code>killedSeconds</code> in <code>--json</code>). Oracle: ${runs[0]?.oracleInstanceHours ?? 0} instance-hours, Σ ceil(concurrent slots ÷ (slots × target)) from the trace. ${esc(capitalized(floorLine(scenario, runs[0]?.oracleInstanceHours)))}. From the oracle up to the floor is what target tracking's cadence costs any policy; above the floor is the policy's own lag and guesses.</p>
${runs
  .filter((r) => r.stragglers)
  .map((r) => `<p class="note">Stragglers (${esc(r.policy)}): ${r.stragglers!.injected} degraded instances injected, ${r.stragglers!.replaced} replaced, ${r.stragglers!.falseReplacements} healthy ones replaced; detector precision ${r.stragglers!.precision}, recall ${r.stragglers!.recall}; ${r.stragglers!.slowedQueries} queries ran on a degraded instance.</p>`)
  .join('\n')}
${inv ? `<p class="${violations(inv).length === 0 ? 'ok' : 'bad'}">Invariants: instances terminated with running tasks before their deadline ${inv.terminatedBusyBeforeDeadline}; still waiting past deadline + 2 sweeps ${inv.waitingPastDeadline}; lifecycle actions completed twice with effect ${inv.completedTwiceWithEffect}; completed before Trino's coordinator stopped scheduling to the worker ${inv.completedInUnsafeWindow}.</p>` : ''}
<h2>Capacity</h2>${capacity}${queue}
<h2>Cost</h2>${cost}
<p class="note">Each policy's fleet (in service, launching and draining) sampled every 5 minutes, times ${usd(fleetCostUsd(1, pricing))} an instance-hour (${esc(scenario.prices.instanceType)} and its root volume). The table's figure comes from the exact instance-hours, so a line's end lands near it, not on it. ${esc(pricesLine(scenario))}.</p>
<h2>Drains</h2>${drains}${drainedToDone}
<p class="note">A worker is drained once the coordinator has seen it shutting down (so schedules nothing more to it) and it runs no task. Its agent then reports to the controller's queue, and the controller verifies and completes the lifecycle action; the one-minute sweep remains the safety net.</p>
${sweep.length > 0 ? `<h2>Choosing the drain timeout</h2>${sweepCharts}<div class="wide">${htmlTable(
  ['drain timeout', 'queries killed', 'killed slot-seconds', 'instance-hours', 'drain p50 (s)', 'drain p99 (s)', 'forced'],
  sweep.map((s) => [s === best ? `${s.drainTimeout} (recommended)` : s.drainTimeout, s.queriesKilled, s.killedSeconds, s.instanceHours, s.drainSecondsP50, s.drainSecondsP99, s.forcedTerminations]),
  sweep.map((s) => s === best),
)}</div><p class="note">A longer timeout kills fewer queries and keeps draining instances (and their cost) longer. ${best ? `Recommended: ${esc(best.drainTimeout)}, the shortest timeout with the sweep's fewest kills (${best.queriesKilled}); pick a shorter one only if you accept its kills.` : `No recommendation: kills still fall at the longest timeout swept (${esc(sweepEnd(sweep))}), so a longer one would kill fewer; see the frontier below, or run with a tolerance (--tolerate-kills-per-day N).`}</p>` : ''}
${frontier}
</body></html>
`;
}
