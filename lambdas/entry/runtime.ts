/**
 * Wiring shared by the Lambda entry points: the environment, read once and validated, and the
 * Powertools-backed log and metrics. Imported only by lambdas/entry/*, never by tests.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RETRY_SETTINGS } from '../aws/clients';
import { CloudWatchTaskCounts } from '../aws/cloudwatch-task-counts';
import { TrinoTaskCounts } from '../aws/trino-worker';
import { TerminationPolicySettings } from '../../core/contract/lambda-settings';
import { ControllerLog, ControllerMetrics, InstanceDetails, TaskCounts } from '../../core/ports';

/**
 * Reads the named variables once (an entry's list in core/contract/function-env.ts); a missing one stops
 * the function at load, loudly.
 */
export function readEnvironment<K extends string>(names: readonly K[]): Record<K, string> {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length > 0) throw new Error(`missing environment variables: ${missing.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, process.env[n]!])) as Record<K, string>;
}

/** Reads variables set only when a feature is on: absent, undefined. */
export function optionalEnvironment<K extends string>(names: readonly K[]): Partial<Record<K, string>> {
  return Object.fromEntries(names.map((n) => [n, process.env[n]])) as Partial<Record<K, string>>;
}

export const logger = new Logger();
export const metrics = new Metrics();

export const controllerLog: ControllerLog = {
  info: (message, fields) => logger.info(message, fields ?? {}),
  warn: (message, fields) => logger.warn(message, fields ?? {}),
  error: (message, fields) => logger.error(message, fields ?? {}),
};

export const controllerMetrics: ControllerMetrics = {
  count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
  gauge: (name, value, unit) => metrics.addMetric(name, unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, value),
};

/** Runs a handler and flushes its EMF metrics whatever happens. */
export function withMetrics<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** The task source the settings name, with its clients. */
export function buildTaskCounts(settings: TerminationPolicySettings, instanceDetails: () => InstanceDetails): TaskCounts {
  const source = settings.taskSource;
  if (source.kind === 'metric') return new CloudWatchTaskCounts(new CloudWatchClient(RETRY_SETTINGS), source);
  return new TrinoTaskCounts(instanceDetails(), source, Date.now, controllerLog);
}

let details: InstanceDetails | undefined;
/**
 * One EC2-backed InstanceDetails per container, created on first use. The EC2 client is required here,
 * not imported at the top: esbuild defers a required module's evaluation to the call, so functions whose
 * configuration never asks for instance details do not pay the EC2 client's load at cold start.
 */
export function ec2Details(): InstanceDetails {
  if (!details) {
    const { EC2Client } = require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
    const { Ec2InstanceDetails } = require('../aws/ec2-instance-details') as typeof import('../aws/ec2-instance-details');
    details = new Ec2InstanceDetails(new EC2Client(RETRY_SETTINGS));
  }
  return details;
}
