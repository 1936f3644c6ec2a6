/**
 * A coordinator is untrusted input (docs/security.md). Through the real coordinator adapter and the real
 * handler, over real HTTP on loopback: two fleets, one coordinator healthy and one hostile. Whatever the
 * hostile one answers, the healthy fleet publishes exactly what it publishes alone, no value CloudWatch
 * would reject reaches PutMetricData, no redirect is followed, and the function's memory stays bounded.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { COORDINATOR_LIMITS, coordinatorQueries, publishSignals } from '../../../lambdas/aws/scaling-signals';
import { DEFAULT_SCALING_POLICY } from '../../../core/scaling-policy';
import { SignalsDeps, makeScalingSignalsHandler } from '../../../lambdas/signals/handler';
import { GroupState } from '../../../core/ports';

const now = Date.parse('2026-11-21T12:00:00Z');
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
const TIMEOUT_MS = 1000;
const GB = 1024 ** 3;

// CloudWatch's own rule (PutMetricData, MetricDatum Value), written out here rather than imported from the
// code under test: a request with one value outside it is rejected whole.
const cloudWatchWouldTake = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && (v === 0 || (Math.abs(v) >= 8.51592e-109 && Math.abs(v) <= 1.174271e108));
const cw = mockClient(CloudWatchClient);
type Datum = { MetricName?: string; Value?: number; Dimensions?: { Name?: string; Value?: string }[] };
let accepted: Datum[] = [];
let rejectedRequests = 0;
beforeEach(() => {
  cw.reset();
  accepted = [];
  rejectedRequests = 0;
  cw.on(PutMetricDataCommand).callsFake((input: { MetricData: Datum[] }) => {
    const bad = input.MetricData.findIndex((d) => !cloudWatchWouldTake(d.Value));
    if (bad >= 0) {
      rejectedRequests++;
      throw Object.assign(new Error(`The value ${input.MetricData[bad].Value} for parameter MetricData.member.${bad + 1}.Value is invalid.`), { name: 'InvalidParameterValue' });
    }
    accepted.push(...input.MetricData);
    return {};
  });
});

interface Server {
  readonly url: string;
  readonly requests: { method?: string; url?: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => unknown): Promise<Server> {
  const requests: Server['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    res.on('error', () => undefined);
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (res: http.ServerResponse, body: string, type = 'application/json') => res.writeHead(200, { 'content-type': type }).end(body);

/** Writes `total` bytes of `[{"state":"QUEUED"},…` lazily, 64 KB at a time, as fast as the client reads. */
async function streamLazily(res: http.ServerResponse, total: number, sent: { bytes: number; closed: boolean }) {
  const unit = '{"state":"QUEUED"},';
  const chunk = Buffer.from(unit.repeat(Math.floor(65536 / unit.length)));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.on('close', () => (sent.closed = true));
  res.write('[');
  while (sent.bytes < total && !sent.closed) {
    sent.bytes += chunk.length;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end('{"state":"QUEUED"}]');
}

const healthyList = JSON.stringify([
  ...Array.from({ length: 30 }, () => ({ queryId: 'q', state: 'QUEUED' })),
  ...Array.from({ length: 8 }, () => ({ queryId: 'q', state: 'RUNNING' })),
  ...Array.from({ length: 40 }, (_, i) => ({ queryId: 'q', state: 'FINISHED', queryStats: { endTime: at(i), totalCpuTime: '2.50s' } })),
]);
const finishedWith = (totalCpuTime: unknown) =>
  JSON.stringify([{ state: 'QUEUED' }, { state: 'FINISHED', queryStats: { endTime: at(5), totalCpuTime: '1.00s' } }, { state: 'FINISHED', queryStats: { endTime: at(10), totalCpuTime } }]);

const policy = { ...DEFAULT_SCALING_POLICY, targetBacklogSeconds: 60, targetCpuPercent: 40 };
const group = (capacity: number): GroupState => ({ capacity, minCapacity: 1, maxCapacity: 50, launching: 0, inService: Array.from({ length: capacity }, (_, k) => `i-${k}`) });

function handlerFor(healthyUrl: string, hostileUrl: string, timeoutMs = TIMEOUT_MS) {
  const logs: { message: string; fields?: Record<string, unknown> }[] = [];
  const push = (message: string, fields?: Record<string, unknown>) => logs.push({ message, fields });
  const deps: SignalsDeps = {
    fleets: [
      { fleet: 'healthy', groupName: 'g-healthy', coordinatorUrl: healthyUrl, policy },
      { fleet: 'hostile', groupName: 'g-hostile', coordinatorUrl: hostileUrl, policy },
    ],
    coordinator: { queries: coordinatorQueries('graceful-autoscaler', timeoutMs) },
    groups: {
      describe: async (names) => new Map(names.map((n) => [n, group(6)])),
      warm: async (_name, inService) => inService.length,
    },
    history: { read: async () => new Map(['healthy', 'hostile'].map((f) => [f, { cpuPercent: 55, busyInstances: [{ minutesAgo: 1, busy: 3.3 }], previousQueued: 20 }])) },
    publish: (datapoints) => publishSignals(new CloudWatchClient({ region: 'us-east-1' }), 'GracefulAutoscaler/test/signals', datapoints, new Date(now)),
    log: { info: push, warn: push, error: push },
    now: () => now,
  };
  return { run: makeScalingSignalsHandler(deps), logs };
}

const of = (fleet: string) => accepted.filter((d) => d.Dimensions?.some((x) => x.Name === 'Fleet' && x.Value === fleet));
const value = (fleet: string, metric: string) => of(fleet).find((d) => d.MetricName === metric)?.Value;

let healthy: Server;
let elsewhere: Server;
beforeAll(async () => {
  healthy = await serve((_req, res) => json(res, healthyList));
  elsewhere = await serve((_req, res) => json(res, healthyList));
});
afterAll(async () => {
  await healthy.close();
  await elsewhere.close();
});

test('a 1 GB answer, streamed lazily, is cut off at the cap: the read stops and memory stays well under 128 MB', async () => {
  const sent = { bytes: 0, closed: false };
  const hostile = await serve((_req, res) => streamLazily(res, GB, sent));
  try {
    // The function's own 5 s limit: loopback delivers far more than the cap within it.
    const { run, logs } = handlerFor(healthy.url, hostile.url, 5000);
    // A first run with both fleets healthy loads fetch (undici) and the SDK, so only the read is measured.
    await handlerFor(healthy.url, healthy.url).run();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, heap: before.heapUsed + before.arrayBuffers };
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heap = Math.max(peak.heap, m.heapUsed + m.arrayBuffers);
    }, 2);
    const started = Date.now();
    const summary = await run();
    clearInterval(sample);
    const rssGrowthMb = (peak.rss - before.rss) / 2 ** 20;
    const heapGrowthMb = (peak.heap - before.heapUsed - before.arrayBuffers) / 2 ** 20;
    console.log(`1 GB answer: server wrote ${(sent.bytes / 2 ** 20).toFixed(1)} MB before the client closed; peak RSS growth ${rssGrowthMb.toFixed(1)} MB, peak heap+ArrayBuffer growth ${heapGrowthMb.toFixed(1)} MB; ${Date.now() - started} ms`);
    expect(summary.failed).toEqual(['hostile']);
    expect(logs.find((l) => l.message.startsWith('signals unavailable') && l.fields?.fleet === 'hostile')?.fields?.error).toMatch(/over the 16777216-byte cap; read cut off/);
    // The read was cut off, not waited out: the server stopped a little past the cap (socket buffers).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent.closed).toBe(true);
    expect(sent.bytes).toBeLessThan(COORDINATOR_LIMITS.maxBytes + 16 * 2 ** 20);
    expect(rssGrowthMb).toBeLessThan(64);
    expect(heapGrowthMb).toBeLessThan(64);
    expect(value('healthy', 'QueuedQueries')).toBe(30);
  } finally {
    await hostile.close();
  }
}, 30_000);

