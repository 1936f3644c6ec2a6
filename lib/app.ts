import { App } from 'aws-cdk-lib';
import { EnvironmentInput, resolveEnvironments } from './config';
import { FleetStack } from './fleet-stack';
import { stackNameFor } from './names';
import { addPolicyChecks } from './policy-checks';

/** Options for building the app; bin/app.ts passes what the CLI was given. */
export interface BuildAppOptions {
  /** Environment inputs, usually config/environments.ts. */
  readonly environments: Readonly<Record<string, EnvironmentInput>>;
  /** Only these environments (from `-c env=a,b`). @default all of them */
  readonly selected?: readonly string[];
  /** Run cdk-nag and cfn-guard at synth. @default true */
  readonly policyChecks?: boolean;
}

/**
 * Validates every selected environment, then adds one FleetStack each. Configuration errors are thrown
 * before any construct exists, so a bad value never reaches synth.
 */
export function buildApp(app: App, options: BuildAppOptions): FleetStack[] {
  const configs = resolveEnvironments(options.environments, options.selected);
  if (options.policyChecks ?? true) addPolicyChecks(app);
  return configs.map(
    (config) =>
      new FleetStack(app, stackNameFor(config.name), {
        config,
        stackName: stackNameFor(config.name),
        description: `graceful-autoscaler fleets for environment ${config.name}`,
        env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
      }),
  );
}

/** Parses the `env` context value (`prod` or `dev,staging`) into names. */
export function parseSelectedEnvironments(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  // `-c env=…` gives text; cdk.json may give any JSON: a list reads as its names, anything else as written.
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : JSON.stringify(value);
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
