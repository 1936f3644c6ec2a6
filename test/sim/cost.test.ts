import { DEFAULT_FUNCTION_MEMORY_MB } from '../../lib/controller-function';
import { DEFAULT_ROOT_VOLUME_SIZE } from '../../lib/worker-fleet';
import { ownMonthlyUsage } from '../../core/cost/own-usage';
import { priceUsage, ownUsd } from '../../core/cost/bill';
import { DEFAULT_PRICES, HOURS_PER_MONTH, parsePriceTable } from '../../core/cost/prices';
import { DEFAULT_ROOT_VOLUME_GIB, FUNCTION_MEMORY_MB, SimPricing, accumulatedCost, fleetCostUsd, ownCostUsd, simulatedOwnUsage, simulatedProfile } from '../../sim/cost';

const pricing: SimPricing = { table: DEFAULT_PRICES, instanceType: 'm7i.2xlarge', rootVolumeGiB: 50 };

test('a run\'s fleet cost is its instance-hours × the hourly price plus the root volumes by the GB-month, worked by hand', () => {
  // 1,000 instance-hours of m7i.2xlarge at $0.4032, and 1,000 ÷ 730 months of 50 GB at $0.08.
  const ec2 = 1000 * DEFAULT_PRICES.instanceHourly['m7i.2xlarge'].usd;
  const ebs = (1000 / 730) * 50 * DEFAULT_PRICES.prices.ebsGp3GbMonth.usd;
  expect(fleetCostUsd(1000, pricing)).toBeCloseTo(ec2 + ebs, 9);
  expect(fleetCostUsd(0, pricing)).toBe(0);
  // A user's price replaces the default one.
  const spot = parsePriceTable('{"instanceHourly":{"m7i.2xlarge":0.2}}', 'spot.json');
  expect(fleetCostUsd(10, { ...pricing, table: spot })).toBeCloseTo(10 * 0.2 + (10 / 730) * 50 * 0.08, 9);
});

test('the accumulated cost holds each sample\'s instances until the next sample', () => {
  const rate = fleetCostUsd(1, pricing);
  const curve = accumulatedCost([{ t: 0, instances: 2 }, { t: 1800, instances: 4 }, { t: 5400, instances: 0 }], pricing);
  // 2 instances for half an hour, then 4 for an hour: 5 instance-hours.
  expect(curve.map(([t]) => t)).toEqual([0, 1800, 5400]);
  expect(curve[1][1]).toBeCloseTo(1 * rate, 9);
  expect(curve[2][1]).toBeCloseTo(5 * rate, 9);
});

test('the autoscaler\'s own cost over a run is own-usage.ts\'s month at the run\'s mean fleet, prorated to the run\'s hours', () => {
  // 48 hours at 20 instances on average: the month's model for 20 workers, times 48 ÷ 730.
  const { profile, scheduled } = simulatedProfile('signals', true);
  const month = ownMonthlyUsage({ alarmMetrics: { standard: 0, highResolution: 0 }, targetTrackingAlarmMetrics: 0, dashboards: 0, kmsKeys: 0, scheduled }, { ...profile, workers: 20 });
  const expected = ownUsd(priceUsage(month, DEFAULT_PRICES)) * (48 / HOURS_PER_MONTH);
  expect(ownCostUsd('signals', true, 960, 48, DEFAULT_PRICES)).toBeCloseTo(expected, 9);
  // The agent's requests by hand: one PutMetricData a minute per instance in service, $0.01 per 1,000.
  const agentRequests = simulatedOwnUsage('signals', true, 960, 48).find((i) => i.component === 'agent' && 'key' in i && i.key === 'cloudwatchPutMetricDataRequests');
  expect(agentRequests && 'quantity' in agentRequests ? agentRequests.quantity : NaN).toBeCloseTo((960 * 3600) / 60, 6);
  // Each scheduled function runs once a simulated minute.
  const sweeps = simulatedOwnUsage('signals', true, 960, 48).find((i) => i.component === 'drain controller' && 'key' in i && i.key === 'lambdaRequests');
  expect(sweeps && 'quantity' in sweeps ? sweeps.quantity : NaN).toBeCloseTo(48 * 60, 6);
});

test('what each simulated policy runs of the product', () => {
  const names = (p: Parameters<typeof simulatedProfile>[0], stragglers = true) => simulatedProfile(p, stragglers).scheduled.map((f) => f.logicalId);
  expect(names('signals')).toEqual(['DrainSweep', 'Stragglers', 'ScalingSignals']);
  expect(names('signals', false)).toEqual(['DrainSweep', 'ScalingSignals']);
  expect(names('graceful-cpu')).toEqual(['DrainSweep']);
  expect(names('no-hook')).toEqual([]);
  expect(simulatedProfile('no-hook', true).profile.agent).toBeUndefined();
  expect(ownCostUsd('static-peak', true, 100, 10, DEFAULT_PRICES)).toBe(0);
});

test('the simulator\'s defaults are the product\'s: root volume and function memory', () => {
  expect(DEFAULT_ROOT_VOLUME_GIB).toBe(DEFAULT_ROOT_VOLUME_SIZE.toGibibytes());
  expect(FUNCTION_MEMORY_MB).toBe(DEFAULT_FUNCTION_MEMORY_MB);
});
