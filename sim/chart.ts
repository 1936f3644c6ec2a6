/**
 * Inline SVG charts for the simulator's static HTML report: axes with round ticks, computed here when the
 * report is written (the page has no scripts). One quantity per chart's y axis.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly [number, number][];
}

/** A vertical marker on the x axis, such as the recommended drain timeout. */
export interface Marker {
  readonly x: number;
  readonly label: string;
}

export interface Axis {
  /** Tick values, ascending; the axis spans from the first to the last. */
  readonly ticks: readonly number[];
  readonly format: (v: number) => string;
}

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The round step (1, 2 or 5 × 10^k) that cuts `span` into about `count` intervals: the raw step's
 * mantissa rounds to the nearest of 1, 2, 5 and 10 on a log scale (d3-scale's rule).
 */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f >= Math.sqrt(50) ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.sqrt(2) ? 2 : 1) * power;
}

/** Round ticks from at or below `lo` to at or above `hi`, about `count` intervals (at least one). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) hi = lo + 1;
  const step = niceStep(hi - lo, count);
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const out: number[] = [];
  // Rounding to the step's own decimals keeps 0.1 + 0.2 from printing as 0.30000000000000004.
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = first; v <= last + step / 2; v += step) out.push(Number(v.toFixed(digits)));
  return out;
}

/** A tick's label: no more decimals than its step needs, thousands separated. */
export function formatTick(v: number, step: number): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function valueAxis(lo: number, hi: number, count = 5, unit: (label: string) => string = (l) => l): Axis {
  const ticks = niceTicks(lo, hi, count);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  return { ticks, format: (v) => unit(formatTick(v, step)) };
}

const HOUR = 3600;
const DAY = 86_400;
/** Time steps a person reads at a glance. */
const TIME_STEPS = [5 * 60, 15 * 60, 30 * 60, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A time axis over seconds from the trace's start. With `origin` (a timestamped trace) ticks fall on
 * whole UTC hours and days and read as dates ("Mar 12", "Mar 12 06:00"); without, as elapsed time ("6h",
 * "1d 6h").
 */
export function timeAxis(lo: number, hi: number, origin?: Date, count = 8): Axis {
  const span = Math.max(hi - lo, 1);
  const step = TIME_STEPS.find((s) => span / s <= count) ?? Math.ceil(span / count / DAY) * DAY;
  const base = origin ? origin.getTime() / 1000 : 0;
  const ticks: number[] = [];
  for (let abs = Math.ceil((base + lo) / step) * step; abs <= base + hi + 1e-6; abs += step) ticks.push(abs - base);
  const format = (t: number): string => {
    if (origin) {
      const d = new Date((base + t) * 1000);
      const date = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
      const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
      // A day's first tick names the date; the others only the time, and the first tick both.
      return hm === '00:00' ? date : t === ticks[0] ? `${date} ${hm}` : hm;
    }
    const days = Math.floor(t / DAY);
    const rest = t - days * DAY;
    const h = Math.floor(rest / HOUR);
    const m = Math.round((rest - h * HOUR) / 60);
    const parts = [days > 0 ? `${days}d` : '', h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : ''].filter(Boolean);
    return parts.length > 0 ? parts.join(' ') : '0';
  };
  return { ticks, format };
}

const W = 1200;
const FONT = 'font-size="12" font-family="system-ui, sans-serif"';

function frame(title: string, legend: string, h: number, body: string): string {
  return `<figure><figcaption>${esc(title)}</figcaption>${legend}<svg viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(title)}" ${FONT}>${body}</svg></figure>`;
}

/** A line or step chart of series sharing one x axis and one y quantity, y from 0. */
export function lineChart(o: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly x: (lo: number, hi: number) => Axis;
  readonly y?: (hi: number) => Axis;
  readonly kind?: 'line' | 'step';
  readonly markers?: readonly Marker[];
  readonly height?: number;
  /** Where the x axis starts when the data start later (a time axis starts at the trace's start, 0). */
  readonly xFrom?: number;
}): string {
  const H = o.height ?? 280;
  const pad = { l: 70, r: 24, t: 16, b: 48 };
  const all = o.series.flatMap((s) => s.points);
  if (all.length === 0) return `<p>${esc(o.title)}: no data.</p>`;
  let xMin = Infinity;
  let xMax = -Infinity;
  let yTop = 0;
  for (const [a, b] of all) {
    xMin = Math.min(xMin, a);
    xMax = Math.max(xMax, a);
    yTop = Math.max(yTop, b);
  }
  if (o.xFrom !== undefined) xMin = Math.min(xMin, o.xFrom);
  if (xMax <= xMin) xMax = xMin + 1;
  const xAxis = o.x(xMin, xMax);
  // An all-zero series still gets a 0-to-1 axis, not one of nano-units.
  const yAxis = (o.y ?? ((hi: number) => valueAxis(0, hi)))(yTop > 0 ? yTop : 1);
  const y0 = yAxis.ticks[0];
  const y1 = yAxis.ticks[yAxis.ticks.length - 1];
  const x = (v: number) => pad.l + ((v - xMin) / (xMax - xMin)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - ((v - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const grid = yAxis.ticks
    .map((v) => `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${pad.l - 8}" y="${y(v) + 4}" text-anchor="end">${esc(yAxis.format(v))}</text>`)
    .join('');
  const xTicks = xAxis.ticks
    .filter((v) => v >= xMin - 1e-6 && v <= xMax + 1e-6)
    .map((v) => `<line x1="${x(v)}" x2="${x(v)}" y1="${H - pad.b}" y2="${H - pad.b + 5}" stroke="#6b7280"/><text x="${x(v)}" y="${H - pad.b + 18}" text-anchor="middle">${esc(xAxis.format(v))}</text>`)
    .join('');
  const paths = o.series
    .map((s) => {
      const pts = s.points.map(([a, b], k) => {
        if (o.kind === 'step' && k > 0) return `L${x(a)},${y(s.points[k - 1][1])} L${x(a)},${y(b)}`;
        return `${k === 0 ? 'M' : 'L'}${x(a)},${y(b)}`;
      });
      const dots = o.kind !== 'step' ? s.points.map(([a, b]) => `<circle cx="${x(a)}" cy="${y(b)}" r="3.5" fill="${s.color}"/>`).join('') : '';
      return `<path d="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.8"/>${dots}`;
    })
    .join('');
  const markers = (o.markers ?? [])
    .map((m) => `<line x1="${x(m.x)}" x2="${x(m.x)}" y1="${pad.t}" y2="${H - pad.b}" stroke="#15803d" stroke-width="1.5" stroke-dasharray="5 4"/><text x="${x(m.x) + 6}" y="${pad.t + 12}" fill="#15803d" font-weight="600">${esc(m.label)}</text>`)
    .join('');
  const axes = `<line x1="${pad.l}" x2="${W - pad.r}" y1="${H - pad.b}" y2="${H - pad.b}" stroke="#6b7280"/>`;
  // The legend is HTML so long names wrap instead of overlapping.
  const legend = `<div class="legend">${o.series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`).join('')}</div>`;
  return frame(
    o.title,
    legend,
    H,
    `${grid}${axes}${xTicks}${markers}<text x="${(W + pad.l) / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text><text x="16" y="${(H - pad.b + pad.t) / 2}" transform="rotate(-90 16 ${(H - pad.b + pad.t) / 2})" text-anchor="middle">${esc(o.yLabel)}</text>${paths}`,
  );
}

