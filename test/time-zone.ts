import { execFileSync } from 'child_process';
import { join } from 'path';

/**
 * Runs test/sim/in-zone.ts under America/New_York, a zone with daylight saving time, on `text`. Undefined
 * when the machine has no zone database (tzdata), so the zone did not take effect: the caller skips,
 * unless GA_REQUIRE_TZDATA makes that a failure (.ci/run sets it).
 */
export function parseInDstZone(kind: 'trace' | 'hourly' | 'history', text: string): any {
  const tsx = join(__dirname, '../node_modules/.bin/tsx');
  const out = JSON.parse(execFileSync(tsx, [join(__dirname, 'sim/in-zone.ts'), kind], { input: text, env: { ...process.env, TZ: 'America/New_York' } }).toString());
  if (out.januaryOffsetMinutes === 300) return out;
  if (process.env.GA_REQUIRE_TZDATA) throw new Error('GA_REQUIRE_TZDATA is set but the America/New_York zone did not take effect (is tzdata installed?)');
  return undefined;
}
