import { CLOUDWATCH_MAX_MAGNITUDE, CLOUDWATCH_MIN_MAGNITUDE, cloudWatchAccepts } from '../../core/metric-value';
import { UntrustedResponseError, checkJsonShape, isJsonContentType, parseUntrustedJson, redirectRefused } from '../../core/untrusted-json';

const bytes = (text: string) => new TextEncoder().encode(text);
const limits = { maxDepth: 4, maxValues: 10 };

test.each([
  ['[[[[[1]]]]]', 'JSON nests deeper than 4 levels'],
  ['[0,0,0,0,0,0,0,0,0,0,0]', 'more than 10 values'],
  ['[{},{},{},{},{},{},{},{},{},{}]', 'more than 10 values'],
])('%s is refused before parsing: %s', (text, message) => {
  expect(() => checkJsonShape(bytes(text), limits)).toThrow(message);
});

test('brackets and commas inside strings, escaped quotes included, are text, not structure', () => {
  expect(() => checkJsonShape(bytes(JSON.stringify(['[[[[[,,,,,,,,,,,]]]]]', 'a\\"[[[[[', '{{{{{{'])), limits)).not.toThrow();
  expect(parseUntrustedJson(bytes('[[[1]]]'), limits)).toEqual([[[1]]]);
});

test('text that is not JSON is refused with a capped message', () => {
  let e: Error | undefined;
  try {
    parseUntrustedJson(bytes(`<html>${'x'.repeat(10_000)}`), limits);
  } catch (error) {
    e = error as Error;
  }
  expect(e).toBeInstanceOf(UntrustedResponseError);
  expect(e!.message.length).toBeLessThan(400);
  expect(() => parseUntrustedJson(bytes('[{"state":"QUE'), limits)).toThrow(/not JSON/);
});

test.each([
  ['application/json', true],
  ['application/json; charset=utf-8', true],
  ['Application/JSON', true],
  ['application/problem+json', true],
  ['text/html', false],
  ['text/plain', false],
  ['application/jsonx', false],
  [null, false],
  ['', false],
])('content type %p is JSON: %p', (type, json) => {
  expect(isJsonContentType(type)).toBe(json);
});

test('a refused redirect names its status and a capped Location', () => {
  const line = redirectRefused('GET http://c:8080/v1/query', 307, `http://elsewhere/${'a'.repeat(5000)}`);
  expect(line).toMatch(/^GET http:\/\/c:8080\/v1\/query answered HTTP 307 redirecting to http:\/\/elsewhere\/a+… \(5017 chars\): not followed/);
  expect(redirectRefused('GET x', 302, null)).toMatch(/\(no Location\)/);
});

test.each([
  [0, true],
  [1.5, true],
  [-3, true],
  [CLOUDWATCH_MAX_MAGNITUDE, true],
  [CLOUDWATCH_MIN_MAGNITUDE, true],
  [1e110, false],
  [-1e110, false],
  [1e-121, false],
  [Infinity, false],
  [-Infinity, false],
  [NaN, false],
])('CloudWatch accepts %p: %p', (value, ok) => {
  expect(cloudWatchAccepts(value)).toBe(ok);
});
