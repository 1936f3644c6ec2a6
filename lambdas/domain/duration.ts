/**
 * Human durations as operators write them in config: `90s`, `10m`, `2h`, `1h30m`.
 * Kept free of aws-cdk-lib so the Lambda and simulator code can share it.
 */
export type DurationText = `${number}${'s' | 'm' | 'h'}${string}`;

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };
const DURATION_PATTERN = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses `1h30m`-style text into whole seconds, or returns undefined when it is not one. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, h, m, s] = match;
  return Number(h ?? 0) * UNIT_SECONDS.h + Number(m ?? 0) * UNIT_SECONDS.m + Number(s ?? 0);
}

/** Formats seconds the way config accepts them, largest units first (`3720` → `1h2m`). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
