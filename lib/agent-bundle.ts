import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
/** Amazon Linux 2023 ships Node.js 22 as `nodejs22`, run as /usr/bin/node-22 (AL2023 user guide, "Node.js in AL2023"). */
export const AGENT_NODE_TARGET = 'node22';
export const AGENT_ENTRY = join(ROOT, 'bin', 'agent.ts');

/** Bundles the agent into one minified CommonJS file with its SDK client inside: nothing to install on the instance but Node. */
export function bundleAgent(outfile: string): void {
  // esbuild is a development dependency: the published package ships the bundle instead (lib/bundles.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  buildSync({
    entryPoints: [AGENT_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: AGENT_NODE_TARGET,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
}

/**
 * A hash of everything the bundle is built from (the agent's sources, what they import from lambdas/,
 * and the lockfile), so the asset changes exactly when the bundle would.
 */
export function agentSourceHash(): string {
  const files = [
    AGENT_ENTRY,
    ...readdirSync(join(ROOT, 'agent')).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, 'agent', f)),
    join(ROOT, 'core', 'trino-tasks.ts'),
    join(ROOT, 'package-lock.json'),
  ].sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.slice(ROOT.length)).update(readFileSync(f));
  return hash.digest('hex');
}
