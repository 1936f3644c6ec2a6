/**
 * npm run bench:bundle — for each Lambda entry point, the minified bundle CDK deploys (same esbuild
 * options as lib/bundles.ts) and the time a fresh Node process takes to load it; then a
 * baseline bundle holding only the AWS SDK clients that handler's bundle contains, built and loaded the
 * same way in the same run. One JSON line each. Loads run with --enable-source-maps, as deployed. Then
 * the termination policy's cold start: load plus its first answer, against moto.
 */
import { DRAIN_HOOK_NAME } from '../core/contract/names';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { AGENT_TASK_METRIC } from '../core/contract/lambda-settings';
import { TERMINATION_POLICY_LIMIT_MS } from '../lambdas/drain/termination-policy';
import { LAMBDA_BUNDLING } from '../lib/bundles';
import { startMoto } from '../testing/moto-server';

const ENTRIES = ['drain-events', 'drain-sweep', 'termination-policy'] as const;
/** Load runs per bundle; handler and baseline runs alternate so machine drift hits both alike. */
const LOAD_RUNS = 15;
const root = resolve(__dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'ga-bundle-'));

/** Environment the handlers validate at load; values shaped like a real deployment's. */
const LOAD_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  DRAIN_TABLE_NAME: 'drains',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_METRICS_NAMESPACE: 'GracefulAutoscaler',
  CONTROLLER_SETTINGS: JSON.stringify({
    hookName: DRAIN_HOOK_NAME,
    groups: { 'etl-asg': { fleet: 'etl', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720 } },
    taskSource: AGENT_TASK_METRIC,
    workerControl: { kind: 'agent' },
  }),
  TERMINATION_POLICY_SETTINGS: JSON.stringify({ taskSource: AGENT_TASK_METRIC }),
};

async function bundle(entry: { path?: string; contents?: string }, outfile: string) {
  const result = await build({
    ...(entry.path ? { entryPoints: [entry.path] } : { stdin: { contents: entry.contents!, resolveDir: root, loader: 'ts' } }),
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    ...LAMBDA_BUNDLING,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile!;
}

/** Wall time of `require(file)` in a fresh process. */
function loadOnce(file: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return Number(execFileSync(process.execPath, ['--enable-source-maps', '-e', script], { env: { ...process.env, ...LOAD_ENV }, encoding: 'utf8' }));
}

/** Medians of interleaved loads of two bundles. */
function loadPair(a: string, b: string): [number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let k = 0; k < LOAD_RUNS; k++) {
    ta.push(loadOnce(a));
    tb.push(loadOnce(b));
  }
  const median = (xs: number[]) => Math.round(xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] * 10) / 10;
  return [median(ta), median(tb)];
}

/** The @aws-sdk/client-* packages a bundle contains, from esbuild's metafile. */
function sdkClients(metafile: { inputs: Record<string, unknown> }): string[] {
  const names = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /node_modules\/(@aws-sdk\/client-[a-z0-9-]+)\//.exec(input);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

const className: Record<string, string> = {
  '@aws-sdk/client-auto-scaling': 'AutoScalingClient',
  '@aws-sdk/client-cloudwatch': 'CloudWatchClient',
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-ec2': 'EC2Client',
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-ssm': 'SSMClient',
};

/**
 * The termination policy's cold start as Auto Scaling waits for it: a fresh process loads the bundle
 * and answers its first request (test/fixtures), its CloudWatch and EC2 calls served by moto over
 * loopback. `initMs` is what the handler deducts from its budget; `totalMs` must stay under 2 s.
 * Measured on this machine's CPU: a Lambda of DEFAULT_FUNCTION_MEMORY_MB gets a fraction of a vCPU.
 */
const COLD_MARKER = 'GA_COLD_START';

async function terminationPolicyColdStart(file: string): Promise<void> {
  const moto = await startMoto();
  if (!moto) {
    console.log(JSON.stringify({ handler: 'termination-policy:cold', skipped: 'moto_server is not installed' }));
    return;
  }
  try {
    const request = readFileSync(join(root, 'test', 'fixtures', 'termination-policy-request.json'), 'utf8');
    const script = [
      "const { performance } = require('node:perf_hooks');",
      `const { handler } = require(${JSON.stringify(file)});`,
      'const initMs = performance.now();',
      // The handler logs to stdout too (JSON lines); the result is the line after the marker.
      `handler(${request}).then((r) => process.stdout.write('\\n${COLD_MARKER} ' + JSON.stringify({ initMs, totalMs: performance.now(), answered: r.InstanceIDs.length })));`,
    ].join('\n');
    const env = { ...process.env, ...LOAD_ENV, AWS_ENDPOINT_URL: moto.endpoint, AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' };
    const runOnce = () => {
      const out = execFileSync(process.execPath, ['--enable-source-maps', '-e', script], { env, encoding: 'utf8' });
      const line = out.split('\n').find((l) => l.startsWith(`${COLD_MARKER} `));
      if (!line) throw new Error(`no answer from the termination policy: ${out.slice(0, 2000)}`);
      return { ...(JSON.parse(line.slice(COLD_MARKER.length + 1)) as { initMs: number; totalMs: number; answered: number }), logs: out };
    };
    const runs = Array.from({ length: LOAD_RUNS }, runOnce);
    // It must have read the counts, not deferred: a deferral would measure a shortcut.
    const deferred = runs.filter((r) => r.logs.includes('deferring to the default policy')).length;
    const stat = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { median: Math.round(sorted[Math.floor(sorted.length / 2)]), max: Math.round(sorted[sorted.length - 1]) };
    };
    const init = stat(runs.map((r) => r.initMs));
    const total = stat(runs.map((r) => r.totalMs));
    console.log(JSON.stringify({ handler: 'termination-policy:cold', runs: runs.length, initMsMedian: init.median, initMsMax: init.max, totalMsMedian: total.median, totalMsMax: total.max, limitMs: TERMINATION_POLICY_LIMIT_MS, answered: runs.every((r) => r.answered > 0), deferred }));
  } finally {
    moto.stop();
  }
}

async function main() {
  for (const name of ENTRIES) {
    const file = join(out, `${name}.js`);
    const meta = await bundle({ path: join(root, 'lambdas', 'entry', `${name}.ts`) }, file);
    const clients = sdkClients(meta);

    // Baseline: the same clients, constructed once at module scope as the handler does, and nothing else.
    const baselineFile = join(out, `${name}.baseline.js`);
    const contents = clients
      .map((c, i) => {
        if (!className[c]) throw new Error(`no client class known for ${c}`);
        return `import { ${className[c]} as C${i} } from '${c}';\nexport const c${i} = new C${i}({});`;
      })
      .join('\n');
    writeFileSync(join(out, `${name}.baseline.ts`), contents);
    await bundle({ contents }, baselineFile);
    const [handlerMs, baselineMs] = loadPair(file, baselineFile);
    const handler = { handler: name, bytes: statSync(file).size, loadMs: handlerMs, sdkClients: clients };
    const baseline = { handler: `${name}:baseline`, bytes: statSync(baselineFile).size, loadMs: baselineMs, sdkClients: clients };

    console.log(JSON.stringify(handler));
    console.log(JSON.stringify(baseline));
    console.log(JSON.stringify({ handler: `${name}:ratio`, bytes: round(handler.bytes / baseline.bytes), loadMs: round(handler.loadMs / baseline.loadMs), goal: 1.3 }));
    if (name === 'termination-policy') await terminationPolicyColdStart(file);
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