type Outcome = 'unavailable' | 'published';
interface HostileCase {
  readonly name: string;
  readonly answer: (req: http.IncomingMessage, res: http.ServerResponse, elsewhereUrl: string) => unknown;
  readonly outcome: Outcome;
  /** For a published case: the hostile fleet's FinishedQueryCpuSeconds. */
  readonly cpuSeconds?: number;
}

const redirect = (status: number) => (_req: http.IncomingMessage, res: http.ServerResponse, to: string) => res.writeHead(status, { location: `${to}/v1/query`, 'content-type': 'application/json' }).end(healthyList);

const cases: HostileCase[] = [
  // Numbers: airlift Duration text no real coordinator prints. The query is counted, its CPU is not.
  { name: 'a 400-digit totalCpuTime (Infinity)', answer: (_q, r) => json(r, finishedWith(`${'9'.repeat(400)}.00s`)), outcome: 'published', cpuSeconds: 1 },
  { name: 'a 111-digit totalCpuTime (1e110, past CloudWatch)', answer: (_q, r) => json(r, finishedWith(`1${'0'.repeat(110)}s`)), outcome: 'published', cpuSeconds: 1 },
  { name: 'a 101-digit totalCpuTime (1e100, within CloudWatch, past any query)', answer: (_q, r) => json(r, finishedWith(`1${'0'.repeat(100)}s`)), outcome: 'published', cpuSeconds: 1 },
  { name: 'a tiny totalCpuTime (1e-121 s, nearer zero than CloudWatch takes)', answer: (_q, r) => json(r, JSON.stringify([{ state: 'FINISHED', queryStats: { endTime: at(3), totalCpuTime: `0.${'0'.repeat(120)}1s` } }])), outcome: 'published', cpuSeconds: 0 },
  { name: 'a negative totalCpuTime', answer: (_q, r) => json(r, finishedWith('-5.00s')), outcome: 'published', cpuSeconds: 1 },
  { name: 'a NaN totalCpuTime', answer: (_q, r) => json(r, finishedWith('NaNs')), outcome: 'published', cpuSeconds: 1 },
  { name: 'an Infinity totalCpuTime', answer: (_q, r) => json(r, finishedWith('Infinityd')), outcome: 'published', cpuSeconds: 1 },
  { name: 'a totalCpuTime in exponent form', answer: (_q, r) => json(r, finishedWith('1e110s')), outcome: 'published', cpuSeconds: 1 },
  { name: 'a numeric totalCpuTime of 1e308', answer: (_q, r) => json(r, finishedWith(1e308)), outcome: 'published', cpuSeconds: 1 },
  { name: 'a JSON number past double range (1e400) in a field', answer: (_q, r) => json(r, '[{"state":"QUEUED","queryStats":{"totalCpuTime":1e400,"endTime":1e400}}]'), outcome: 'published', cpuSeconds: 0 },
  { name: 'endTimes at the ends of the Date range', answer: (_q, r) => json(r, JSON.stringify([{ state: 'FINISHED', queryStats: { endTime: '+275760-09-13T00:00:00.000Z', totalCpuTime: '1.00s' } }, { state: 'FAILED', queryStats: { endTime: '-271821-04-20T00:00:00.000Z' } }])), outcome: 'published', cpuSeconds: 0 },
  { name: 'a __proto__ key (no prototype pollution)', answer: (_q, r) => json(r, '[{"__proto__":{"state":"QUEUED"}},{"constructor":{"prototype":{"state":"RUNNING"}}}]'), outcome: 'published', cpuSeconds: 0 },
  // Shapes.
  { name: 'nesting 100,000 deep', answer: (_q, r) => json(r, `${'['.repeat(100_000)}${']'.repeat(100_000)}`), outcome: 'unavailable' },
  { name: 'a 2,000,000-element array (4 MB)', answer: (_q, r) => json(r, `[${'0,'.repeat(2_000_000)}0]`), outcome: 'unavailable' },
  { name: 'a 1,100,000-key object in one query', answer: (_q, r) => json(r, `[{"state":"QUEUED",${Array.from({ length: 1_100_000 }, (_, i) => `"${i}":0`).join(',')}}]`), outcome: 'unavailable' },
  { name: 'a 10 MB state string', answer: (_q, r) => json(r, JSON.stringify([{ state: 'Q'.repeat(10 * 2 ** 20) }])), outcome: 'published', cpuSeconds: 0 },
  { name: 'truncated JSON', answer: (_q, r) => json(r, healthyList.slice(0, 500)), outcome: 'unavailable' },
  { name: 'HTML served as application/json', answer: (_q, r) => json(r, '<html><body>' + 'x'.repeat(100_000) + '</body></html>'), outcome: 'unavailable' },
  { name: 'an object, not a list', answer: (_q, r) => json(r, '{"message":"' + 'm'.repeat(100_000) + '"}'), outcome: 'unavailable' },
  { name: 'empty 200 body', answer: (_q, r) => json(r, ''), outcome: 'unavailable' },
  { name: 'invalid UTF-8', answer: (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0x5b, 0xff, 0xfe, 0x5d])), outcome: 'unavailable' },
  // Content type: a list of queries is JSON, whatever the body looks like.
  { name: 'JSON served as text/html', answer: (_q, r) => json(r, healthyList, 'text/html'), outcome: 'unavailable' },
  { name: 'JSON served with no content type', answer: (_q, r) => r.writeHead(200).end(healthyList), outcome: 'unavailable' },
  // Sizes.
  { name: 'a 64 MB answer streamed without Content-Length', answer: (_q, r) => streamLazily(r, 64 * 2 ** 20, { bytes: 0, closed: false }), outcome: 'unavailable' },
  { name: 'a declared 1 GB Content-Length', answer: (_q, r) => void r.writeHead(200, { 'content-type': 'application/json', 'content-length': String(GB) }).write('['), outcome: 'unavailable' },
  { name: 'HTTP 500 with a 4 MB body', answer: (_q, r) => r.writeHead(500, { 'content-type': 'text/plain' }).end('e'.repeat(4 * 2 ** 20)), outcome: 'unavailable' },
  // Time: a body dripped slower than the time limit, and headers never sent.
  {
    name: 'a body dripped a byte every 100 ms past the time limit',
    answer: async (_q, r) => {
      r.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 30 && !r.destroyed; i++) {
        r.write(i === 0 ? '[' : '{"state":"QUEUED"},'.slice(0, 1));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      r.end();
    },
    outcome: 'unavailable',
  },
  { name: 'headers never sent', answer: () => undefined, outcome: 'unavailable' },
  // Redirects: X-Trino-User does not follow, to another host or anywhere.
  { name: 'a 301 to another host', answer: redirect(301), outcome: 'unavailable' },
  { name: 'a 302 to another host', answer: redirect(302), outcome: 'unavailable' },
  { name: 'a 303 to another host', answer: redirect(303), outcome: 'unavailable' },
  { name: 'a 307 to another host', answer: redirect(307), outcome: 'unavailable' },
  { name: 'a 308 to another host', answer: redirect(308), outcome: 'unavailable' },
];

