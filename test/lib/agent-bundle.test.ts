/**
 * The agent asset's hash is read from its sources, not from the bundle (no esbuild where bundling is
 * skipped): it must read every file the bundle is built from, or a change to one of them ships no new
 * agent (the asset keeps its name, so its object in the bucket is never replaced).
 */
import { relative } from 'node:path';
import { buildSync } from 'esbuild';
import { AGENT_ENTRY, AGENT_NODE_TARGET, agentSources } from '../../lib/agent-bundle';

test("the hash reads every file of the repository that esbuild puts in the agent's bundle", () => {
  const result = buildSync({ entryPoints: [AGENT_ENTRY], bundle: true, platform: 'node', format: 'cjs', target: AGENT_NODE_TARGET, write: false, metafile: true, logLevel: 'silent' });
  // esbuild names its inputs relative to the working directory.
  const bundled = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/'));
  const hashed = new Set(agentSources().map((f) => relative(process.cwd(), f)));
  expect(bundled.length).toBeGreaterThan(10);
  expect(bundled.filter((f) => !hashed.has(f))).toEqual([]);
});
