import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

/** A relative specifier in an import, an export-from or a require. */
const RELATIVE_IMPORT = /(?:\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;

/**
 * The agent's sources: bin/agent.ts and every file it imports, followed through relative imports as Node
 * resolves them (`.ts`, `/index.ts`), whichever folder they are in (agent/, core/, runtime/). A type-only
 * import is followed too: the hash may change where the bundle does not, never the other way round.
 */
export function agentSources(): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), m[1]);
      const found = [target, `${target}.ts`, join(target, 'index.ts')].find((c) => /\.(ts|json)$/.test(c) && existsSync(c));
      if (found) visit(found);
    }
  };
  visit(AGENT_ENTRY);
  return [...seen];
}

/**
 * A hash of everything the bundle is built from (the agent's sources, agentSources, and the lockfile for
 * the packages it bundles), so the asset changes whenever the bundle would.
 */
export function agentSourceHash(): string {
  const files = [...agentSources(), join(ROOT, 'package-lock.json')].sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.slice(ROOT.length)).update(readFileSync(f));
  return hash.digest('hex');
}
