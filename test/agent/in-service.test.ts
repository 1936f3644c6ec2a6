/**
 * The worker's start gate (agent/in-service.ts) against the IMDSv2 stand-in: it holds while the target
 * lifecycle state says the instance goes into a warm pool, lets the worker start once it says InService,
 * and refuses on the way out. The bundled CLI's exit codes are what systemd acts on.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentLog } from '../../agent/log';
import { ImdsClient } from '../../agent/imds';
import { GateOutcome, MAX_BACKOFF_SECONDS, backoffSeconds, parseGateArgs, waitForInService } from '../../agent/in-service';
import { bundleAgent } from '../../lib/agent-bundle';
import { startImds } from './stand-ins';

const META = { instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', groupName: 'trino-workers' };
const FAST = { pollSeconds: 0.02, absentGraceSeconds: 0.3, imdsLimitSeconds: 0.3 };

function memoryLog() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const log: AgentLog = {
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
  };
  return { log, lines };
}

let imds: Awaited<ReturnType<typeof startImds>>;
beforeEach(async () => {
  imds = await startImds(META);
});
afterEach(() => imds.close());

async function settle<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

test('a warm pool instance is held through every Warmed state, and starts its worker once it is going into service', async () => {
  const { log, lines } = memoryLog();
  imds.state.lifecycle = 'Warmed:Stopped';
  const gate = waitForInService(new ImdsClient(imds.url), FAST, log, new AbortController().signal);
  expect(await settle(gate, 400)).toBe('pending'); // well past the grace: an answer is not an absence
  imds.state.lifecycle = 'Warmed:Running';
  expect(await settle(gate, 150)).toBe('pending');
  imds.state.lifecycle = 'Standby';
  expect(await settle(gate, 150)).toBe('pending');
  imds.state.lifecycle = 'InService';
  const outcome = (await gate) as GateOutcome;
  expect(outcome).toMatchObject({ start: true, state: 'InService' });
  expect(outcome.waitedSeconds).toBeGreaterThan(0.6);
  // One line per state it held in, not one per poll.
  const holds = lines.filter((l) => l.message.startsWith('holding the worker')).map((l) => l.fields?.targetLifecycleState);
  expect(holds).toEqual(['Warmed:Stopped', 'Warmed:Running', 'Standby']);
  expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'instance in service: the worker may start' });
});

test('an instance launched straight into service (or detached from its group) starts at once', async () => {
  for (const state of ['InService', 'Detached']) {
    imds.state.lifecycle = state;
    const outcome = await waitForInService(new ImdsClient(imds.url), FAST, memoryLog().log, new AbortController().signal);
    expect(outcome).toMatchObject({ start: true, state });
    expect(outcome.waitedSeconds).toBeLessThan(FAST.absentGraceSeconds);
  }
});

test.each(['Terminated', 'Warmed:Terminated'])('%s: the worker must not start on an instance on its way out', async (state) => {
  imds.state.lifecycle = state;
  const { log, lines } = memoryLog();
  const outcome = await waitForInService(new ImdsClient(imds.url), FAST, log, new AbortController().signal);
  expect(outcome.start).toBe(false);
  expect(outcome.start === false && outcome.reason).toContain(state);
  expect(lines.some((l) => l.level === 'warn' && l.message === 'worker start refused')).toBe(true);
});

test('no lifecycle state at all (not in an Auto Scaling group): the worker starts after the grace, with a warning', async () => {
  imds.state.lifecycle = undefined;
  const { log, lines } = memoryLog();
  const outcome = await waitForInService(new ImdsClient(imds.url), FAST, log, new AbortController().signal);
  expect(outcome).toMatchObject({ start: true, state: undefined });
  expect(outcome.waitedSeconds).toBeGreaterThanOrEqual(FAST.absentGraceSeconds);
  expect(lines.some((l) => l.level === 'warn' && l.message.includes('not in an Auto Scaling group'))).toBe(true);
});

test('a lifecycle state that appears within the grace is obeyed: a pool instance whose state lags its boot is still held', async () => {
  imds.state.lifecycle = undefined;
  const gate = waitForInService(new ImdsClient(imds.url), { ...FAST, absentGraceSeconds: 2 }, memoryLog().log, new AbortController().signal);
  await new Promise((r) => setTimeout(r, 100));
  imds.state.lifecycle = 'Warmed:Stopped';
  expect(await settle(gate, 2500)).toBe('pending');
  imds.state.lifecycle = 'InService';
  expect(await gate).toMatchObject({ start: true, state: 'InService' });
});

test('IMDS unreachable past the grace: refused, since nobody can tell where the instance is going', async () => {
  imds.state.down = true;
  const { log, lines } = memoryLog();
  const outcome = await waitForInService(new ImdsClient(imds.url), FAST, log, new AbortController().signal);
  expect(outcome.start).toBe(false);
  expect(outcome.start === false && outcome.reason).toMatch(/instance metadata unreachable/);
  // One warning while it retried, however many polls failed.
  expect(lines.filter((l) => l.message.startsWith('target lifecycle state unavailable'))).toHaveLength(1);
});

test('IMDS answering 500 at boot for longer than the absence grace: retried with backoff, and the worker starts once it answers', async () => {
  // The field case: 500 for the first 35 s of boot against a 30 s grace, scaled down 100 times.
  imds.state.metadataStatus = 500;
  imds.state.lifecycle = 'InService';
  const { log, lines } = memoryLog();
  const gate = waitForInService(new ImdsClient(imds.url), { pollSeconds: 0.01, absentGraceSeconds: 0.3, imdsLimitSeconds: 5 }, log, new AbortController().signal);
  expect(await settle(gate, 350)).toBe('pending');
  // Backoff, not a read per poll: 35 polls' worth of time took a handful of reads.
  expect(imds.state.metadataReads).toBeLessThan(12);
  imds.state.metadataStatus = 200;
  const outcome = await gate;
  expect(outcome).toMatchObject({ start: true, state: 'InService' });
  expect(lines.filter((l) => l.message.startsWith('target lifecycle state unavailable'))).toHaveLength(1);
  expect(lines[0].fields).toMatchObject({ error: expect.stringContaining('HTTP 500'), limitSeconds: 5 });
});

test('IMDS failing past its own limit: refused (fail closed) on time, with one clear error line', async () => {
  imds.state.metadataStatus = 500;
  const { log, lines } = memoryLog();
  const outcome = await waitForInService(new ImdsClient(imds.url), { pollSeconds: 0.01, absentGraceSeconds: 0.05, imdsLimitSeconds: 0.5 }, log, new AbortController().signal);
  expect(outcome.start).toBe(false);
  expect(outcome.waitedSeconds).toBeGreaterThanOrEqual(0.5);
  expect(outcome.waitedSeconds).toBeLessThan(1);
  expect(outcome.start === false && outcome.reason).toMatch(/instance metadata unreachable for \d+ s, the gate's limit \(--imds-limit-seconds 0.5\), last error: .*HTTP 500/);
  expect(lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({ message: 'worker start refused: instance metadata never answered' })]);
});

test('the backoff doubles from the poll interval, is capped, and jitters within the upper half', () => {
  expect(backoffSeconds(1, 0, () => 0)).toBe(0.5);
  expect(backoffSeconds(1, 0, () => 1)).toBe(1);
  expect(backoffSeconds(1, 2, () => 1)).toBe(4);
  expect(backoffSeconds(1, 50, () => 1)).toBe(MAX_BACKOFF_SECONDS);
  expect(backoffSeconds(1, 50, () => 0)).toBe(MAX_BACKOFF_SECONDS / 2);
});

test('IMDS that answered once and then fails, or loses the state, keeps the worker held, not released', async () => {
  imds.state.lifecycle = 'Warmed:Stopped';
  const gate = waitForInService(new ImdsClient(imds.url), FAST, memoryLog().log, new AbortController().signal);
  await new Promise((r) => setTimeout(r, 60));
  imds.state.down = true;
  expect(await settle(gate, 500)).toBe('pending');
  imds.state.down = false;
  imds.state.lifecycle = undefined; // and a state that vanishes is not an absence either
  expect(await settle(gate, 500)).toBe('pending');
  imds.state.lifecycle = 'InService';
  expect(await gate).toMatchObject({ start: true });
});

test('stopped while waiting (the pool instance is being stopped): it returns at once and does not start the worker', async () => {
  imds.state.lifecycle = 'Warmed:Stopped';
  const stop = new AbortController();
  const gate = waitForInService(new ImdsClient(imds.url), { pollSeconds: 30, absentGraceSeconds: 30, imdsLimitSeconds: 30 }, memoryLog().log, stop.signal);
  await new Promise((r) => setTimeout(r, 50));
  stop.abort();
  expect(await settle(gate, 1000)).toMatchObject({ start: false, state: 'Warmed:Stopped', reason: expect.stringContaining('stopped while waiting') });
});

test('stopped after IMDS went quiet: the outcome names the last state read, not the outage', async () => {
  imds.state.lifecycle = 'Warmed:Stopped';
  const stop = new AbortController();
  const gate = waitForInService(new ImdsClient(imds.url), FAST, memoryLog().log, stop.signal);
  await new Promise((r) => setTimeout(r, 60));
  imds.state.down = true;
  await new Promise((r) => setTimeout(r, 100));
  stop.abort();
  expect(await settle(gate, 1000)).toMatchObject({ start: false, state: 'Warmed:Stopped', reason: expect.stringContaining('stopped while waiting') });
});

test('its arguments: defaults, both flags in either form, and clear errors', () => {
  expect(parseGateArgs([])).toEqual({ pollSeconds: 1, absentGraceSeconds: 30, imdsLimitSeconds: 300 });
  expect(parseGateArgs(['--poll-seconds', '0.5', '--absent-grace-seconds=0', '--imds-limit-seconds', '600'])).toEqual({ pollSeconds: 0.5, absentGraceSeconds: 0, imdsLimitSeconds: 600 });
  expect(() => parseGateArgs(['--imds-limit-seconds', '-1'])).toThrow('--imds-limit-seconds "-1" must be a number of seconds from 0 to 3600');
  expect(() => parseGateArgs(['--poll-seconds'])).toThrow('--poll-seconds "" must be a number of seconds from 0.1 to 60');
  expect(() => parseGateArgs(['--poll-seconds', '0'])).toThrow('from 0.1 to 60');
  expect(() => parseGateArgs(['--absent-grace-seconds', 'soon'])).toThrow('--absent-grace-seconds "soon" must be');
  expect(() => parseGateArgs(['--config', 'x'])).toThrow('unknown argument "--config"');
  // A value with a second '=' is refused whole, not cut at it.
  expect(() => parseGateArgs(['--poll-seconds=1=2'])).toThrow('--poll-seconds "1=2" must be');
});

describe('the bundled CLI, as systemd runs it', () => {
  const bundle = join(mkdtempSync(join(tmpdir(), 'ga-gate-')), 'agent.js');
  beforeAll(() => bundleAgent(bundle));

  function run(args: string[]): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [bundle, 'wait-in-service', ...args], {
      env: { PATH: process.env.PATH!, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
  }

  test('exit 0 once in service, 1 when terminating, 2 on a usage error; no config file needed', async () => {
    imds.state.lifecycle = 'Warmed:Stopped';
    const held = run(['--poll-seconds', '0.1']);
    await new Promise((r) => setTimeout(r, 1500));
    imds.state.lifecycle = 'InService';
    const started = await held;
    expect(started.code).toBe(0);
    expect(started.output).toContain('"targetLifecycleState":"Warmed:Stopped"');
    expect(started.output).toContain('instance in service: the worker may start');

    imds.state.lifecycle = 'Terminated';
    const refused = await run(['--poll-seconds', '0.1']);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('the worker must not start: the target lifecycle state is Terminated');

    const usage = await run(['--poll-seconds', 'fast']);
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('--poll-seconds "fast" must be a number of seconds');
  }, 30_000);
});
