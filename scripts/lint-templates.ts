#!/usr/bin/env node
/**
 * npm run lint:templates — cfn-lint (CloudFormation's own linter, from the machine image) over every
 * environment's synthesized template in cdk.out, for the environment's configured region and for
 * us-east-1 (where resource schemas differ; a template valid in one region can fail in another).
 * Fails on any error or warning except W3005: CDK writes an explicit DependsOn that a Ref or GetAtt
 * already implies (e.g. a Lambda on its role's policy), which is redundant but harmless and ours to
 * keep, since CDK adds it to order IAM propagation.
 *
 * Run after `npx cdk synth`. Exit 0 when clean, 1 on findings, 2 when cfn-lint is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { environments } from '../config/environments';
import { stackNameFor } from '../lib/names';

const IGNORED = ['W3005'];
const ALWAYS = 'us-east-1';

if (spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('cfn-lint is not installed (pip install cfn-lint)');
  process.exit(2);
}
let findings = 0;
for (const [name, env] of Object.entries(environments)) {
  const template = `cdk.out/${stackNameFor(name)}.template.json`;
  if (!existsSync(template)) {
    console.error(`${template} is missing: run npx cdk synth first`);
    process.exit(1);
  }
  const regions = [...new Set([env.region, ALWAYS].filter((r): r is string => !!r))];
  const run = spawnSync('cfn-lint', ['--format', 'parseable', '--regions', ...regions, '--ignore-checks', ...IGNORED, '--', template], { encoding: 'utf8' });
  const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
  findings += lines.length;
  console.log(JSON.stringify({ environment: name, regions, findings: lines.length }));
  for (const line of lines) console.log(line);
  if (run.status !== 0 && lines.length === 0) {
    console.error(run.stderr);
    process.exit(1);
  }
}
process.exit(findings > 0 ? 1 : 0);