describe('one hostile coordinator beside a healthy one', () => {
  let baseline: Datum[];
  beforeAll(async () => {
    // The healthy fleet's datapoints when both coordinators are healthy.
    const twin = await serve((_req, res) => json(res, healthyList));
    try {
      cw.reset();
      accepted = [];
      cw.on(PutMetricDataCommand).callsFake((input: { MetricData: Datum[] }) => void accepted.push(...input.MetricData));
      await handlerFor(healthy.url, twin.url).run();
      baseline = of('healthy');
    } finally {
      await twin.close();
    }
    expect(baseline.find((d) => d.MetricName === 'QueuedQueries')?.Value).toBe(30);
  });

  test(`${cases.length} hostile answers: none changes the healthy fleet's datapoints, none puts a value CloudWatch rejects, none is followed elsewhere`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    const failures: string[] = [];
    for (const c of cases) {
      accepted = [];
      rejectedRequests = 0;
      const seenElsewhere = elsewhere.requests.length;
      const hostile = await serve((req, res) => c.answer(req, res, elsewhere.url));
      const { run, logs } = handlerFor(healthy.url, hostile.url);
      let error: unknown;
      try {
        await run();
      } catch (e) {
        error = e;
      } finally {
        await hostile.close();
      }
      const problems: string[] = [];
      if (error) problems.push(`the handler threw: ${String((error as Error).message).slice(0, 120)}`);
      if (rejectedRequests > 0) problems.push(`${rejectedRequests} PutMetricData request(s) CloudWatch would reject`);
      if (JSON.stringify(of('healthy')) !== JSON.stringify(baseline)) problems.push('the healthy fleet published other datapoints than alone');
      if (elsewhere.requests.length > seenElsewhere) problems.push(`the redirect was followed: the other host saw ${JSON.stringify(elsewhere.requests.at(-1)?.headers['x-trino-user'])}`);
      if (!accepted.every((d) => cloudWatchWouldTake(d.Value))) problems.push('a value outside CloudWatch range was published');
      const unavailable = value('hostile', 'SignalsUnavailable') === 1;
      if (c.outcome === 'unavailable' && !unavailable) problems.push('the hostile fleet was not reported unavailable');
      if (c.outcome === 'published') {
        if (unavailable) problems.push(`the hostile fleet was reported unavailable: ${String(logs.find((l) => l.fields?.fleet === 'hostile')?.fields?.error)}`);
        else if (value('hostile', 'FinishedQueryCpuSeconds') !== c.cpuSeconds) problems.push(`the hostile fleet's CPU seconds were ${value('hostile', 'FinishedQueryCpuSeconds')}, not ${c.cpuSeconds}`);
      }
      // Every log line stays small whatever the coordinator sent.
      const longest = Math.max(...logs.map((l) => JSON.stringify(l).length));
      if (longest > 4000) problems.push(`a log line of ${longest} characters`);
      if (c.name.startsWith('a 30') && !logs.some((l) => /HTTP 30\d redirecting to http:\/\/127\.0\.0\.1:\d+\/v1\/query: not followed/.test(String(l.fields?.error)))) problems.push('no log line names the redirect');
      if (problems.length > 0) failures.push(`${c.name}: ${problems.join('; ')}`);
    }
    expect(({} as Record<string, unknown>).state).toBeUndefined();
    expect(failures).toEqual([]);
  }, 120_000);
});
