import { WorkerFleet } from '../../lib/worker-fleet';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { environments } from '../../config/environments';
import { buildApp } from '../../lib/app';
import { BOOT_STEP_ATTEMPTS, INSTALL_FAILURES_METRIC } from '../../lib/boot-steps';
import { FleetStack } from '../../lib/fleet-stack';
import { AGENT_PATHS } from '../../lib/worker-agent';
import { makeApp } from '../helpers';

const stacks = buildApp(makeApp(), { environments, policyChecks: false });

/** A fleet's user data as the instance gets it, with the region and other tokens filled in. */
function userDataOf(stack: FleetStack, fleetIndex = 0): string {
  const template = Template.fromStack(stack);
  const logicalId = stack.getLogicalId((stack.fleets[fleetIndex].fleet as WorkerFleet).launchTemplate.node.defaultChild as never);
  const lt = template.findResources('AWS::EC2::LaunchTemplate')[logicalId];
  const parts = lt.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] as unknown[];
  return parts
    .map((p) => (typeof p === 'string' ? p : JSON.stringify(p) === '{"Ref":"AWS::Region"}' ? 'eu-west-1' : 'token-value'))
    .join('');
}

test('every fleet of every environment boots the CodeDeploy agent first, then ours, with no shared set -e or yum update', () => {
  for (const stack of stacks) {
    for (let i = 0; i < stack.fleets.length; i++) {
      // An adopted group's user data is its owner's.
      if (!(stack.fleets[i].fleet instanceof WorkerFleet)) continue;
      const script = userDataOf(stack, i);
      // bash itself parses the whole script: functions, heredocs and quoting.
      execFileSync('bash', ['-n'], { input: script });
      const outside = script.replace(/\nga_install_[a-z_]+\(\) \{\n[\s\S]*?\n\}\n/g, '\n');
      expect(outside).not.toMatch(/^set -e/m);
      expect(script).not.toMatch(/(yum|dnf) update/);
      const codedeploy = script.indexOf('ga_step codedeploy-agent ');
      const agent = script.indexOf('ga_step worker-agent ');
      expect(codedeploy).toBeGreaterThan(script.indexOf('ga_step() {'));
      expect(agent).toBeGreaterThan(codedeploy);
    }
  }
});

/**
 * Runs a fleet's real user data under bash, with stand-ins for what needs a real instance (dnf, the AWS
 * CLI, systemctl, sleep) and the absolute paths moved under a temporary root. Returns the log of calls.
 */
