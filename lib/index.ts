/**
 * graceful-autoscaler as a construct library: the constructs its stacks are built from, for a CDK app
 * of your own, or for a group you already run (ExistingWorkerFleet). API reference: docs/library.md.
 *
 * The whole per-environment stack from typed config is `FleetStack` (or `buildApp` from
 * `graceful-autoscaler/app`); cdk-nag and cfn-guard checks are `addPolicyChecks` from
 * `graceful-autoscaler/policy-checks` (they need the optional peers cdk-nag and
 * @cdklabs/cdk-validator-cfnguard).
 */
export type { IWorkerFleet, Acknowledgement } from './worker-fleet-base';
export { WorkerFleet, DEFAULT_TARGET_CPU_PERCENT, DEFAULT_DRAIN_TIMEOUT, DEFAULT_INSTANCE_WARMUP, DEFAULT_ROOT_VOLUME_SIZE } from './worker-fleet';
export type { WorkerFleetProps, FleetSpotOptions } from './worker-fleet';
export { ExistingWorkerFleet } from './existing-worker-fleet';
export type { ExistingWorkerFleetProps } from './existing-worker-fleet';
export { FleetDeployment, CODEDEPLOY_AGENT_STEP } from './fleet-deployment';
export type { DeployedFleet, FleetDeploymentProps } from './fleet-deployment';
export { DrainController, metricsServiceName, SWEEP_PERIOD } from './drain-controller';
export type { DrainControllerProps, ManagedFleet } from './drain-controller';
export { Operations } from './operations';
export type { OperationsProps } from './operations';
export { ScalingSignals, SIGNALS_PERIOD } from './scaling-signals';
export { StragglerDetection, STRAGGLER_PERIOD } from './straggler-detection';
export type { StragglerDetectionProps, StragglerFleetProps } from './straggler-detection';
export type { ScalingSignalsProps, SignalsFleetProps } from './scaling-signals';
export { WorkerAgent, AGENT_PATHS, systemdUnit, agentFileConfig } from './worker-agent';
export { AGENT_SERVICE } from '../core/contract/names';
export type { AgentFile } from '../core/contract/agent-file';
export type { WorkerAgentProps, AgentFleetOptions, SystemdUnitOptions } from './worker-agent';
export { FleetStack } from './fleet-stack';
export type { FleetStackProps } from './fleet-stack';
export { ControllerFunction, DEFAULT_FUNCTION_MEMORY_MB, DEFAULT_LOG_RETENTION, latestNodeRuntime } from './controller-function';
export type { ControllerFunctionProps, ControllerEntry } from './controller-function';
export { ConfigError, resolveEnvironment, resolveEnvironments, defaultControllerConfig, DEFAULT_PREDICTIVE_SCALING, DEFAULT_TRINO_ENDPOINT, DEFAULT_TASK_METRIC, DEFAULT_IDLE_READINGS, DEFAULT_AGENT_WORKER_URL } from './config';
export { PropsValidationError } from './props-validation';
export type {
  EnvironmentInput,
  EnvironmentConfig,
  FleetInput,
  NewFleetInput,
  ExistingFleetInput,
  ExistingGroupInput,
  FleetCommonInput,
  FleetConfig,
  NewFleetConfig,
  ExistingFleetConfig,
  FleetCommonConfig,
  ControllerInput,
  ControllerConfig,
  AgentInput,
  AgentFileConfig,
  NetworkInput,
  NotificationsInput,
  SpotInput,
  PredictiveScalingMode,
  ScalingInput,
  TrinoEndpointInput,
  DeploymentConfigInput,
} from './config';
export { DRAIN_HOOK_NAME, METRICS_NAMESPACE, TAG_ENVIRONMENT, TAG_FLEET, agentNamespace, signalsNamespace, stackNameFor, workerPolicyOutputKey } from './names';
