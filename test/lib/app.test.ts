/** The `env` context value that selects environments (bin/app.ts: `-c env=prod`, or cdk.json's context). */
import { parseSelectedEnvironments } from '../../lib/app';

test('no value, or an empty one, selects every environment', () => {
  expect(parseSelectedEnvironments(undefined)).toBeUndefined();
  expect(parseSelectedEnvironments(null)).toBeUndefined();
  expect(parseSelectedEnvironments('')).toBeUndefined();
});

test('text from -c env= is names separated by commas, blanks dropped', () => {
  expect(parseSelectedEnvironments('prod')).toEqual(['prod']);
  expect(parseSelectedEnvironments(' dev , staging,,')).toEqual(['dev', 'staging']);
});

test("a list in cdk.json's context reads as its names; any other JSON as written, so the error names it", () => {
  expect(parseSelectedEnvironments(['dev', 'prod'])).toEqual(['dev', 'prod']);
  expect(parseSelectedEnvironments({ name: 'prod' })).toEqual(['{"name":"prod"}']);
});
