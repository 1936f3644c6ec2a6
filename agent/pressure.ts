/**
 * The worker's resource pressure, read from the kernel each metrics round and published per instance for
 * the straggler detector (docs/stragglers.md). Every figure is a difference between two readings of a
 * kernel counter divided by the time between them, so each covers exactly one interval:
 * - CPU steal: /proc/stat's `cpu` line, steal ÷ all ticks (proc(5));
 * - CPU, memory and I/O pressure: /proc/pressure/{cpu,memory,io} `some ... total=<µs>`, the share of
 *   time at least one task stalled on the resource (kernel docs, "PSI - Pressure Stall Information");
 * - disk busy: /proc/diskstats' time spent doing I/Os (field 13, ms) of the busiest whole disk
 *   (kernel docs, "I/O statistics fields");
 * A file the kernel does not offer (no PSI, say) gives no datapoint for its metric, never a zero.
 */
import { readFile } from 'node:fs/promises';
import { PRESSURE_METRICS } from '../core/stragglers';


/** One reading of the counters, each absent when its file could not be read or parsed. */
export interface CounterReading {
  readonly at: number;
  readonly cpu?: { readonly steal: number; readonly total: number };
  readonly psi: { readonly cpu?: number; readonly memory?: number; readonly io?: number };
  /** Milliseconds each whole disk had I/O in flight, since boot. */
  readonly disks?: ReadonlyMap<string, number>;
}

/** Whole disks only: partitions, loop, RAM and optical devices would double count or mean nothing. */
const WHOLE_DISK = /^(nvme\d+n\d+|xvd[a-z]+|sd[a-z]+|vd[a-z]+|hd[a-z]+|md\d+)$/;

export class PressureReader {
  constructor(
    private readonly procRoot = '/proc',
    private readonly read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
  ) {}

  async sample(now: number): Promise<CounterReading> {
    const text = (name: string) => this.read(`${this.procRoot}/${name}`).catch(() => undefined);
    const [stat, cpu, memory, io, diskstats] = await Promise.all([text('stat'), text('pressure/cpu'), text('pressure/memory'), text('pressure/io'), text('diskstats')]);
    return {
      at: now,
      cpu: stat === undefined ? undefined : parseCpu(stat),
      psi: { cpu: someTotal(cpu), memory: someTotal(memory), io: someTotal(io) },
      disks: diskstats === undefined ? undefined : parseDisks(diskstats),
    };
  }
}

/** /proc/stat's aggregate line: user nice system idle iowait irq softirq steal (guest time is inside user). */
export function parseCpu(text: string): CounterReading['cpu'] {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  const f = line?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!f || f.length < 8 || f.some((v) => !Number.isFinite(v))) return undefined;
  return { steal: f[7], total: f.reduce((a, b) => a + b, 0) };
}

/** The `some` line's cumulative stall time in microseconds. */
export function someTotal(text: string | undefined): number | undefined {
  const m = text?.match(/^some\b.*\btotal=(\d+)/m);
  return m ? Number(m[1]) : undefined;
}

export function parseDisks(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || !WHOLE_DISK.test(f[2])) continue;
    const ioTicks = Number(f[12]);
    if (Number.isFinite(ioTicks)) out.set(f[2], ioTicks);
  }
  return out;
}

/**
 * The interval's figures from two readings: percentages for the detector's metrics (PRESSURE_METRICS),
 * and nothing else: a figure no decision reads is a custom metric billed for nothing. A counter that went backwards (a device replaced, a reboot) or an
 * interval of no time gives nothing.
 */
export function pressureBetween(before: CounterReading, after: CounterReading): Record<string, number> {
  const out: Record<string, number> = {};
  const wallMs = after.at - before.at;
  if (wallMs <= 0) return out;
  const share = (delta: number, over: number) => (delta >= 0 && over > 0 ? Math.min(100, (100 * delta) / over) : undefined);
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out[name] = Math.round(value * 100) / 100;
  };
  if (before.cpu && after.cpu) put(PRESSURE_METRICS.cpuSteal, share(after.cpu.steal - before.cpu.steal, after.cpu.total - before.cpu.total));
  for (const [key, metric] of [['cpu', PRESSURE_METRICS.cpuPressure], ['memory', PRESSURE_METRICS.memoryPressure], ['io', PRESSURE_METRICS.ioPressure]] as const) {
    const b = before.psi[key];
    const a = after.psi[key];
    if (a !== undefined && b !== undefined) put(metric, share(a - b, wallMs * 1000));
  }
  if (before.disks && after.disks) {
    let busiest: number | undefined;
    for (const [name, ticks] of after.disks) {
      const prev = before.disks.get(name);
      const busy = prev === undefined ? undefined : share(ticks - prev, wallMs);
      if (busy !== undefined) busiest = Math.max(busiest ?? 0, busy);
    }
    put(PRESSURE_METRICS.diskBusy, busiest);
  }
  return out;
}