function boot(script: string, failures: { dnf?: string; s3?: string }) {
  const root = mkdtempSync(join(tmpdir(), 'ga-boot-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const log = join(root, 'calls.log');
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> "$CALLS"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub('dnf', '[ -n "$FAIL_DNF" ] && [[ "$*" == *"$FAIL_DNF"* ]] && exit 1; exit 0');
  stub(
    'aws',
    [
      'if [ "$1 $2" = "s3 cp" ]; then',
      '  [ -n "$FAIL_S3" ] && [[ "$3" == *"$FAIL_S3"* ]] && exit 1',
      '  if [[ "$3" == *aws-codedeploy-* ]]; then printf \'#!/bin/bash\\necho "codedeploy-installer $*" >> "$CALLS"; touch "$ROOT/codedeploy-running"\\n\' > "$4"; else echo bundle > "$4"; fi',
      'fi',
      'exit 0',
    ].join('\n'),
  );
  stub('systemctl', '[ "$1" = is-active ] && { [ -e "$ROOT/codedeploy-running" ]; exit $?; }; exit 0');
  stub('sleep', 'exit 0');
  const moved = script
    .split('/opt/graceful-autoscaler').join(`${root}/opt/graceful-autoscaler`)
    .split('/etc/graceful-autoscaler').join(`${root}/etc/graceful-autoscaler`)
    .split('/etc/systemd/system').join(`${root}/etc/systemd/system`);
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  const run = spawnSync('bash', ['-s'], {
    input: moved,
    env: { PATH: `${bin}:/usr/bin:/bin`, CALLS: log, ROOT: root, FAIL_DNF: failures.dnf ?? '', FAIL_S3: failures.s3 ?? '' },
    encoding: 'utf8',
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  const metrics = calls.filter((c) => c.startsWith('aws cloudwatch put-metric-data'));
  return { run, calls, metrics, unitWritten: existsSync(join(root, AGENT_PATHS.unit.slice(1))), agentEnabled: calls.some((c) => c.startsWith('systemctl enable --now graceful-autoscaler-agent')) };
}

describe('booting an instance of the dev fleet', () => {
  const script = userDataOf(stacks.find((s) => s.environmentName === 'dev')!);

  test('all steps succeed: the CodeDeploy agent runs before our agent starts, and nothing is reported', () => {
    const { run, calls, metrics, agentEnabled } = boot(script, {});
    expect(run.status).toBe(0);
    expect(metrics).toEqual([]);
    expect(agentEnabled).toBe(true);
    const installer = calls.findIndex((c) => c.startsWith('codedeploy-installer auto'));
    expect(installer).toBeGreaterThanOrEqual(0);
    expect(installer).toBeLessThan(calls.findIndex((c) => c === 'dnf install -y nodejs22'));
    expect(calls.filter((c) => c.startsWith('sleep'))).toEqual([]);
  });

  test('a package mirror refusing nodejs22: our step is retried, stops short of a half-installed agent, and is reported; CodeDeploy is untouched', () => {
    const { run, calls, metrics, unitWritten, agentEnabled } = boot(script, { dnf: 'nodejs22' });
    expect(run.status).toBe(0);
    expect(calls.some((c) => c.startsWith('codedeploy-installer auto'))).toBe(true);
    expect(calls.filter((c) => c === 'dnf install -y nodejs22')).toHaveLength(BOOT_STEP_ATTEMPTS);
    expect(calls.filter((c) => c.startsWith('sleep'))).toEqual(['sleep 15', 'sleep 30']);
    expect(unitWritten).toBe(false);
    expect(agentEnabled).toBe(false);
    expect(metrics).toHaveLength(1);
    const data = JSON.parse(/--metric-data (\[.*\])$/.exec(metrics[0])![1]);
    expect(metrics[0]).toContain("--namespace GracefulAutoscaler/dev");
    expect(data).toEqual([
      { MetricName: INSTALL_FAILURES_METRIC, Dimensions: [{ Name: 'Fleet', Value: 'adhoc' }], Value: 1, Unit: 'Count' },
      { MetricName: INSTALL_FAILURES_METRIC, Dimensions: [{ Name: 'Fleet', Value: 'adhoc' }, { Name: 'Component', Value: 'worker-agent' }], Value: 1, Unit: 'Count' },
    ]);
  });

  test("CodeDeploy's installer unreachable: reported as codedeploy-agent, and our agent still installs and starts", () => {
    const { run, metrics, unitWritten, agentEnabled } = boot(script, { s3: 'aws-codedeploy-' });
    expect(run.status).toBe(0);
    expect(unitWritten).toBe(true);
    expect(agentEnabled).toBe(true);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toContain('{"Name":"Component","Value":"codedeploy-agent"}');
  });
});

test("instances may read exactly CodeDeploy's installer, and a failed boot step raises the fleet's alarm", () => {
  const stack = stacks.find((s) => s.environmentName === 'staging')!;
  const template = Template.fromStack(stack);
  const s3Statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
    .filter((st) => JSON.stringify(st).includes('aws-codedeploy-'));
  const launched = stack.fleets.filter((f) => f.fleet instanceof WorkerFleet);
  expect(s3Statements).toHaveLength(launched.length);
  for (const st of s3Statements) {
    expect(st.Action).toBe('s3:GetObject');
    const installerResources = ([] as unknown[]).concat(st.Resource).map((r) => JSON.stringify(r)).filter((r) => r.includes('aws-codedeploy-'));
    expect(installerResources).toEqual(['{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::aws-codedeploy-",{"Ref":"AWS::Region"},"/latest/install"]]}']);
  }
  for (const fleet of launched) {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `ga.staging.InstallFailedAlarm-${fleet.config.name}`,
      Metrics: [Match.objectLike({ MetricStat: Match.objectLike({ Metric: { Namespace: 'GracefulAutoscaler/staging', MetricName: INSTALL_FAILURES_METRIC, Dimensions: [{ Name: 'Fleet', Value: fleet.config.name }] }, Stat: 'Sum', Period: 300 }) })],
      Threshold: 1,
      AlarmActions: [{ Ref: stack.getLogicalId(stack.alarmTopic.node.defaultChild as never) }],
    });
  }
});
