import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CounterReading, pressureBetween } from '../../agent/pressure';
import { agentMetricNames, profileOf, STRAGGLER_METRICS_READ_PER_INSTANCE } from '../../bench/cost-profile';
import { DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS } from '../../core/contract/metrics';
import { fleetUsage, ownUsd, priceUsage, UsageItem } from '../../core/cost/bill';
import { DRAIN_PRICING_STORE, invocationsPerMonth, inventoryOf, ownMonthlyUsage } from '../../core/cost/own-usage';
import { DRAIN_SHARDS } from '../../lambdas/aws/dynamo-drain-store';
import { DurationHistory, MAX_FLEET_DURATIONS, MAX_SIGNATURES, MAX_SIGNATURE_DURATIONS } from '../../core/remaining-time';
import { DEFAULT_PRICES, PriceTableError, instancePrice, parsePriceTable } from '../../core/cost/prices';
import { CloudWatchPressure } from '../../lambdas/aws/stragglers';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { makeApp } from '../helpers';

describe('prices', () => {
  test('every default price names its source page and is a finite, non-negative number', () => {
    for (const [key, p] of [...Object.entries(DEFAULT_PRICES.prices), ...Object.entries(DEFAULT_PRICES.instanceHourly)]) {
      expect({ key, ok: Number.isFinite(p.usd) && p.usd >= 0 }).toEqual({ key, ok: true });
      expect(p.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
  });

  test('a price file replaces what it names and keeps the rest with its source', () => {
    const t = parsePriceTable(JSON.stringify({ region: 'eu-west-1', asOf: '2026-11-30', prices: { cloudwatchMetricMonth: 0.25 }, instanceHourly: { 'm7i.2xlarge': { usd: 0.15, source: 'our Spot average' } } }), 'spot.json');
    expect(t.region).toBe('eu-west-1');
    expect(t.prices.cloudwatchMetricMonth).toEqual({ usd: 0.25, source: "spot.json (the user's price file)" });
    expect(t.instanceHourly['m7i.2xlarge']).toEqual({ usd: 0.15, source: 'our Spot average' });
    expect(t.prices.sqsRequests).toBe(DEFAULT_PRICES.prices.sqsRequests);
  });

  test.each([
    ['{', /spot\.json: not JSON/],
    ['[]', /must be a JSON object/],
    ['{"price": {}}', /unknown key "price"/],
    ['{"prices": {"cloudwatchMetrics": 1}}', /prices\.cloudwatchMetrics is not a priced dimension/],
    ['{"prices": {"sqsRequests": -1}}', /prices\.sqsRequests\.usd: -1 must be a finite number of dollars, 0 or more/],
    ['{"prices": {"sqsRequests": {"usd": 1, "currency": "EUR"}}}', /unknown key "currency"/],
    ['{"instanceHourly": {"big one": 1}}', /"big one" is not an instance type/],
    ['{"region": "Europe"}', /region "Europe" must be a region name/],
  ])('a bad price file %s is refused with what is wrong', (text, message) => {
    expect(() => parsePriceTable(text, 'spot.json')).toThrow(PriceTableError);
    expect(() => parsePriceTable(text, 'spot.json')).toThrow(message);
  });

  test('an unpriced instance type says how to add it', () => {
    expect(() => instancePrice(DEFAULT_PRICES, 'x9z.huge')).toThrow(/no price for instance type x9z\.huge .* --prices FILE/);
  });
});

describe('a bill, worked by hand', () => {
  // Worked on paper from the default table:
  //   100 m7i.2xlarge for 730 h            = 73,000 h × $0.4032            = $29,433.60
  //   50 GiB gp3 each for the month         = 5,000 GB-month × $0.08        =    $400.00
  //   262,800 PutMetricData requests        = 262.8 thousand × $0.01        =      $2.628
  //   8 custom metrics for the month        = 8 × $0.30                     =      $2.40
  //   262,800 metrics via GetMetricData     = 262.8 thousand × $0.01        =      $2.628
  //   43,800 Lambda requests                = 0.0438 million × $0.20        =      $0.00876
  //   21,900 arm64 GB-seconds               = 21,900 × $0.0000133334        =      $0.29200146
  //   2 alarm metrics at 60 s, 1 at 10 s    = 2 × $0.10 + 1 × $0.30         =      $0.50
  //   1 KMS key and 17,520 requests         = $1 + 1.752 × $0.03            =      $1.05256
  const items: UsageItem[] = [
    ...fleetUsage('m7i.2xlarge', 100 * 730, 50),
    { component: 'agent', key: 'cloudwatchPutMetricDataRequests', quantity: 262_800, what: 'rounds' },
    { component: 'agent', key: 'cloudwatchMetricMonth', quantity: 8, what: 'metrics' },
    { component: 'straggler detection', key: 'cloudwatchGetMetricDataMetrics', quantity: 262_800, what: 'reads' },
    { component: 'drain controller', key: 'lambdaRequests', quantity: 43_800, what: 'sweeps' },
    { component: 'drain controller', key: 'lambdaArm64GbSeconds', quantity: 21_900, what: 'sweep time' },
    { component: 'operations', key: 'cloudwatchAlarmStandardMetricMonth', quantity: 2, what: 'alarms' },
    { component: 'operations', key: 'cloudwatchAlarmHighResolutionMetricMonth', quantity: 1, what: 'fast alarm' },
    { component: 'environment', key: 'kmsKeyMonth', quantity: 1, what: 'key' },
    { component: 'environment', key: 'kmsRequests', quantity: 17_520, what: 'data keys' },
  ];
  const bill = priceUsage(items, DEFAULT_PRICES);

  test('each line is its quantity over its unit times its price', () => {
    const usd = Object.fromEntries(bill.lines.map((l) => [l.what, l.usd]));
    expect(usd['worker instances']).toBeCloseTo(29_433.6, 6);
    expect(usd['50 GiB gp3 root volume per instance']).toBeCloseTo(400, 6);
    expect(usd.rounds).toBeCloseTo(2.628, 9);
    expect(usd.metrics).toBeCloseTo(2.4, 9);
    expect(usd.reads).toBeCloseTo(2.628, 9);
    expect(usd.sweeps).toBeCloseTo(0.00876, 9);
    expect(usd['sweep time']).toBeCloseTo(0.29200146, 9);
    expect(usd.alarms + usd['fast alarm']).toBeCloseTo(0.5, 9);
    expect(usd.key + usd['data keys']).toBeCloseTo(1.05256, 9);
  });

  test('totals by service and by component add up to the whole, and the own part leaves the fleet out', () => {
    const sum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);
    expect(sum(bill.byService)).toBeCloseTo(bill.totalUsd, 9);
    expect(sum(bill.byComponent)).toBeCloseTo(bill.totalUsd, 9);
    expect(bill.byService.CloudWatch).toBeCloseTo(2.628 + 2.4 + 2.628 + 0.5, 9);
    expect(ownUsd(bill)).toBeCloseTo(bill.totalUsd - 29_433.6 - 400, 6);
  });

  test('a negative or non-finite quantity is an error, not a discount', () => {
    expect(() => priceUsage([{ component: 'agent', key: 'sqsRequests', quantity: -5, what: 'x' }], DEFAULT_PRICES)).toThrow(/quantity -5 must be finite/);
    expect(() => priceUsage([{ component: 'agent', key: 'sqsRequests', quantity: NaN, what: 'x' }], DEFAULT_PRICES)).toThrow(RangeError);
  });
});

describe('what a template costs to keep', () => {
  const template = {
    Resources: {
      FnA: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512, Architectures: ['arm64'] } },
      StragglersFunction1: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 1024 } },
      SweepRule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 minute)', Targets: [{ Arn: { 'Fn::GetAtt': ['FnA', 'Arn'] } }] } },
      StragglerRule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(5 minutes)', Targets: [{ Arn: { 'Fn::GetAtt': ['StragglersFunction1', 'Arn'] } }] } },
      EventRule: { Type: 'AWS::Events::Rule', Properties: { EventPattern: {}, Targets: [{ Arn: { 'Fn::GetAtt': ['FnA', 'Arn'] } }] } },
      Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Period: 60 } },
      Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Queue', Period: 10 } },
      MathAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Id: 'a', MetricStat: {} }, { Id: 'b', MetricStat: {} }, { Id: 'e', Expression: 'a+b' }] } },
      Cpu: { Type: 'AWS::AutoScaling::ScalingPolicy', Properties: { PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { PredefinedMetricSpecification: {} } } },
      Ratio: { Type: 'AWS::AutoScaling::ScalingPolicy', Properties: { PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { DisableScaleIn: true, CustomizedMetricSpecification: { Metrics: [{ Id: 'q', MetricStat: {} }, { Id: 'n', MetricStat: {} }, { Id: 'r', Expression: 'q/n' }] } } } },
      Step: { Type: 'AWS::AutoScaling::ScalingPolicy', Properties: { PolicyType: 'StepScaling' } },
      Board: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
    },
  };

  test('alarms by the metrics they read and their resolution; target tracking\'s own alarms; schedules by their rate', () => {
    const inv = inventoryOf(template);
    expect(inv.alarmMetrics).toEqual({ standard: 1 + 2, highResolution: 1 });
    // CPU: high and low alarm, one metric each; the ratio with scale-in disabled: its high alarm, two metrics.
    expect(inv.targetTrackingAlarmMetrics).toBe(2 + 2);
    expect(inv.dashboards).toBe(1);
    expect(inv.kmsKeys).toBe(1);
    expect(inv.scheduled).toEqual([
      { logicalId: 'FnA', component: 'operations', memoryMb: 512, architecture: 'arm64', invocationsPerMonth: 43_800 },
      { logicalId: 'StragglersFunction1', component: 'straggler detection', memoryMb: 1024, architecture: 'x86_64', invocationsPerMonth: 8_760 },
    ]);
  });

  test.each([
    ['rate(1 minute)', 43_800],
    ['rate(5 minutes)', 8_760],
    ['rate(1 hour)', 730],
    ['rate(2 days)', 730 / 48],
  ])('%s runs %p times in a 730-hour month', (expression, n) => expect(invocationsPerMonth(expression)).toBe(n));

  test('a cron schedule is refused rather than priced wrong', () => {
    expect(() => invocationsPerMonth('cron(0 12 * * ? *)')).toThrow(/only rate\(N unit\)/);
  });

  test('the fleet-sized part grows with the workers: requests per round, metrics per instance, reads per run', () => {
    const inv = inventoryOf({});
    const profile = {
      workers: 10,
      fleets: 1,
      agent: { publishSeconds: 60, alwaysMetrics: ['RunningTasks'], busyMetrics: ['OldestTaskAgeSeconds'], busyShare: 0.5 },
      stragglers: { metricsReadPerInstance: 6, runMinutes: 5, fleetMetrics: ['Stragglers'] },
      assumptions: { billedSecondsPerInvocation: 1, logBytesPerInvocation: 0, kmsRequestsPerKeyHour: 0 },
    };
    const q = (what: RegExp) => ownMonthlyUsage(inv, profile).filter((i) => 'key' in i && what.test(i.what)).map((i) => ('quantity' in i ? i.quantity : 0));
    expect(q(/one PutMetricData every 60 s/)).toEqual([10 * 43_800]);
    expect(q(/per-instance metrics/)).toEqual([10]);
    expect(q(/busy/)).toEqual([5]);
    expect(q(/metrics per instance, read every 5 minutes/)).toEqual([10 * 6 * 8_760]);
  });
});

