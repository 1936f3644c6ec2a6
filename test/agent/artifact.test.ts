/**
 * The agent artifact for groups we adopt (scripts/agent-artifact.ts): the same bundle and hardened unit the
 * stack installs, and an install script run here for real under bash, into a temporary root, with
 * stand-ins for systemctl and dnf that log their calls.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '../../agent/config';
import { buildAgentArtifact } from '../../scripts/agent-artifact';
import { AGENT_PATHS, GATE_DROP_IN, inServiceGateUnit, systemdUnit, workerGateDropIn } from '../../lib/worker-agent';
import { AGENT_SERVICE } from '../../core/contract/names';

const out = mkdtempSync(join(tmpdir(), 'ga-artifact-'));
const { dir, tarball } = buildAgentArtifact(out, '9.9.9');

/** Runs install.sh with a temporary root and stand-ins on PATH; returns its result and the calls made. */
function install(args: string[], options: { node?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'ga-root-'));
  const bin = join(root, 'stand-ins');
  mkdirSync(bin);
  const calls = join(root, 'calls.log');
  for (const name of ['systemctl', 'dnf']) {
    writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> "${calls}"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  if (options.node ?? true) {
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    writeFileSync(join(root, AGENT_PATHS.node), '');
    chmodSync(join(root, AGENT_PATHS.node), 0o755);
  }
  const config = join(root, 'agent.json');
  writeFileSync(config, JSON.stringify({ tasks: { kind: 'trino', url: 'http://127.0.0.1:8080' }, groupName: 'trino-legacy-workers' }));
  const result = spawnSync('bash', [join(dir, 'install.sh'), ...args.map((a) => a.replace('CONFIG', config))], {
    env: { PATH: `${bin}:/usr/bin:/bin`, GA_ROOT: root },
    encoding: 'utf8',
  });
  return { root, result, calls: existsSync(calls) ? readFileSync(calls, 'utf8') : '' };
}

test('the tarball holds the bundle, the agent units, the start gate and its drop-in, the install script and the version', () => {
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
  expect(listing).toEqual(
    [
      '',
      'VERSION',
      'agent.js',
      'graceful-autoscaler-agent-root.service',
      'graceful-autoscaler-agent.service',
      'graceful-autoscaler-in-service.conf',
      'graceful-autoscaler-in-service.service',
      'install.sh',
    ].map((f) => `graceful-autoscaler-agent-9.9.9/${f}`),
  );
  expect(readFileSync(join(dir, 'VERSION'), 'utf8').trim()).toBe('9.9.9');
  expect(statSync(join(dir, 'agent.js')).size).toBeGreaterThan(100_000); // with its CloudWatch client inside
});

test('its units are the hardened units the stack installs, byte for byte', () => {
  expect(readFileSync(join(dir, 'graceful-autoscaler-agent.service'), 'utf8')).toBe(`${systemdUnit().join('\n')}\n`);
  expect(readFileSync(join(dir, 'graceful-autoscaler-agent-root.service'), 'utf8')).toBe(`${systemdUnit({ runAsRoot: true }).join('\n')}\n`);
  expect(readFileSync(join(dir, 'graceful-autoscaler-in-service.service'), 'utf8')).toBe(`${inServiceGateUnit().join('\n')}\n`);
  expect(readFileSync(join(dir, GATE_DROP_IN), 'utf8')).toBe(`${workerGateDropIn().join('\n')}\n`);
});

test('install.sh always installs the start gate, and makes only the named worker unit require it', () => {
  const plain = install(['--config', 'CONFIG']);
  expect(plain.result.status).toBe(0);
  expect(readFileSync(join(plain.root, AGENT_PATHS.gateUnit), 'utf8')).toBe(`${inServiceGateUnit().join('\n')}\n`);
  expect(existsSync(join(plain.root, 'etc/systemd/system/trino.service.d'))).toBe(false);

  for (const unit of ['trino.service', 'presto-worker@1.service']) {
    const gated = install(['--config', 'CONFIG', '--worker-unit', unit]);
    expect(gated.result.stderr).toBe('');
    expect(gated.result.status).toBe(0);
    expect(readFileSync(join(gated.root, `etc/systemd/system/${unit}.d`, GATE_DROP_IN), 'utf8')).toBe(`${workerGateDropIn().join('\n')}\n`);
    // The agent is started; the worker is not touched: its next start (the next boot) waits for the gate.
    expect(gated.calls).toBe(`systemctl daemon-reload\nsystemctl enable --now ${AGENT_SERVICE}\n`);
  }
});

test.each(['trino', '../../etc/trino.service', 'trino worker.service', 'graceful-autoscaler-in-service.service', 'trino\\x2d.service'])(
  'install.sh refuses --worker-unit %j before installing anything',
  (unit) => {
    const { root, result, calls } = install(['--config', 'CONFIG', '--worker-unit', unit]);
    expect(result.status).toBe(64);
    expect(result.stderr).toContain("--worker-unit must be the worker's systemd service unit");
    expect(existsSync(join(root, AGENT_PATHS.bundle))).toBe(false);
    expect(calls).toBe('');
  },
);

test('install.sh puts bundle, config and unit where the stack would, config readable by root only, and starts the service', () => {
  const { root, result, calls } = install(['--config', 'CONFIG']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(readFileSync(join(root, AGENT_PATHS.bundle))).toEqual(readFileSync(join(dir, 'agent.js')));
  expect(statSync(join(root, AGENT_PATHS.config)).mode & 0o777).toBe(0o600);
  // The agent itself accepts the file it was given.
  expect(parseAgentConfig(readFileSync(join(root, AGENT_PATHS.config), 'utf8')).groupName).toBe('trino-legacy-workers');
  expect(readFileSync(join(root, AGENT_PATHS.unit), 'utf8')).toBe(`${systemdUnit().join('\n')}\n`);
  expect(calls).toBe(`systemctl daemon-reload\nsystemctl enable --now ${AGENT_SERVICE}\n`);
});

test('a Trino shared secret is handed over as a systemd credential; root mode is opt-in', () => {
  const { root, result } = install(['--config', 'CONFIG', '--shared-secret-file', '/etc/trino/secret', '--run-as-root']);
  expect(result.status).toBe(0);
  expect(readFileSync(join(root, AGENT_PATHS.unit), 'utf8')).toBe(`${systemdUnit({ runAsRoot: true, sharedSecretFile: '/etc/trino/secret' }).join('\n')}\n`);
});

test('without Node.js 22 it installs nodejs22 with dnf', () => {
  const { calls, result } = install(['--config', 'CONFIG'], { node: false });
  expect(result.status).toBe(0);
  expect(calls.split('\n')[0]).toBe('dnf install -y nodejs22');
});

test.each([
  [[], /--config is required/],
  [['--config', '/nonexistent.json'], /no such config file/],
  [['--config', 'CONFIG', '--shared-secret-file', 'relative path'], /must be an absolute path/],
  [['--config', 'CONFIG', '--bogus'], /unknown argument: --bogus/],
])('refuses %j before touching anything', (args, message) => {
  const { root, result, calls } = install(args as string[]);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(existsSync(join(root, AGENT_PATHS.bundle))).toBe(false);
  expect(calls).toBe('');
});
