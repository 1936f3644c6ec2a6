/**
 * The running product's cadences and metric names, from the constants the agent and the functions use,
 * for own-usage.ts: what a configuration or a simulated fleet runs, as a RuntimeProfile.
 * test/core/cost.test.ts holds these lists to what the real agent and adapters send.
 */
import { AGENT_TASK_METRIC } from '../contract/lambda-settings';
import { READINGS_BATCH_SIZE, READINGS_DATA_KEY_REUSE_SECONDS } from '../contract/metrics';
import { DEFAULT_STRAGGLER_SETTINGS } from '../stragglers';
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

/**
 * Lambda polls a standard queue with five long-polling connections at first (Lambda developer guide,
 * "Using Lambda with Amazon SQS": scaling), each a ReceiveMessage of up to 20 s: about 15 a minute per
 * queue, messages or not. An assumption, printed with the figures.
 */
export const READINGS_POLLS_PER_QUEUE_MINUTE = 15;

/**
 * Read units the straggler function's Query costs per instance each run: the window and the minute
 * before it, one item per minute of under 1 KB, eventually consistent (half a unit per 4 KB).
 */
export const STRAGGLER_STORE_READ_UNITS_PER_INSTANCE = ((DEFAULT_STRAGGLER_SETTINGS.windowMinutes + 1) * 1) / 4 / 2;

/** What runs, as counts: the simulator builds the same profile for the fleet it simulates (sim/cost.ts). */
export interface RunningFeatures {
  readonly workers: number;
  readonly fleets: number;
  /** The agent's publishing interval; undefined with no agent. */
  readonly agentIntervalSeconds?: number;
  /** Fleets with straggler detection, and with scaling signals. */
  readonly detecting: number;
  readonly signalling: number;
  /** The agents send their in-service readings through their fleets' readings queues (fleets we launch). */
  readonly readingsQueue?: boolean;
  /** Fleets whose drains the signals function prices (scaling.priceDrains). */
  readonly pricingDrains?: number;
}


export function profileOf(f: RunningFeatures): RuntimeProfile {
  return {
    workers: f.workers,
    fleets: f.fleets,
    agent:
      f.agentIntervalSeconds !== undefined
        ? // In service the agent sends its readings once a minute, or every round when its rounds are rarer.
          {
            publishSeconds: Math.max(DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS, f.agentIntervalSeconds),
            alwaysMetrics: agentMetricNames(f.detecting > 0),
            busyMetrics: [AGENT_TASK_METRIC.ageMetricName!],
            busyShare: 1,
            ...(f.readingsQueue
              ? {
                  readingsQueue: {
                    sendSeconds: Math.max(DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS, f.agentIntervalSeconds),
                    dataKeyReuseSeconds: READINGS_DATA_KEY_REUSE_SECONDS,
                    batchSize: READINGS_BATCH_SIZE,
                    pollsPerQueueMinute: READINGS_POLLS_PER_QUEUE_MINUTE,
                    writeUnitsPerMessage: 1,
                    // ControllerFunction's default (lib/controller-function.ts); test/core/cost.test.ts holds them equal.
                    functionMemoryMb: 512,
                  },
                }
              : {}),
          }
        : undefined,
    stragglers:
      f.detecting > 0
        ? f.readingsQueue && f.agentIntervalSeconds !== undefined
          ? { metricsReadPerInstance: 0, storeReadUnitsPerInstance: STRAGGLER_STORE_READ_UNITS_PER_INSTANCE, runMinutes: STRAGGLER_RUN_MINUTES, fleetMetrics: [STRAGGLERS_METRIC] }
          : { metricsReadPerInstance: STRAGGLER_METRICS_READ_PER_INSTANCE, runMinutes: STRAGGLER_RUN_MINUTES, fleetMetrics: [STRAGGLERS_METRIC] }
        : undefined,
    signals:
      f.signalling > 0
        ? {
            fleetMetrics: [QUEUED_METRIC, RUNNING_METRIC, FINISHED_METRIC, CPU_SECONDS_METRIC, BACKLOG_SECONDS_METRIC, RATIO_METRIC].length + DECISION_RULES_SEEN,
            fleetsWithSignals: f.signalling,
            ...(f.pricingDrains ? { pricingDrains: f.pricingDrains } : {}),
          }
        : undefined,
    // Not measured yet: a conservative second a run, and a few log lines.
    assumptions: { billedSecondsPerInvocation: 1, logBytesPerInvocation: 2000, kmsRequestsPerKeyHour: 24 },
  };
}
