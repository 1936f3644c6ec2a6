/** The drain's price check in the config (issue 38): on with signals, its price and limit validated at synth. */
import { ConfigError, EnvironmentInput, FleetInput, resolveEnvironment } from '../../lib/config';

const fleet: FleetInput = { name: 'adhoc', instanceTypes: ['m7i.2xlarge'], minCapacity: 1, maxCapacity: 8, coordinatorUrl: 'http://trino.qa.internal:8080' };
const env = (f: Partial<FleetInput>): EnvironmentInput => ({ network: { kind: 'create' }, fleets: [{ ...fleet, ...f } as FleetInput] });
const resolved = (f: Partial<FleetInput>) => resolveEnvironment('qa', env(f)).fleets[0];

test('on by default with the scaling signals: an hour of an instance per kill, drains up to 6 h, vCPUs from the instance type', () => {
  expect(resolved({}).drainPricing).toEqual({ killPenaltyInstanceSeconds: 3600, maxDrainSeconds: 21600, vcpus: 8 });
  expect(resolved({ instanceTypes: ['c7g.16xlarge'] }).drainPricing?.vcpus).toBe(64);
  // A size whose vCPUs differ by family: none, and the queries' work does not count, only their price.
  expect(resolved({ instanceTypes: ['m7i.metal-24xl'] }).drainPricing).toEqual({ killPenaltyInstanceSeconds: 3600, maxDrainSeconds: 21600 });
  // Several types: their vCPUs when they agree; when they differ (a mixed-size group), none, rather than
  // the first type's, which prices every other instance's queries at the wrong size.
  expect(resolved({ instanceTypes: ['m7i.2xlarge', 'm6i.2xlarge', 'm5.2xlarge'] }).drainPricing?.vcpus).toBe(8);
  expect(resolved({ instanceTypes: ['m7i.2xlarge', 'm7i.4xlarge'] }).drainPricing?.vcpus).toBeUndefined();
  expect(resolved({ scaling: { killPrice: '30m', maxDrain: '2h' } }).drainPricing).toMatchObject({ killPenaltyInstanceSeconds: 1800, maxDrainSeconds: 7200 });
});

test("a fleet whose drainTimeout is over 6 h keeps it as the longest drain when maxDrain is unset (an upgrade must not refuse a default)", () => {
  expect(resolved({ drainTimeout: '8h' }).drainPricing?.maxDrainSeconds).toBe(8 * 3600);
  expect(() => resolved({ drainTimeout: '8h', scaling: { maxDrain: '6h' } })).toThrow(/fleets\[0\]\.scaling\.maxDrain \("6h"\) must be at least the fleet's drainTimeout \(8h\)/);
});

test('off when asked, and off without signals', () => {
  expect(resolved({ scaling: { priceDrains: false } }).drainPricing).toBeUndefined();
  expect(resolved({ coordinatorUrl: undefined }).drainPricing).toBeUndefined();
});

test.each([
  [{ scaling: { priceDrains: 'yes' } }, /env "qa": fleets\[0\]\.scaling\.priceDrains \("yes"\) must be true or false/],
  [{ scaling: { signals: false, priceDrains: true } }, /fleets\[0\]\.scaling\.priceDrains \(true\) needs the scaling signals/],
  [{ scaling: { maxDrain: '5m' } }, /fleets\[0\]\.scaling\.maxDrain \("5m"\) must be at least the fleet's drainTimeout \(10m\)/],
  [{ scaling: { maxDrain: '3d' } }, /fleets\[0\]\.scaling\.maxDrain/],
  [{ scaling: { killPrice: 'soon' } }, /fleets\[0\]\.scaling\.killPrice \("soon"\)/],
  [{ scaling: { killPrise: '1h' } }, /killPrise.*killPrice/],
] as [Partial<FleetInput>, RegExp][])('%j is refused at synth with env, field, value and rule', (f, rule) => {
  expect(() => resolveEnvironment('qa', env(f))).toThrow(ConfigError);
  expect(() => resolveEnvironment('qa', env(f))).toThrow(rule);
});
