#!/usr/bin/env node
/**
 * `npm run test:package` (CI runs it): the library as a consumer gets it. Builds and packs it
 * (`npm run build`, `npm pack`), installs the tarball into a fresh CDK app in a temporary folder beside
 * aws-cdk-lib and constructs only, type-checks examples/existing-fleet/app.ts against the installed
 * declarations, synthesizes it, and checks what came out:
 * - the adopted group gets our hook, CPU policy, adoption resource and deployment group;
 * - every function's code is the package's prebuilt bundle (no esbuild in the consumer's tree, nothing
 *   read from this repository);
 * - the package holds no TypeScript sources and no tests.
 * Prints one JSON line; exits non-zero on the first failure.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

// 2. A fresh app: our tarball, and the CDK versions we test with (from our lockfile, so npm's cache has them).
const app = join(work, 'app');
cpSync(join(root, 'examples', 'existing-fleet'), app, { recursive: true });
const locked = (name: string) => lock.packages[`node_modules/${name}`].version as string;
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'consumer', private: true, dependencies: { 'graceful-autoscaler': `file:../${packed.filename}`, 'aws-cdk-lib': locked('aws-cdk-lib'), constructs: locked('constructs') } }, null, 2),
);
run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], app);
check(!existsSync(join(app, 'node_modules', 'esbuild')), 'the consumer installs no esbuild: the package ships its bundles');
check(!existsSync(join(app, 'node_modules', '@aws-sdk')), 'the consumer installs no AWS SDK: it is inside the bundles');

// 3. Type-check against the installed declarations (strict, library checks on), then synthesize.
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['es2022', 'esnext.disposable'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: [], outDir: 'out' }, files: ['app.ts'] }, null, 2),
);
run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
run(process.execPath, [join('out', 'app.js')], app, { CDK_OUTDIR: join(app, 'cdk.out') });

// 4. What the consumer's synth produced.
const out = join(app, 'cdk.out');
const template = (name: string) => JSON.parse(readFileSync(join(out, `${name}.template.json`), 'utf8')) as { Resources: Record<string, { Type: string; Properties?: any }> };
for (const name of ['TrinoDrain', 'GracefulAutoscaler-legacy']) {
  const resources = Object.values(template(name).Resources);
  const of = (type: string) => resources.filter((r) => r.Type === type);
  check(of('AWS::AutoScaling::LifecycleHook').some((r) => r.Properties.AutoScalingGroupName === 'trino-workers' && r.Properties.DefaultResult === 'CONTINUE'), `${name}: our termination hook on the adopted group`);
  check(of('AWS::AutoScaling::ScalingPolicy').some((r) => r.Properties.AutoScalingGroupName === 'trino-workers'), `${name}: CPU target tracking on the adopted group`);
  check(of('Custom::GracefulAutoscalerGroupAdoption').length === 1, `${name}: the termination policy's adoption resource`);
  check(of('AWS::CodeDeploy::DeploymentGroup').some((r) => JSON.stringify(r.Properties.AutoScalingGroups) === '["trino-workers"]'), `${name}: the deployment group on the adopted group`);
  check(of('AWS::AutoScaling::AutoScalingGroup').length === 0, `${name}: no group of our own`);
  const manifest = JSON.parse(readFileSync(join(out, `${name}.assets.json`), 'utf8'));
  for (const [hash, asset] of Object.entries<any>(manifest.files)) {
    if (asset.source.packaging !== 'zip') continue;
    const dir = join(out, asset.source.path);
    check(readdirSync(dir).includes('index.js'), `${name}: asset ${hash} is a bundle with index.js`);
  }
}
const assets = readFileSync(join(out, 'manifest.json'), 'utf8') + readdirSync(out).filter((f) => f.endsWith('.assets.json')).map((f) => readFileSync(join(out, f), 'utf8')).join('');
check(!assets.includes(root), 'nothing in the cloud assembly points into this repository');
console.log(JSON.stringify({ test: 'package', tarball: packed.filename, files: files.length, stacks: 2, seconds: Math.round((Date.now() - started) / 1000) }));
