/**
 * The running product's cadences and metric names for a configuration, from the constants the agent and
 * the functions use, for core/cost/own-usage.ts. test/core/cost.test.ts holds these lists to what the
 * real agent and adapters send.
 */
import { DEFAULT_INTERVAL_SECONDS } from '../agent/config';
import { NETWORK_METRIC } from '../agent/pressure';
import { RuntimeProfile } from '../core/cost/own-usage';
import { EnvironmentConfig } from '../lib/config';
import { AGENT_TASK_METRIC } from '../lambdas/domain/settings';
import { PRESSURE_METRICS, PRESSURE_RESOURCES } from '../lambdas/domain/stragglers';
import { BACKLOG_SECONDS_METRIC, CPU_SECONDS_METRIC, FINISHED_METRIC, QUEUED_METRIC, RATIO_METRIC, RUNNING_METRIC } from '../lambdas/handlers/scaling-signals';
import { STRAGGLERS_METRIC } from '../lambdas/handlers/stragglers';

/** Rules a steady fleet's signals publish a ScalingDecisions datapoint for in a month (its `rule` dimension makes one metric each). */
const DECISION_RULES_SEEN = 3;

/** What the agent publishes per instance each round: the task count always, pressure when the detector needs it. */
export function agentMetricNames(pressure: boolean): string[] {
  return [AGENT_TASK_METRIC.metricName, ...(pressure ? [...PRESSURE_RESOURCES.map((r) => PRESSURE_METRICS[r]), NETWORK_METRIC] : [])];
}

/** What the straggler function requests per instance each run: every pressure metric and the task count. */
export const STRAGGLER_METRICS_READ_PER_INSTANCE = PRESSURE_RESOURCES.length + 1;

export function runtimeProfileFor(config: EnvironmentConfig, workers: number): RuntimeProfile {
  return profileOf({
    workers,
    fleets: config.fleets.length,
    agentIntervalSeconds: config.agent ? (config.agent.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) : undefined,
    detecting: config.fleets.filter((f) => f.stragglers !== undefined).length,
    signalling: config.fleets.filter((f) => f.scaling !== undefined).length,
  });
}

/** What runs, as counts: the simulator builds the same profile for the fleet it simulates (sim/cost.ts). */
export interface RunningFeatures {
  readonly workers: number;
  readonly fleets: number;
  /** The agent's publishing interval; undefined with no agent. */
  readonly agentIntervalSeconds?: number;
  /** Fleets with straggler detection, and with scaling signals. */
  readonly detecting: number;
  readonly signalling: number;
}

export function profileOf(f: RunningFeatures): RuntimeProfile {
  return {
    workers: f.workers,
    fleets: f.fleets,
    agent:
      f.agentIntervalSeconds !== undefined
        ? { intervalSeconds: f.agentIntervalSeconds, alwaysMetrics: agentMetricNames(f.detecting > 0), busyMetrics: [AGENT_TASK_METRIC.ageMetricName!], busyShare: 1 }
        : undefined,
    stragglers: f.detecting > 0 ? { metricsReadPerInstance: STRAGGLER_METRICS_READ_PER_INSTANCE, fleetMetrics: [STRAGGLERS_METRIC] } : undefined,
    signals:
      f.signalling > 0
        ? { fleetMetrics: [QUEUED_METRIC, RUNNING_METRIC, FINISHED_METRIC, CPU_SECONDS_METRIC, BACKLOG_SECONDS_METRIC, RATIO_METRIC].length + DECISION_RULES_SEEN, fleetsWithSignals: f.signalling }
        : undefined,
    // Not measured yet: a conservative second a run, and a few log lines.
    assumptions: { billedSecondsPerInvocation: 1, logBytesPerInvocation: 2000, kmsRequestsPerKeyHour: 24 },
  };
}
