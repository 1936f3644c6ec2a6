/**
 * Human durations as operators write them in config and runbooks: `90s`, `10m`, `2h`, `1h30m`, `7d`.
 * Kept free of aws-cdk-lib so the Lambda and simulator code can share it.
 */
export type DurationText = `${number}${'s' | 'm' | 'h' | 'd'}${string}`;

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 };

/**
 * The one grammar of a duration: units in order d, h, m, s, each at most once, at least one, no spaces.
 * The runbooks' SSM parameters use this source as their allowedPattern, so what the console accepts is
 * exactly what the Lambda parses. Written without lookahead: SSM Automation evaluates allowedPattern
 * itself, and this form means the same in any regex dialect.
 */
export const DURATION_PATTERN_SOURCE = '^(\\d+d(\\d+h)?(\\d+m)?(\\d+s)?|\\d+h(\\d+m)?(\\d+s)?|\\d+m(\\d+s)?|\\d+s)$';
const DURATION_PATTERN = new RegExp(DURATION_PATTERN_SOURCE);
const COMPONENT = /(\d+)([dhms])/g;

/** Parses `1h30m`-style text into whole seconds, or returns undefined when it is not one. */
export function parseDurationSeconds(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(COMPONENT)) seconds += Number(n) * UNIT_SECONDS[unit];
  return seconds;
}

/** Formats seconds the way config accepts them, largest units first (`3720` → `1h2m`). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