describe('the counts are what the product really sends', () => {
  test('in service the agent sends one request a minute (agent/agent.ts), or one a round when its rounds are rarer', () => {
    const publishSeconds = (agentIntervalSeconds: number) => profileOf({ workers: 1, fleets: 1, agentIntervalSeconds, detecting: 0, signalling: 0 }).agent?.publishSeconds;
    expect(publishSeconds(10)).toBe(DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS);
    expect(publishSeconds(120)).toBe(120);
  });

  test('the straggler adapter requests exactly the modelled metrics per instance in one run', async () => {
    const cw = mockClient(CloudWatchClient);
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const ids = Array.from({ length: 100 }, (_, k) => `i-${k.toString(16).padStart(17, '0')}`);
    await new CloudWatchPressure(new CloudWatchClient({ region: 'us-east-1' }), 'GracefulAutoscaler/dev', 'arn:aws:ec2:us-east-1:111111111111:instance/').read('group', ids, Date.UTC(2026, 11, 6), 60);
    const requested = cw.commandCalls(GetMetricDataCommand).reduce((n, c) => n + (c.args[0].input.MetricDataQueries?.length ?? 0), 0);
    expect(requested).toBe(100 * STRAGGLER_METRICS_READ_PER_INSTANCE);
    cw.restore();
  });

  test('the agent publishes exactly the modelled pressure metrics when every counter is readable', () => {
    const reading = (at: number, k: number): CounterReading => ({
      at,
      cpu: { steal: 10 * k, total: 1000 * k },
      psi: { cpu: 1000 * k, memory: 500 * k, io: 2000 * k },
      disks: new Map([['nvme0n1', 100 * k]]),
    });
    const published = Object.keys(pressureBetween(reading(0, 1), reading(10_000, 2)));
    const modelled = agentMetricNames(true).filter((n) => !agentMetricNames(false).includes(n));
    expect(published.sort()).toEqual(modelled.sort());
  });
});

