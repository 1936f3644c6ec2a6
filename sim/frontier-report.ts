/**
 * The drain-timeout frontier for a person (sim/frontier.ts computes it): a table and lines for the
 * terminal, and a section of the HTML report with kills against instance-hours and what each kill
 * avoided costs, each on a chart of its own (one quantity per axis), ours marked.
 */
import { formatDuration } from '../core/util/duration';
import { Axis, esc, lineChart, niceTicks, valueAxis } from './chart';
import { FRONTIER_POLICY, FrontierAnalysis, KILLS_BOUND_CONFIDENCE, FrontierPoint, FrontierPosition, KillPrice, Recommendation } from './frontier';
import { htmlTable } from './report-html';
import { table, usd } from './report';

const count = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** The price of the step into a timeout, as a cell. */
function priceCell(p: KillPrice | undefined): string {
  if (!p) return '–';
  if (p.usdPerKillAvoided === null) return p.killsAvoided === 0 ? 'none avoided' : `${-p.killsAvoided} more killed`;
  return `${usd(p.usdPerKillAvoided)} (${p.killsAvoided} for ${usd(p.extraCostUsd)})`;
}

/** One of our runs against the frontier, in a sentence. */
export function positionLine(p: FrontierPosition, frontier: readonly FrontierPoint[] = []): string {
  const own = p.policy === FRONTIER_POLICY ? frontier.find((f) => f.timeout === p.drainTimeout) : undefined;
  if (own) return `${p.policy} at ${p.drainTimeout} is the frontier's own ${own.timeout} point (${count(own.queriesKilled)} killed, ${count(own.instanceHours)} instance-hours): the policy comparison's run, reused`;
  const name = `${p.policy}${p.policy === 'signals' ? ' (ours)' : ''} at ${p.drainTimeout}`;
  const who = p.policy === 'signals' ? 'ours' : p.policy;
  const spend = `${count(p.instanceHours)} instance-hours`;
  if (p.where !== 'within') {
    const end = p.where === 'below' ? "fewer than the frontier's cheapest point" : "more than the frontier's dearest point";
    return `${name}: ${spend}, ${end}, which kills ${count(p.frontierKills)}; ${who} kills ${count(p.queriesKilled)}`;
  }
  return `${name}: ${who} kills ${count(p.queriesKilled)} vs the frontier's ${count(p.frontierKills)} at the same instance-hours (${spend})`;
}

/** What the tolerance was, in words. */
function toleranceText(r: Recommendation): string {
  const t = r.tolerance;
  return [t.killsPerDay === undefined ? '' : `at most ${t.killsPerDay} kills a day`, t.killNothingYoungerThanS === undefined ? '' : `kill nothing younger than ${formatDuration(t.killNothingYoungerThanS)}`].filter(Boolean).join(' and ');
}

/** The recommendation in a sentence, or why none fits. */
export function recommendationLine(r: Recommendation): string {
  if (!r.point) return `No drain timeout to recommend for ${toleranceText(r)}: ${r.reason}`;
  const p = r.point;
  const over = p === r.cheapest || r.extraCostUsd === 0 ? `the frontier's cheapest point` : `${usd(r.extraCostUsd!)} over the frontier's cheapest point (${r.cheapest.timeout}, ${usd(r.cheapest.costUsd)})`;
  const shortest = p.shortestKilledS === undefined ? 'it killed no query' : `its shortest killed query ran ${formatDuration(Math.round(p.shortestKilledS))}`;
  const bound = r.killsPerDayBound === undefined ? '' : `, at most ${r.killsPerDayBound} a day on another replay at ${KILLS_BOUND_CONFIDENCE * 100}%`;
  return `Recommended drain timeout for ${toleranceText(r)}: ${p.timeout} (${count(p.queriesKilled)} killed, ${r.killsPerDay} a day${bound}; ${shortest}), ${usd(p.costUsd)}: ${over}`;
}

/** The frontier's lines for the terminal summary. */
export function frontierText(a: FrontierAnalysis): string[] {
  const priceInto = (timeout: string) => a.killPrices.find((p) => p.to === timeout);
  return [
    '',
    `Frontier (${FRONTIER_POLICY} at each drain timeout: queries killed against instance-hours and dollars; $ per kill avoided is the step from the timeout above):`,
    table(
      ['timeout', 'killed', 'killed slot-s', 'instance-h', 'cost $', '$ per kill avoided'],
      a.frontier.map((p) => [p.timeout, p.queriesKilled, p.killedSeconds, p.instanceHours, p.costUsd.toFixed(2), priceCell(priceInto(p.timeout))]),
    ),
    ...a.againstFrontier.map((p) => positionLine(p, a.frontier)),
    a.recommendation ? recommendationLine(a.recommendation) : 'No recommendation: state a tolerance with --tolerate-kills-per-day N or --kill-nothing-younger-than D',
  ];
}

