/**
 * The environment configuration: what an environment file says (input), what resolving it gives the
 * stack (resolved), and the resolvers, one file per concern. No construct is imported here.
 */
export { DEFAULT_AGENT_WORKER_URL, DEFAULT_DEPLOYMENT_CONFIG, DEFAULT_IDLE_READINGS, DEFAULT_MAX_AZS, DEFAULT_NAT_GATEWAYS, DEFAULT_PREDICTIVE_SCALING, DEFAULT_SHUTDOWN_GRACE_PERIOD, DEFAULT_TASK_METRIC, DEFAULT_TRINO_ENDPOINT, DEFAULT_VPC_CIDR, FLEET_DEFAULTS } from './defaults';
export type { AgentInput, AgentWorkerInput, ControllerInput, DeploymentConfigInput, EnvironmentInput, ExistingFleetInput, ExistingGroupInput, FleetCommonInput, FleetInput, NamedDeploymentConfig, NetworkInput, NewFleetInput, NotificationsInput, PredictiveScalingMode, ScalingInput, SpotInput, StragglersInput, TrinoEndpointInput } from './input';
export type { AgentFileConfig, ControllerConfig, EnvironmentConfig, ExistingFleetConfig, FleetCommonConfig, FleetConfig, NewFleetConfig, TrinoEndpointConfig } from './resolved';
export { ConfigError } from './problems';
export { resolveEnvironment, resolveEnvironments } from './environment';
export { defaultControllerConfig } from './controller';