describe('the readings path: what the product sends instead of per-instance metrics', () => {
  const profile = profileOf({ workers: 100, fleets: 1, agentIntervalSeconds: 10, detecting: 1, signalling: 0, readingsQueue: true });
  const usage = ownMonthlyUsage(inventoryOf({}), profile);
  const by = (key: string) => usage.filter((i) => 'key' in i && i.key === key);

  test('no per-instance custom metric, no PutMetricData and no GetMetricData while in service', () => {
    expect(by('cloudwatchMetricMonth').filter((i) => i.component === 'agent')).toEqual([]);
    expect(by('cloudwatchPutMetricDataRequests').filter((i) => i.component === 'agent')).toEqual([]);
    expect(by('cloudwatchGetMetricDataMetrics')).toEqual([]);
  });

  test('one SendMessage a minute per instance, as the agent sends (test/agent/readings.test.ts), one write unit each', () => {
    expect(profile.agent?.readingsQueue?.sendSeconds).toBe(DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS);
    const sends = by('sqsRequests').find((i) => /SendMessage of readings/.test(i.what));
    expect('quantity' in sends! && sends.quantity).toBe(100 * 43_800);
    const writes = by('dynamodbWriteRequests')[0];
    expect('quantity' in writes && writes.quantity).toBe(100 * 43_800);
    // One write unit is what a minute's message weighs (test/lambdas/aws/dynamo-readings-store.test.ts).
    expect(profile.agent?.readingsQueue?.writeUnitsPerMessage).toBe(1);
  });

  test('the readings function\'s memory and the queue\'s data key reuse are the stack\'s', () => {
    const [stack] = buildApp(makeApp(), { environments: { prod: { account: '111111111111', region: 'us-east-1', network: { kind: 'create' }, fleets: [{ name: 'w', instanceTypes: ['m7i.large', 'm6i.large'], minCapacity: 1, maxCapacity: 2 }] } }, policyChecks: false });
    const t = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const fn = Object.values(t).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.READINGS_SETTINGS);
    expect(fn.Properties.MemorySize).toBe(profile.agent?.readingsQueue?.functionMemoryMb);
    const queue = Object.entries(t).find(([id]) => /ReadingsQueue/.test(id))![1];
    expect(queue.Properties.KmsDataKeyReusePeriodSeconds).toBe(profile.agent?.readingsQueue?.dataKeyReuseSeconds);
    expect(queue.Properties.KmsMasterKeyId).toBeDefined();
  });

  test('the straggler function reads the window and a minute from the table: under 1 KB an item, eventually consistent', () => {
    expect(profile.stragglers?.storeReadUnitsPerInstance).toBe((60 + 1) / 4 / 2);
    expect(profile.stragglers?.metricsReadPerInstance).toBe(0);
  });
});