const FRONTIER_COLOR = '#f59e0b';
const OURS_COLOR = '#2563eb';

/** The frontier's section of the HTML report. */
export function frontierHtml(a: FrontierAnalysis): string {
  if (a.frontier.length === 0) return '';
  const byHours = [...a.frontier].sort((x, y) => x.instanceHours - y.instanceHours);
  const whole = (hi: number) => (hi < 5 ? { ticks: niceTicks(0, Math.max(hi, 1), Math.max(1, Math.ceil(hi))), format: (v: number) => String(v) } : valueAxis(0, hi, 4));
  const ours = a.againstFrontier.find((p) => p.policy === 'signals');
  const others = a.againstFrontier.filter((p) => p.policy !== 'signals');
  const recommended = a.recommendation?.point;
  const kills = lineChart({
    title: `Queries killed against instance-hours: ${FRONTIER_POLICY} at each drain timeout, ours marked`,
    xLabel: 'instance-hours',
    yLabel: 'queries killed',
    x: (lo, hi) => valueAxis(lo, hi, 6),
    y: whole,
    height: 300,
    markers: [
      ...(ours ? [{ x: ours.instanceHours, label: `signals (ours) at ${ours.drainTimeout}: ${count(ours.queriesKilled)} killed; the frontier ${count(ours.frontierKills)}` }] : []),
      ...(recommended ? [{ x: recommended.instanceHours, label: `recommended: ${recommended.timeout}` }] : []),
    ],
    series: [
      { name: `${FRONTIER_POLICY} frontier, left to right: ${byHours.map((p) => p.timeout).join(', ')}`, color: FRONTIER_COLOR, points: byHours.map((p) => [p.instanceHours, p.queriesKilled]) },
      ...(ours ? [{ name: `signals (ours) at ${ours.drainTimeout}`, color: OURS_COLOR, points: [[ours.instanceHours, ours.queriesKilled]] as [number, number][] }] : []),
      ...others.map((p) => ({ name: `${p.policy} at ${p.drainTimeout}`, color: '#6b7280', points: [[p.instanceHours, p.queriesKilled]] as [number, number][] })),
    ],
  });
  // The steps' own timeouts are the ticks, evenly spaced: they are the choices, and 2m and 6h on one linear axis would crowd the short ones.
  const priced = a.killPrices.map((p, k) => ({ ...p, k: k + 1 })).filter((p) => p.usdPerKillAvoided !== null && p.usdPerKillAvoided >= 0);
  const steps = (): Axis => ({ ticks: a.frontier.map((_, k) => k), format: (x) => a.frontier[Math.round(x)]?.timeout ?? '' });
  const prices =
    priced.length > 0
      ? lineChart({
          title: 'What each kill avoided costs: dollars per kill avoided, each step to a longer drain timeout (plotted at the longer one)',
          xLabel: 'drain timeout',
          yLabel: 'US dollars per kill avoided',
          x: steps,
          xFrom: 0,
          y: (hi) => valueAxis(0, hi, 4, (l) => `$${l}`),
          height: 220,
          series: [{ name: 'Δ cost ÷ Δ kills from the timeout before', color: '#dc2626', points: priced.map((p) => [p.k, p.usdPerKillAvoided!]) }],
        })
      : '<p class="note">No step to a longer timeout avoided a kill at a price: nothing to draw for dollars per kill avoided.</p>';
  const rows = a.frontier.map((p) => [p.timeout, p.queriesKilled, p.killedSeconds, p.instanceHours, usd(p.costUsd), priceCell(a.killPrices.find((k) => k.to === p.timeout))]);
  const notes = [...a.againstFrontier.map((p) => positionLine(p, a.frontier)), a.recommendation ? recommendationLine(a.recommendation) : 'No recommendation: state a tolerance with --tolerate-kills-per-day N or --kill-nothing-younger-than D.'];
  return `<h2>The frontier: queries killed against instance-hours and dollars</h2>
<p class="note">${esc(FRONTIER_POLICY)} (our drain under CPU target tracking alone) run at each drain timeout on the same trace: the trade the timeout makes. A point further right pays more instance-hours (dollars are instance-hours at one price); lower kills fewer queries. Ours is interpolated against the frontier at its own instance-hours.</p>
${kills}${prices}<div class="wide">${htmlTable(
    ['drain timeout', 'queries killed', 'killed slot-seconds', 'instance-hours', 'cost (USD)', 'USD per kill avoided (from the timeout above)'],
    rows.map((r, k) => (a.frontier[k] === recommended ? [`${r[0]} (recommended)`, ...r.slice(1)] : r)),
    a.frontier.map((p) => p === recommended),
  )}</div>
${notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}`;
}