/** A histogram with round bin edges and round ticks on both axes. */
export function histogram(title: string, values: readonly number[], bins: number, xLabel: string): string {
  if (values.length === 0) return `<p>${esc(title)}: no drains.</p>`;
  const max = Math.max(...values, 1);
  const width = niceStep(max, bins);
  const n = Math.max(1, Math.ceil((max + 1e-9) / width));
  const counts = new Array(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.floor(v / width))]++;
  const H = 240;
  const pad = { l: 70, r: 24, t: 16, b: 48 };
  const xAxis = valueAxis(0, n * width, 8);
  const xHi = xAxis.ticks[xAxis.ticks.length - 1];
  const yAxis = valueAxis(0, Math.max(...counts), 4);
  const yHi = yAxis.ticks[yAxis.ticks.length - 1];
  const x = (v: number) => pad.l + (v / xHi) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / yHi) * (H - pad.t - pad.b);
  const bars = counts
    .map((c, k) => `<rect x="${x(k * width) + 1}" y="${y(c)}" width="${Math.max(1, x((k + 1) * width) - x(k * width) - 2)}" height="${y(0) - y(c)}" fill="#2563eb"><title>${formatTick(k * width, width)}–${formatTick((k + 1) * width, width)} s: ${c}</title></rect>`)
    .join('');
  const grid = yAxis.ticks
    .map((v) => `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${pad.l - 8}" y="${y(v) + 4}" text-anchor="end">${esc(yAxis.format(v))}</text>`)
    .join('');
  const labels = xAxis.ticks.map((v) => `<text x="${x(v)}" y="${H - pad.b + 18}" text-anchor="middle">${esc(xAxis.format(v))}</text>`).join('');
  return frame(
    title,
    '',
    H,
    `${grid}${bars}${labels}<text x="${(W + pad.l) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text><text x="16" y="${(H - pad.b + pad.t) / 2}" transform="rotate(-90 16 ${(H - pad.b + pad.t) / 2})" text-anchor="middle">drains</text>`,
  );
}
