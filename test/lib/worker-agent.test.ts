import { WorkerFleet } from '../../lib/worker-fleet';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { parseAgentConfig } from '../../agent/config';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { AGENT_PATHS, GATE_DROP_IN, inServiceGateUnit, systemdUnit, workerGateDropIn } from '../../lib/worker-agent';
import { AGENT_SERVICE, GATE_SERVICE } from '../../core/contract/names';
import { makeApp } from '../helpers';

// Bundling on for this stack: the asset must really be built at synth, offline, without Docker.
const app = makeApp({ bundle: true });
const [dev] = buildApp(app, { environments, selected: ['dev'], policyChecks: false });
const template = Template.fromStack(dev);

function userDataOf(logicalId: string): string {
  const lt = template.findResources('AWS::EC2::LaunchTemplate')[logicalId];
  const parts = lt.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as unknown[];
  // Tokens (the queue URL's Ref, the asset bucket) become a recognisable placeholder.
  const queue = (p: unknown) => /"(DrainController(EventQueue|ReadingsQueue)\w*)"/.exec(JSON.stringify(p))?.[1];
  return parts.map((p) => (typeof p === 'string' ? p : queue(p) ? `https://sqs.eu-west-1.amazonaws.com/123456789012/${queue(p)!.includes('EventQueue') ? 'EventQueue' : queue(p)}` : JSON.stringify(p))).join('');
}

test('every launch template installs Node.js 22, downloads the agent asset, writes its config and starts its service', () => {
  for (const f of dev.fleets) {
    const userData = userDataOf(dev.getLogicalId((f.fleet as WorkerFleet).launchTemplate.node.defaultChild as never));
    expect(userData).toContain('dnf install -y nodejs22');
    expect(userData).toMatch(new RegExp(`aws s3 cp 's3://.*/[0-9a-f]{64}\\.js' '${AGENT_PATHS.bundle}'`));
    expect(userData).toContain(`cat > ${AGENT_PATHS.config}`);
    // The config reaches the agent as a systemd credential only it can read.
    expect(userData).toContain(`ExecStart=${AGENT_PATHS.node} ${AGENT_PATHS.bundle} --config %d/agent.json`);
    expect(userData).toContain(`LoadCredential=agent.json:${AGENT_PATHS.config}`);
    expect(userData).toContain('Restart=always');
    expect(userData).toContain('RestartPreventExitStatus=2');
    expect(userData).toContain('DynamicUser=yes');
    expect(userData).toContain(`systemctl enable --now ${AGENT_SERVICE}`);
    // CodeDeploy's agent is the step before ours; test/lib/boot-steps.test.ts runs both.
    expect(userData.indexOf('ga_step codedeploy-agent')).toBeLessThan(userData.indexOf('ga_step worker-agent'));
  }
});

test('every instance gets the start gate unit; only a configured worker unit is made to require it', () => {
  for (const f of dev.fleets) {
    const userData = userDataOf(dev.getLogicalId((f.fleet as WorkerFleet).launchTemplate.node.defaultChild as never));
    const unit = new RegExp(`cat > ${AGENT_PATHS.gateUnit} <<'GRACEFUL_AUTOSCALER_GATE_UNIT'\\n([\\s\\S]*?)\\nGRACEFUL_AUTOSCALER_GATE_UNIT`).exec(userData);
    expect(unit?.[1]).toBe(inServiceGateUnit().join('\n'));
    // dev names no worker unit: nothing is made to wait.
    expect(userData).not.toContain(GATE_DROP_IN);
  }
  const gated = Template.fromStack(
    buildApp(makeApp(), {
      environments: { dev: { ...environments.dev, agent: { ...environments.dev.agent, workerUnit: 'trino.service' } } },
      selected: ['dev'],
      policyChecks: false,
    })[0],
  );
  for (const lt of Object.values(gated.findResources('AWS::EC2::LaunchTemplate'))) {
    const userData = (lt.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as unknown[]).filter((p) => typeof p === 'string').join('');
    const dropIn = new RegExp(`mkdir -p /etc/systemd/system/trino\\.service\\.d\\ncat > /etc/systemd/system/trino\\.service\\.d/${GATE_DROP_IN} <<'GRACEFUL_AUTOSCALER_GATE_DROP_IN'\\n([\\s\\S]*?)\\nGRACEFUL_AUTOSCALER_GATE_DROP_IN`).exec(userData);
    expect(dropIn?.[1]).toBe(`[Unit]\nRequires=${GATE_SERVICE}\nAfter=${GATE_SERVICE}`);
    // Written before systemd reloads its units, so the worker's next start waits for the gate.
    expect(userData.indexOf(GATE_DROP_IN)).toBeLessThan(userData.indexOf('systemctl daemon-reload', userData.indexOf(GATE_DROP_IN) - 200));
    expect(userData.lastIndexOf(GATE_DROP_IN)).toBeLessThan(userData.lastIndexOf('systemctl daemon-reload'));
  }
});