describe('the drain price check in the bill', () => {
  test('its list of drains is one Query per shard of the drain table, as the store reads it', () => {
    expect(DRAIN_PRICING_STORE.listQueriesPerMinute).toBe(DRAIN_SHARDS);
  });

  test('its history item at its bounds fits the read and write units priced', () => {
    // A full history: every class at its limit, run times of a day (six digits), signatures' 12-digit ids.
    const h = new DurationHistory();
    for (let k = 0; k < MAX_FLEET_DURATIONS; k++) h.record(86_400 + k + 0.1);
    for (let s = 0; s < MAX_SIGNATURES; s++) for (let k = 0; k < MAX_SIGNATURE_DURATIONS; k++) h.record(86_400 + k + 0.1, `abcdef${String(s).padStart(6, '0')}`);
    const bytes = Buffer.byteLength(JSON.stringify(h.toJSON())) + 100;
    expect(Math.ceil(bytes / 4096)).toBeLessThanOrEqual(DRAIN_PRICING_STORE.historyReadUnitsPerMinute);
    expect(Math.ceil(bytes / 1024)).toBeLessThanOrEqual(DRAIN_PRICING_STORE.historyWriteUnitsPerMinute);
  });

  test('a fleet pricing its drains adds its reads, writes and three metrics to the scaling signals', () => {
    const base = { workers: 10, fleets: 1, agentIntervalSeconds: 10, detecting: 0, signalling: 1 };
    const without = ownMonthlyUsage(inventoryOf({ Resources: {} }), profileOf(base));
    const withPricing = ownMonthlyUsage(inventoryOf({ Resources: {} }), profileOf({ ...base, pricingDrains: 1 }));
    type Metered = Extract<UsageItem, { key: unknown }>;
    const metered = (items: UsageItem[]) => items.filter((u): u is Metered => 'key' in u && u.component === 'scaling signals');
    const sum = (items: Metered[], key: string) => items.filter((u) => u.key === key).reduce((n, u) => n + u.quantity, 0);
    const minutes = 730 * 60;
    expect(sum(metered(withPricing), 'dynamodbReadRequests') - sum(metered(without), 'dynamodbReadRequests')).toBeCloseTo(minutes * (DRAIN_SHARDS + DRAIN_PRICING_STORE.historyReadUnitsPerMinute));
    expect(sum(metered(withPricing), 'dynamodbWriteRequests') - sum(metered(without), 'dynamodbWriteRequests')).toBeCloseTo(minutes * DRAIN_PRICING_STORE.historyWriteUnitsPerMinute);
    expect(sum(metered(withPricing), 'cloudwatchMetricMonth') - sum(metered(without), 'cloudwatchMetricMonth')).toBe(3);
  });
});
