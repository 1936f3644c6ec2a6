import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../agent/agent';
import { parseAgentConfig } from '../../agent/config';
import { ImdsClient } from '../../agent/imds';
import { PressureReader, parseCpu, parseDisks, pressureBetween, someTotal } from '../../agent/pressure';
import { MetricPublisher } from '../../agent/publisher';
import { PRESSURE_METRICS } from '../../core/stragglers';
import { ListLog, startCloudWatch, startImds, startTrino } from './stand-ins';

/** /proc as a 6.1 kernel writes it (proc(5), the kernel's PSI and iostats documents), at two moments. */
function proc(t: { user: number; idle: number; steal: number; cpuSome: number; ioSome: number; memSome: number; ioTicks: number; rx: number; tx: number }) {
  return {
    stat: `cpu  ${t.user} 0 100 ${t.idle} 20 0 5 ${t.steal} 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\nintr 1234\nctxt 5678\n`,
    'pressure/cpu': `some avg10=1.00 avg60=2.00 avg300=3.00 total=${t.cpuSome}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`,
    'pressure/memory': `some avg10=0.00 avg60=0.00 avg300=0.00 total=${t.memSome}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`,
    'pressure/io': `some avg10=0.00 avg60=0.00 avg300=0.00 total=${t.ioSome}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`,
    diskstats: [
      `   7       0 loop0 10 0 80 1 0 0 0 0 0 ${t.ioTicks * 3} 1 0 0 0 0 0 0`,
      ` 259       0 nvme0n1 500 10 9000 400 300 20 8000 600 0 ${t.ioTicks} 1000 0 0 0 0 0 0`,
      ` 259       1 nvme0n1p1 400 10 8000 300 200 20 7000 500 0 ${t.ioTicks * 2} 900 0 0 0 0 0 0`,
      ` 259       2 nvme1n1 50 0 400 40 30 0 300 60 0 ${Math.floor(t.ioTicks / 4)} 100 0 0 0 0 0 0`,
    ].join('\n'),
    'net/dev': [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      `    lo: 999999 10 0 0 0 0 0 0 999999 10 0 0 0 0 0 0`,
      `  ens5: ${t.rx} 100 0 0 0 0 0 0 ${t.tx} 90 0 0 0 0 0 0`,
    ].join('\n'),
  };
}

const T0 = { user: 1000, idle: 5000, steal: 100, cpuSome: 1_000_000, ioSome: 2_000_000, memSome: 0, ioTicks: 10_000, rx: 1_000_000, tx: 500_000 };
// Ten seconds later: 1000 ticks passed, 250 of them stolen; 2.5 s of some-CPU stall, 5 s of I/O stall,
// none of memory; nvme0n1 busy 6 of the 10 s; 3 MB in and 1 MB out.
const T1 = { user: 1600, idle: 5150, steal: 350, cpuSome: 3_500_000, ioSome: 7_000_000, memSome: 0, ioTicks: 16_000, rx: 4_000_000, tx: 1_500_000 };

test('the kernel files parse as their documents describe them', () => {
  const p = proc(T0);
  expect(parseCpu(p.stat)).toEqual({ steal: 100, total: 1000 + 100 + 5000 + 20 + 5 + 100 });
  expect(someTotal(p['pressure/io'])).toBe(2_000_000);
  expect(someTotal(undefined)).toBeUndefined();
  // Whole disks only: no loop device, no partition.
  expect([...parseDisks(p.diskstats).keys()]).toEqual(['nvme0n1', 'nvme1n1']);
  expect(parseCpu('intr 1\n')).toBeUndefined();
});

test('an interval\'s pressure is each counter\'s difference over the time between the readings', async () => {
  const files = [proc(T0), proc(T1)];
  let k = 0;
  const reader = new PressureReader('/proc', async (path) => {
    const name = path.replace('/proc/', '') as keyof ReturnType<typeof proc>;
    return files[k][name];
  });
  const before = await reader.sample(0);
  k = 1;
  const after = await reader.sample(10_000);
  expect(pressureBetween(before, after)).toEqual({
    [PRESSURE_METRICS.cpuSteal]: 25,
    [PRESSURE_METRICS.cpuPressure]: 25,
    [PRESSURE_METRICS.memoryPressure]: 0,
    [PRESSURE_METRICS.ioPressure]: 50,
    [PRESSURE_METRICS.diskBusy]: 60,
  });
  // A counter that went backwards (a reboot, a replaced device) or no time between readings gives nothing.
  expect(pressureBetween(after, before)).toEqual({});
  expect(pressureBetween({ ...after, at: 20_000, disks: new Map([['nvme0n1', 1]]) }, { ...after, at: 30_000, disks: new Map([['nvme0n1', 0]]) })).not.toHaveProperty(PRESSURE_METRICS.diskBusy);
});