test('the config written to the instance is what config/ resolves to, and valid for the agent', () => {
  const userData = userDataOf(dev.getLogicalId((dev.fleets[0].fleet as WorkerFleet).launchTemplate.node.defaultChild as never));
  const json = /<<'GRACEFUL_AUTOSCALER_AGENT_CONFIG'\n([\s\S]*?)\nGRACEFUL_AUTOSCALER_AGENT_CONFIG/.exec(userData)![1];
  expect(parseAgentConfig(json)).toMatchObject({
    intervalSeconds: 10,
    namespace: 'GracefulAutoscaler/dev',
    tasks: { kind: 'trino', url: 'http://127.0.0.1:8080' },
    shutdown: { kind: 'trino' },
    shutdownGraceSeconds: 120,
    drainReport: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/EventQueue' },
    // In service its readings go to its own fleet's queue, not CloudWatch.
    readings: { queueUrl: expect.stringMatching(new RegExp(`/DrainControllerReadingsQueue${dev.fleets[0].config.name}[0-9A-F]{8}$`)) },
  });
  // runAsRoot and workerUnit shape the units, they are not the agent's business.
  expect(JSON.parse(json)).not.toHaveProperty('runAsRoot');
  expect(JSON.parse(json)).not.toHaveProperty('workerUnit');
});

test("each fleet's agent reports to the controller's own queue and sends readings to its fleet's, nowhere else", () => {
  const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
  const eventQueue = queues.find((q) => q.includes('EventQueue'))!;
  for (const f of dev.fleets) {
    const ownReadings = queues.find((q) => new RegExp(`^DrainControllerReadingsQueue${f.config.name}[0-9A-F]{8}$`).test(q))!;
    expect(ownReadings).toBeDefined();
    const roleId = dev.getLogicalId((f.fleet as WorkerFleet).role.node.defaultChild as never);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
    const send = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('sqs:')));
    expect(send).toHaveLength(2);
    expect([send[0].Action].flat()).toEqual(expect.arrayContaining(['sqs:SendMessage']));
    expect(JSON.stringify(send[0].Resource)).toContain(eventQueue);
    // Readings: SendMessage alone, on this fleet's queue alone.
    expect(send[1]).toEqual({ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [ownReadings, 'Arn'] } });
  }
});

const analyze = (() => {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!analyze && process.env.GA_REQUIRE_SYSTEMD_ANALYZE) throw new Error('GA_REQUIRE_SYSTEMD_ANALYZE is set but systemd-analyze is not installed');
if (!analyze) console.warn('systemd-analyze not found: skipping the unit hardening check (CI requires it)');

/** systemd's own judgement of the unit: `systemd-analyze security --offline=yes` prints an overall exposure. */
function exposure(unit: string[], name = AGENT_SERVICE): number {
  const dir = mkdtempSync(join(tmpdir(), 'ga-unit-'));
  const file = join(dir, name);
  writeFileSync(file, `${unit.join('\n')}\n`);
  let out: string;
  try {
    out = execFileSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // It exits non-zero above its threshold but still prints the verdict.
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const m = /Overall exposure level for \S+: (\d+(\.\d+)?)/.exec(out);
  if (!m) throw new Error(`no exposure level in systemd-analyze output: ${out.slice(-500)}`);
  return Number(m[1]);
}

(analyze ? test : test.skip)('systemd-analyze security rates the unit 3.0 or better (root mode, for command sources, stays under 4)', () => {
  expect(exposure(systemdUnit())).toBeLessThanOrEqual(3.0);
  expect(exposure(systemdUnit({ runAsRoot: true }))).toBeLessThan(4.0);
});

(analyze ? test : test.skip)('systemd-analyze security rates the start gate 3.0 or better, and verifies the drop-in against it', () => {
  expect(exposure(inServiceGateUnit(), GATE_SERVICE)).toBeLessThanOrEqual(3.0);
  // The gate unit and a worker unit with the drop-in, as systemd would load them: no unknown keys, and
  // the worker's start pulls in the gate (systemd-analyze verify fails on either).
  const dir = mkdtempSync(join(tmpdir(), 'ga-units-'));
  const node = join(dir, 'node');
  writeFileSync(node, '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, GATE_SERVICE), `${inServiceGateUnit().join('\n').replace(AGENT_PATHS.node, node)}\n`);
  writeFileSync(join(dir, 'trino.service'), `[Unit]\nDescription=stand-in worker\n\n[Service]\nExecStart=${node}\n`);
  execFileSync('mkdir', ['-p', join(dir, 'trino.service.d')]);
  writeFileSync(join(dir, 'trino.service.d', GATE_DROP_IN), `${workerGateDropIn().join('\n')}\n`);
  const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'trino.service')], { encoding: 'utf8', env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` } });
  // An unknown key is only a warning on stderr; a required unit it cannot find fails the run.
  expect({ status: verify.status, stdout: verify.stdout, stderr: verify.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
});

test('the bundle is a real synthesized asset, and instances may read it', () => {
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, `${dev.stackName}.assets.json`), 'utf8'));
  const files = Object.values(manifest.files as Record<string, { source: { path: string; packaging: string } }>).map((f) => f.source);
  const bundle = files.find((f) => f.path.endsWith('.js') && f.packaging === 'file');
  expect(bundle).toBeDefined();
  const file = join(assembly.directory, bundle!.path);
  expect(existsSync(file)).toBe(true);
  expect(statSync(file).size).toBeGreaterThan(100_000); // the agent with its CloudWatch client inside
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
  // Exactly this object: s3:GetObject on the asset's own key, nothing else in the CDK asset bucket.
  const entry = Object.values(manifest.files as Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>).find((f) => f.source.path === bundle!.path)!;
  const key = Object.values(entry.destinations)[0].objectKey;
  expect(statements.some((s) => s.Action === 's3:GetObject' && JSON.stringify(s.Resource).includes('cdk-hnb659fds-assets') && JSON.stringify(s.Resource).includes(key))).toBe(true);
});
