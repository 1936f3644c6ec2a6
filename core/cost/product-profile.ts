/**
 * The running product's cadences and metric names, from the constants the agent and the functions use,
 * for own-usage.ts: what a configuration or a simulated fleet runs, as a RuntimeProfile.
 * test/core/cost.test.ts holds these lists to what the real agent and adapters send.
 */
import { AGENT_TASK_METRIC } from '../contract/lambda-settings';
import { BACKLOG_SECONDS_METRIC, CPU_SECONDS_METRIC, DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS, FINISHED_METRIC, QUEUED_METRIC, STRAGGLER_RUN_MINUTES, RATIO_METRIC, RUNNING_METRIC, STRAGGLERS_METRIC } from '../contract/metrics';
import { PRESSURE_METRICS, PRESSURE_RESOURCES } from '../stragglers';
import { RuntimeProfile } from './own-usage';

/** Rules a steady fleet's signals publish a ScalingDecisions datapoint for in a month (its `rule` dimension makes one metric each). */
const DECISION_RULES_SEEN = 3;

/** What the agent publishes per instance each round: the task count always, pressure when the detector needs it. */
export function agentMetricNames(pressure: boolean): string[] {
  return [AGENT_TASK_METRIC.metricName, ...(pressure ? PRESSURE_RESOURCES.map((r) => PRESSURE_METRICS[r]) : [])];
}

/** What the straggler function requests per instance each run: every pressure metric and the task count. */
export const STRAGGLER_METRICS_READ_PER_INSTANCE = PRESSURE_RESOURCES.length + 1;

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
        ? // In service the agent sends its readings once a minute, or every round when its rounds are rarer.
          { publishSeconds: Math.max(DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS, f.agentIntervalSeconds), alwaysMetrics: agentMetricNames(f.detecting > 0), busyMetrics: [AGENT_TASK_METRIC.ageMetricName!], busyShare: 1 }
        : undefined,
    stragglers: f.detecting > 0 ? { metricsReadPerInstance: STRAGGLER_METRICS_READ_PER_INSTANCE, runMinutes: STRAGGLER_RUN_MINUTES, fleetMetrics: [STRAGGLERS_METRIC] } : undefined,
    signals:
      f.signalling > 0
        ? { fleetMetrics: [QUEUED_METRIC, RUNNING_METRIC, FINISHED_METRIC, CPU_SECONDS_METRIC, BACKLOG_SECONDS_METRIC, RATIO_METRIC].length + DECISION_RULES_SEEN, fleetsWithSignals: f.signalling }
        : undefined,
    // Not measured yet: a conservative second a run, and a few log lines.
    assumptions: { billedSecondsPerInvocation: 1, logBytesPerInvocation: 2000, kmsRequestsPerKeyHour: 24 },
  };
}
