/**
 * Every metric name the functions publish and the stack's dashboard, alarms and scaling policies read:
 * one definition, imported by the writer (lambdas/) and the reader (lib/) alike.
 */

// Scaling signals (lambdas/signals/handler.ts), per fleet in the signals namespace.

/** The metric the second target tracking policy follows at 1.0. */
export const RATIO_METRIC = 'NeededCapacityRatio';
/** Per fleet and rule, 1 each minute the rule decided: the decision log as a metric. */
export const DECISION_METRIC = 'ScalingDecisions';
export const QUEUED_METRIC = 'QueuedQueries';
export const RUNNING_METRIC = 'RunningQueries';
export const FINISHED_METRIC = 'FinishedQueries';
export const CPU_SECONDS_METRIC = 'FinishedQueryCpuSeconds';
export const BACKLOG_SECONDS_METRIC = 'BacklogSeconds';
/** 1 for each fleet whose coordinator or group could not be read this minute. */
export const SIGNALS_FAILED_METRIC = 'SignalsUnavailable';
/** 1 for each fleet whose coordinator listed no query at all while the fleet worked (queriesInvisible). */
export const QUERIES_INVISIBLE_METRIC = 'QueriesInvisible';
/** Drains whose deadline the price check moved this minute (core/drain-extension.ts). */
export const DRAINS_EXTENDED_METRIC = 'DrainsExtended';
/** Queries the forces of the drains due now would kill, each counted once however many drains it is on. */
export const DRAIN_QUERIES_AT_RISK_METRIC = 'DrainQueriesAtRisk';
/**
 * How well the history predicts: of the queries that finished this minute, the share that ran on past the
 * 90th percentile predicted for them at half their run. About 0.1 when calibrated; well above, the drain
 * price check waits too little and kills.
 */
export const REMAINING_UNDERRUN_METRIC = 'RemainingTimeUnderrunShare';

// Straggler detection (lambdas/stragglers/handler.ts), per fleet.

/**
 * Minutes between the straggler function's runs. Each run judges the same sliding window of one-minute
 * readings (60 minutes by default) and a warm function carries its beliefs from the last judged minute,
 * so a run every 5 minutes reaches the verdicts a run every minute would, at most 4 minutes later (beside
 * the 50 bottlenecked minutes a replacement needs), for a fifth of the GetMetricData: CloudWatch bills each
 * metric requested, whatever the window (docs/cost.md).
 */
export const STRAGGLER_RUN_MINUTES = 5;

/** Per fleet, each run: how many workers are stragglers now. */
export const STRAGGLERS_METRIC = 'Stragglers';
/** Per fleet: 1 for each straggler marked unhealthy for replacement. */
export const REPLACEMENTS_METRIC = 'StragglerReplacements';
/** Per fleet: 1 each run a straggler waited for its replacement (one in flight, or scale-in held). */
export const DEFERRED_METRIC = 'StragglerReplacementsDeferred';
/** Per fleet: 1 each run its group or metrics could not be read. */
export const DETECTION_FAILED_METRIC = 'StragglerDetectionUnavailable';

// The agent (agent/), per instance in its own namespace.

/** Seconds between the agent's task counts when agent.json says none, and between its requests once terminating. */
export const DEFAULT_AGENT_INTERVAL_SECONDS = 10;
/**
 * While its instance is in service the agent measures every interval but publishes what it measured once
 * a wall-clock minute (agent.json `inServicePublishSeconds`): one PutMetricData a minute instead of six.
 * From the moment it sees its instance terminating it publishes every interval, which the drain reads.
 * At most a minute: the straggler function reads 1-minute averages, and the termination policy needs a
 * reading fresher than the drain policy's `readingMaxAgeSeconds` (120 s by default).
 */
export const DEFAULT_AGENT_IN_SERVICE_PUBLISH_SECONDS = 60;

// The readings queues (lib/drain-controller.ts writes them; core/cost prices them).

/**
 * How long SQS reuses a data key before asking KMS again, per sender (SQS developer guide, "Key
 * management": each instance is a principal of its own). An hour instead of 5 minutes: a twelfth of the
 * KMS requests (about $2 a month for 100 workers at 5 minutes), for a data key that encrypts one
 * instance's readings for an hour.
 */
export const READINGS_DATA_KEY_REUSE_SECONDS = 3600;
/** Messages a readings invocation takes: a minute of 100 workers' messages in one call. */
export const READINGS_BATCH_SIZE = 100;
/**
 * The agents' minute of readings reaches the table within this after it is sent: the termination policy
 * then finds a reading at most about 80 s old, under its 120 s freshness limit.
 */
export const READINGS_BATCHING_WINDOW_SECONDS = 10;
