/** minCapacity 0 needs the queue signal: the coordinator's queue is the only signal a fleet at zero has (issue 37 item 3). */
import { ConfigError, EnvironmentInput, FleetInput, resolveEnvironment } from '../../lib/config';

const fleet: FleetInput = { name: 'etl', instanceTypes: ['m7i.large'], minCapacity: 0, maxCapacity: 4 };
const env = (f: Partial<FleetInput>): EnvironmentInput => ({ network: { kind: 'create' }, fleets: [{ ...fleet, ...f }] });

test('minCapacity 0 without scaling signals is refused with env, field, value and rule', () => {
  const rule = /env "qa": fleets\[0\]\.minCapacity \(0\) may be 0 only with scaling signals on/;
  expect(() => resolveEnvironment('qa', env({}))).toThrow(ConfigError);
  expect(() => resolveEnvironment('qa', env({}))).toThrow(rule);
  expect(() => resolveEnvironment('qa', env({ coordinatorUrl: 'http://trino.qa.internal:8080', scaling: { signals: false } }))).toThrow(rule);
});

test('minCapacity 0 with the coordinator\'s signals, or 1 without, is accepted', () => {
  expect(resolveEnvironment('qa', env({ coordinatorUrl: 'http://trino.qa.internal:8080' })).fleets[0].scaling).toBeDefined();
  expect(() => resolveEnvironment('qa', env({ minCapacity: 1 }))).not.toThrow();
});
