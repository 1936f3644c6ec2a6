#!/usr/bin/env node
/**
 * `npm run build`: the construct library as the package ships it, in dist/:
 * - dist/lib, dist/lambdas: JavaScript and declarations (tsc -p tsconfig.build.json);
 * - dist/assets/lambda/<entry>/index.js and dist/assets/agent/agent.js: the bundles the constructs
 *   deploy, built once here so a consumer's synth bundles nothing (lib/bundles.ts finds them);
 * - dist/agent/graceful-autoscaler-agent-<version>/ and its .tar.gz: the agent for adopted groups.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleAgent } from '../lib/agent-bundle';
import { bundleLambda } from '../lib/bundles';
import { CONTROLLER_ENTRIES } from '../lib/controller-function';
import { buildAgentArtifact } from './agent-artifact';

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const entry of CONTROLLER_ENTRIES) bundleLambda(entry, join(dist, 'assets', 'lambda', entry));
bundleAgent(join(dist, 'assets', 'agent', 'agent.js'));
const artifact = buildAgentArtifact(join(dist, 'agent'), version);
console.log(JSON.stringify({ built: 'dist', version, entries: CONTROLLER_ENTRIES.length, agentArtifact: artifact.tarball.slice(root.length + 1) }));
