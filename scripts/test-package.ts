#!/usr/bin/env node
/**
 * `npm run test:package` (CI runs it): the library as a consumer gets it. Builds and packs it
 * (`npm run build`, `npm pack`), installs the tarball into a fresh CDK app in a temporary folder, and:
 * - with aws-cdk-lib and constructs only: the consumer installs no esbuild and no AWS SDK, and
 *   `addPolicyChecks` without its optional peers throws one line naming what to install;
 * - with the optional peers (cdk-nag, cfn-guard) added: type-checks examples/existing-fleet/app.ts against
 *   the installed declarations and synthesizes it under `addPolicyChecks` (any unacknowledged finding
 *   fails), then checks what came out: the adopted group gets our hook, CPU policy, adoption resource
 *   and deployment group; every function's code is the package's prebuilt bundle on the newest Node.js
 *   runtime that aws-cdk-lib knows; nothing in the assembly points into this repository;
 * - the package holds no TypeScript sources and no tests.
 * All of it with the versions of our lockfile (from npm's cache, filled by `npm ci`) and, with
 * GA_PACKAGE_NEWEST_CDK=1 (CI sets it), again with the newest aws-cdk-lib, constructs and cdk-nag our
 * peer ranges allow, asked of the npm registry: a consumer's `npm install` resolves those, and a newer
 * aws-cdk-lib brings new runtimes and rules (aws-cdk-lib 2.278's nodejs26.x failed cdk-nag's L1 on
 * functions pinned to nodejs24.x). Prints one JSON line; exits non-zero on the first failure.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const started = Date.now();
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'ga-package-'));
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
function check(ok: boolean, what: string): void {
  if (!ok) {
    console.error(`test:package failed: ${what} (work folder ${work})`);
    process.exit(1);
  }
}

// 1. Build, then pack what was built (npm pack alone runs the same build as its prepack).
run('npm', ['run', '--silent', 'build'], root);
const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root))[0] as { filename: string; files: { path: string }[] };
const files = packed.files.map((f) => f.path);
check(files.includes('dist/lib/index.js') && files.includes('dist/lib/index.d.ts'), 'the tarball has the entry point and its declarations');
check(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'the tarball holds no TypeScript sources');
check(!files.some((f) => f.startsWith('test/') || f.startsWith('lambdas/') || f.startsWith('lib/')), 'the tarball holds only dist/ and docs');

// 2. A fresh consumer app per set of versions.
interface Versions {
  'aws-cdk-lib': string;
  constructs: string;
  'cdk-nag': string;
  '@cdklabs/cdk-validator-cfnguard': string;
}
const PEERS = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).peerDependencies as Versions;
const locked = (name: keyof Versions) => lock.packages[`node_modules/${name}`].version as string;
/** The newest version of a package its peer range allows, from the npm registry. */
function newest(name: keyof Versions): string {
  const found = JSON.parse(run('npm', ['view', `${name}@${PEERS[name]}`, 'version', '--json'], root)) as string | string[];
  const parts = (v: string) => v.split(/[.+-]/).slice(0, 3).map(Number);
  const versions = (Array.isArray(found) ? found : [found]).sort((a, b) => parts(a).reduce((d, x, i) => d || x - parts(b)[i], 0));
  check(versions.length > 0, `the npm registry has a version of ${name} in ${PEERS[name]}`);
  return versions[versions.length - 1];
}

