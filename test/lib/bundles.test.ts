/**
 * The code each function deploys, as synth really builds it (bundling on, offline, no Docker): every
 * function gets the bundle of its own entry. CDK caches staged assets by source path and bundling
 * options; before the entry was part of those options, all twelve functions shipped the first bundle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { makeApp } from '../helpers';

const app = makeApp({ bundle: true });
buildApp(app, { environments, selected: ['staging'], policyChecks: false });
const assembly = app.synth();
const template = JSON.parse(readFileSync(join(assembly.directory, 'GracefulAutoscaler-staging.template.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(assembly.directory, 'GracefulAutoscaler-staging.assets.json'), 'utf8'));

/** Variables every function has; the rest are read by its own entry (lambdas/entry/*.ts, readEnvironment). */
const COMMON = new Set(['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS']);

const ours = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');

test('each function deploys the bundle of its own entry, which reads the settings it is given', () => {
  expect(ours.length).toBeGreaterThanOrEqual(6);
  for (const [id, fn] of ours) {
    const key: string = fn.Properties.Code.S3Key;
    const asset = Object.values<any>(manifest.files).find((f) => f.destinations && Object.values<any>(f.destinations).some((d) => d.objectKey === key));
    const code = readFileSync(join(assembly.directory, asset.source.path, 'index.js'), 'utf8');
    const own = Object.keys(fn.Properties.Environment.Variables).filter((v) => !COMMON.has(v));
    expect({ id, missing: own.filter((v) => !code.includes(v)) }).toEqual({ id, missing: [] });
  }
});

test('functions of different entries never share a bundle; the runbooks share theirs', () => {
  // Staging runs every entry: drain-events, drain-sweep, termination-policy, runbook (nine functions),
  // scaling-signals (its adhoc fleet), group-adoption (its adopted legacy fleet), stragglers and readings.
  const keys = new Set(ours.map(([, fn]) => fn.Properties.Code.S3Key));
  expect(keys.size).toBe(8);
  const runbooks = ours.filter(([, fn]) => /runbook|scale-in while CodeDeploy/.test(fn.Properties.Description));
  expect(new Set(runbooks.map(([, fn]) => fn.Properties.Code.S3Key)).size).toBe(1);
});
