/**
 * The construct library's contract with a consumer's app (the packed package itself is tested end to end
 * by `npm run test:package` in CI): its entry point exports the constructs, and FleetStack synthesizes
 * the same template in an app with none of our cdk.json flags as in ours.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cdkJson from '../../cdk.json';
import { environments } from '../../config/environments';
import { FEATURE_FLAGS } from '../../lib/feature-flags';
import * as library from '../../lib/index';
import { makeApp } from '../helpers';

test('the entry point exports the public constructs and the config they are built from', () => {
  for (const name of ['WorkerFleet', 'ExistingWorkerFleet', 'FleetDeployment', 'DrainController', 'Operations', 'ScalingSignals', 'StragglerDetection', 'WorkerAgent', 'FleetStack', 'ControllerFunction']) {
    expect(typeof (library as Record<string, unknown>)[name]).toBe('function');
  }
  expect(typeof library.resolveEnvironment).toBe('function');
  expect(library.DRAIN_HOOK_NAME).toBe('graceful-autoscaler-drain');
});

test('the flags FleetStack pins are exactly the ones this repository builds and checks it with', () => {
  expect(FEATURE_FLAGS).toEqual(cdkJson.context);
});

test("FleetStack synthesizes the same in an app without our flags: it pins them on its own node", () => {
  const ours = makeApp();
  const bare = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = library.resolveEnvironments(environments, ['staging'])[0];
  const a = new library.FleetStack(ours, 'S', { config });
  const b = new library.FleetStack(bare, 'S', { config });
  expect(Template.fromStack(b).toJSON()).toEqual(Template.fromStack(a).toJSON());
});
