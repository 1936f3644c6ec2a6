/**
 * How far the simulator CLI has come, on stderr. On a terminal, a bar per run. Elsewhere (piped, CI, a
 * log) lines, never a bar: before, a run that was not on a terminal said nothing until its summary, 6.4
 * minutes on one light trace (issue 40 item 7).
 */
import { formatDuration } from '../core/util/duration';

/** Where progress goes: process.stderr, or a test's fake. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Past this long without a line, a run that is not on a terminal says where it is anyway. */
export const PROGRESS_QUIET_MS = 30_000;

/** A one-line bar for one run, redrawn in place. */
function progressBar(out: ProgressOutput, label: string): (f: number) => void {
  return (f) => {
    const width = 30;
    const filled = Math.round(f * width);
    out.write(`\r${label.padEnd(22)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%${f >= 1 ? '\n' : ''}`);
  };
}

/**
 * Progress over all the runs, one label each. On a terminal, each run's bar; elsewhere a line at each
 * tenth of all the runs, and at least every PROGRESS_QUIET_MS while any advances, with the run and the
 * time elapsed; `end` says how long it all took.
 */
export function simulationProgress(labels: readonly string[], out: ProgressOutput, now: () => number = Date.now): { run(k: number): (f: number) => void; end(): void } {
  const started = now();
  const elapsed = () => formatDuration(Math.round((now() - started) / 1000));
  let tenths = 0;
  let percent = 0;
  let lastLine = started;
  return {
    run: (k) => {
      if (out.isTTY) return progressBar(out, labels[k]);
      return (f) => {
        const whole = (k + Math.min(1, f)) / labels.length;
        const t = now();
        if (Math.floor(whole * 10) > tenths || (t - lastLine >= PROGRESS_QUIET_MS && Math.floor(whole * 100) > percent)) {
          tenths = Math.floor(whole * 10);
          percent = Math.floor(whole * 100);
          lastLine = t;
          out.write(`simulating: ${percent}% (run ${k + 1} of ${labels.length}, ${labels[k]}), ${elapsed()} elapsed\n`);
        }
      };
    },
    end: () => out.write(`simulated in ${elapsed()}\n`),
  };
}

/** Files this large say how far their reading has come. */
export const READ_PROGRESS_BYTES = 64 << 20;

/** A line at each tenth of a file of `size` bytes read; undefined for a file under READ_PROGRESS_BYTES. */
export function readProgress(path: string, size: number, out: ProgressOutput): ((bytesRead: number) => void) | undefined {
  if (size < READ_PROGRESS_BYTES) return undefined;
  const mb = (bytes: number) => `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;
  let shown = 0;
  return (bytes) => {
    const tenths = Math.floor((bytes / size) * 10);
    if (tenths <= shown) return;
    shown = tenths;
    out.write(`reading ${path}: ${tenths * 10}% (${mb(bytes)} of ${mb(size)})\n`);
  };
}
