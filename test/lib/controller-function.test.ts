import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LAMBDA_BUNDLING } from '../../lib/bundles';
import { ControllerFunction, latestNodeRuntime } from '../../lib/controller-function';
import { makeApp } from '../helpers';

/** Synthesizes one function under cdk-nag's AwsSolutions pack; returns the AwsSolutions-L1 finding, if any. */
function l1Finding(runtime?: lambda.Runtime): string | undefined {
  const app = makeApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'S');
  const fn = new ControllerFunction(stack, 'Fn', {
    entry: 'drain-sweep',
    serviceName: 'test',
    description: 'test',
    key: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    timeout: Duration.seconds(10),
    environment: { CONTROLLER_SETTINGS: '{}', DRAIN_TABLE_NAME: 'table', DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq' },
  });
  if (runtime) (fn.node.defaultChild as lambda.CfnFunction).runtime = runtime.name;
  try {
    app.synth();
  } catch (e) {
    return /AwsSolutions-L1/.test((e as Error).message) ? (e as Error).message : undefined;
  }
  return undefined;
}

test('the runtime is the newest Node.js runtime aws-cdk-lib knows: nodejs24.x under the pinned 2.276, so our templates are unchanged', () => {
  const majors = lambda.Runtime.ALL.filter((r) => r.family === lambda.RuntimeFamily.NODEJS).map((r) => Number(/^nodejs(\d+)/.exec(r.name)?.[1] ?? 0));
  expect(latestNodeRuntime().name).toBe(`nodejs${Math.max(...majors)}.x`);
  expect(latestNodeRuntime().isVariable).toBe(false);
  expect(latestNodeRuntime().name).toBe('nodejs24.x');
  // The bundles are built for the oldest runtime this can return.
  expect(Number(LAMBDA_BUNDLING.target.replace('node', ''))).toBeLessThanOrEqual(Number(/\d+/.exec(latestNodeRuntime().name)![0]));
});

test("it passes cdk-nag's AwsSolutions-L1 under the pinned aws-cdk-lib, where an older runtime fails it", () => {
  expect(l1Finding()).toBeUndefined();
  expect(l1Finding(lambda.Runtime.NODEJS_22_X)).toMatch(/AwsSolutions-L1/);
});

describe('under a newer aws-cdk-lib that knows a newer Node.js runtime (2.278 added nodejs26.x)', () => {
  // A Runtime registers itself in Runtime.ALL, as a newer aws-cdk-lib's would; this file's module registry is its own.
  let newer: lambda.Runtime;
  beforeAll(() => {
    newer = new lambda.Runtime('nodejs30.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
  });

  test('the functions take it and still pass L1; the runtime pinned before (nodejs24.x) would fail it', () => {
    expect(latestNodeRuntime()).toBe(newer);
    expect(l1Finding()).toBeUndefined();
    expect(l1Finding(lambda.Runtime.NODEJS_24_X)).toMatch(/AwsSolutions-L1/);
  });
});