const results: Record<string, string>[] = [];
/** Installs the packed library into a fresh app beside these versions, synthesizes the example and checks it. */
function consumer(label: string, versions: Versions): void {
  const app = join(work, label);
  cpSync(join(root, 'examples', 'existing-fleet'), app, { recursive: true });
  const install = (deps: Record<string, string>) => {
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { 'graceful-autoscaler': `file:../${packed.filename}`, ...deps } }, null, 2));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], app);
  };
  const installed = (name: string) => JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).version as string;

  // 2a. aws-cdk-lib and constructs only: what the package itself pulls in, and the optional peers' absence.
  install({ 'aws-cdk-lib': versions['aws-cdk-lib'], constructs: versions.constructs });
  check(installed('aws-cdk-lib') === versions['aws-cdk-lib'], `${label}: aws-cdk-lib ${versions['aws-cdk-lib']} installed`);
  check(!existsSync(join(app, 'node_modules', 'esbuild')), `${label}: the consumer installs no esbuild: the package ships its bundles`);
  check(!existsSync(join(app, 'node_modules', '@aws-sdk')), `${label}: the consumer installs no AWS SDK: it is inside the bundles`);
  // The entry points load without the peers; only adding the checks needs them.
  const probe = "require('graceful-autoscaler'); require('graceful-autoscaler/app'); try { require('graceful-autoscaler/policy-checks').addPolicyChecks(new (require('aws-cdk-lib').App)()); } catch (e) { process.stdout.write(e.message); }";
  const message = run(process.execPath, ['-e', probe], app);
  check(
    !message.includes('\n') && message.startsWith('addPolicyChecks needs the optional peer dependencies cdk-nag and @cdklabs/cdk-validator-cfnguard, not installed: npm install --save-dev '),
    `${label}: without its optional peers addPolicyChecks throws one line naming them (got: ${message || 'no error'})`,
  );

  // 2b. With the optional peers: type-check against the installed declarations (strict, library checks on), then synthesize.
  install({ 'aws-cdk-lib': versions['aws-cdk-lib'], constructs: versions.constructs, 'cdk-nag': versions['cdk-nag'], '@cdklabs/cdk-validator-cfnguard': versions['@cdklabs/cdk-validator-cfnguard'] });
  check(!existsSync(join(app, 'node_modules', 'esbuild')), `${label}: no esbuild with the optional peers either`);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['es2022', 'esnext.disposable'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: [], outDir: 'out' }, files: ['app.ts'] }, null, 2),
  );
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
  try {
    run(process.execPath, [join('out', 'app.js')], app, { CDK_OUTDIR: join(app, 'cdk.out') });
  } catch (e) {
    const output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
    const findings = [...new Set(output.split('\n').filter((l) => /^(ERROR|WARN)|Acknowledge with/.test(l.trim())).map((l) => l.trim()))];
    check(false, `${label}: synth under addPolicyChecks: ${findings.join(' | ') || output.slice(-2000)}`);
  }

  // 3. What the consumer's synth produced.
  const out = join(app, 'cdk.out');
  const template = (name: string) => JSON.parse(readFileSync(join(out, `${name}.template.json`), 'utf8')) as { Resources: Record<string, { Type: string; Properties?: any }> };
  const nodeRuntimes = JSON.parse(run(process.execPath, ['-e', "process.stdout.write(JSON.stringify(require('aws-cdk-lib/aws-lambda').Runtime.ALL.map((r) => r.name)))"], app)) as string[];
  const newestRuntime = `nodejs${Math.max(...nodeRuntimes.map((n) => Number(/^nodejs(\d+)/.exec(n)?.[1] ?? 0)))}.x`;
  for (const name of ['TrinoDrain', 'GracefulAutoscaler-legacy']) {
    const resources = Object.values(template(name).Resources);
    const of = (type: string) => resources.filter((r) => r.Type === type);
    check(of('AWS::AutoScaling::LifecycleHook').some((r) => r.Properties.AutoScalingGroupName === 'trino-workers' && r.Properties.DefaultResult === 'CONTINUE'), `${label} ${name}: our termination hook on the adopted group`);
    check(of('AWS::AutoScaling::ScalingPolicy').some((r) => r.Properties.AutoScalingGroupName === 'trino-workers'), `${label} ${name}: CPU target tracking on the adopted group`);
    check(of('Custom::GracefulAutoscalerGroupAdoption').length === 1, `${label} ${name}: the termination policy's adoption resource`);
    check(of('AWS::CodeDeploy::DeploymentGroup').some((r) => JSON.stringify(r.Properties.AutoScalingGroups) === '["trino-workers"]'), `${label} ${name}: the deployment group on the adopted group`);
    check(of('AWS::AutoScaling::AutoScalingGroup').length === 0, `${label} ${name}: no group of our own`);
    const ours = of('AWS::Lambda::Function').filter((r) => r.Properties.Handler === 'index.handler' && r.Properties.Architectures?.[0] === 'arm64');
    check(ours.length > 0 && ours.every((r) => r.Properties.Runtime === newestRuntime), `${label} ${name}: our functions run ${newestRuntime}, the newest Node.js runtime aws-cdk-lib ${versions['aws-cdk-lib']} knows`);
    const manifest = JSON.parse(readFileSync(join(out, `${name}.assets.json`), 'utf8'));
    for (const [hash, asset] of Object.entries<any>(manifest.files)) {
      if (asset.source.packaging !== 'zip') continue;
      const dir = join(out, asset.source.path);
      check(readdirSync(dir).includes('index.js'), `${label} ${name}: asset ${hash} is a bundle with index.js`);
    }
  }
  const assets = readFileSync(join(out, 'manifest.json'), 'utf8') + readdirSync(out).filter((f) => f.endsWith('.assets.json')).map((f) => readFileSync(join(out, f), 'utf8')).join('');
  check(!assets.includes(root), `${label}: nothing in the cloud assembly points into this repository`);
  results.push({ label, ...versions, runtime: newestRuntime });
}

consumer('locked', { 'aws-cdk-lib': locked('aws-cdk-lib'), constructs: locked('constructs'), 'cdk-nag': locked('cdk-nag'), '@cdklabs/cdk-validator-cfnguard': locked('@cdklabs/cdk-validator-cfnguard') });
if (process.env.GA_PACKAGE_NEWEST_CDK === '1') {
  consumer('newest', { 'aws-cdk-lib': newest('aws-cdk-lib'), constructs: newest('constructs'), 'cdk-nag': newest('cdk-nag'), '@cdklabs/cdk-validator-cfnguard': newest('@cdklabs/cdk-validator-cfnguard') });
}
// A failure keeps the work folder to look into; a pass leaves nothing behind.
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify({ test: 'package', tarball: packed.filename, files: files.length, stacks: 2, consumers: results, seconds: Math.round((Date.now() - started) / 1000) }));