test('a kernel without PSI gives no pressure datapoints for it, never zeros', async () => {
  const files = [proc(T0), proc(T1)];
  let k = 0;
  const reader = new PressureReader('/proc', async (path) => {
    if (path.includes('pressure/')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return files[k][path.replace('/proc/', '') as keyof ReturnType<typeof proc>];
  });
  const before = await reader.sample(0);
  k = 1;
  const figures = pressureBetween(before, await reader.sample(10_000));
  expect(Object.keys(figures).sort()).toEqual([PRESSURE_METRICS.cpuSteal, PRESSURE_METRICS.diskBusy].sort());
});

test('this machine\'s own /proc reads and gives figures in range', async () => {
  const reader = new PressureReader();
  const before = await reader.sample(Date.now());
  await new Promise((r) => setTimeout(r, 200));
  const figures = pressureBetween(before, await reader.sample(Date.now()));
  // /proc/stat is on every Linux; PSI and disks depend on the kernel and the machine.
  expect(figures[PRESSURE_METRICS.cpuSteal]).toBeGreaterThanOrEqual(0);
  for (const name of Object.values(PRESSURE_METRICS)) if (name in figures) expect(figures[name]).toBeLessThanOrEqual(100);
});

test('with pressure on, the agent publishes each interval\'s figures (from its second round) beside RunningTasks', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ga-proc-'));
  mkdirSync(join(root, 'pressure'));
  mkdirSync(join(root, 'net'));
  const write = (t: typeof T0) => {
    for (const [name, text] of Object.entries(proc(t))) writeFileSync(join(root, name), text);
  };
  const meta = { instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', groupName: 'adhoc-asg' };
  const [imds, trino, cloudwatch] = await Promise.all([startImds(meta), startTrino(), startCloudWatch()]);
  try {
    const config = parseAgentConfig(JSON.stringify({ tasks: { kind: 'trino', url: trino.url }, pressure: true }));
    let now = Date.UTC(2026, 10, 21, 12, 0, 0);
    const client = new CloudWatchClient({ region: 'eu-west-1', endpoint: cloudwatch.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const agent = new Agent(config, new ImdsClient(imds.url), () => new MetricPublisher(client, config.namespace, config.bufferMax, () => now), new ListLog(), () => now, undefined, new PressureReader(root));
    write(T0);
    await agent.tickMetrics();
    expect(cloudwatch.state.calls.flatMap((c) => c.MetricData.map((d) => d.MetricName))).toEqual(['RunningTasks']);
    write(T1);
    // The next wall-clock minute: in service, the agent publishes once a minute.
    now += 60_000;
    await agent.tickMetrics();
    const steal = cloudwatch.datapoints(PRESSURE_METRICS.cpuSteal);
    expect(steal).toEqual([expect.objectContaining({ Value: 25, Unit: 'Percent', Dimensions: [{ Name: 'InstanceId', Value: meta.instanceId }, { Name: 'AutoScalingGroupName', Value: 'adhoc-asg' }] })]);
    // Nothing no decision reads: network bytes were published for operators and billed as a metric.
    expect(cloudwatch.state.calls.flatMap((c) => c.MetricData.map((d) => d.MetricName)).sort()).toEqual(['RunningTasks', 'RunningTasks', ...Object.values(PRESSURE_METRICS)].sort());
  } finally {
    await Promise.all([imds.close(), trino.close(), cloudwatch.close()]);
  }
});

test('the config refuses a pressure flag that is not a boolean', () => {
  expect(() => parseAgentConfig(JSON.stringify({ tasks: { kind: 'command', command: 'echo 1' }, pressure: 'yes' }))).toThrow('pressure ("yes") must be true or false');
  expect(parseAgentConfig(JSON.stringify({ tasks: { kind: 'command', command: 'echo 1' } })).pressure).toBe(false);
});
