/**
 * The runtime profile of a configuration, for bench:cost: what core/cost/product-profile.ts counts, from
 * the environment config the stack is built from.
 */
import { DEFAULT_AGENT_INTERVAL_SECONDS } from '../core/contract/metrics';
import { RuntimeProfile } from '../core/cost/own-usage';
import { profileOf } from '../core/cost/product-profile';
import { EnvironmentConfig } from '../lib/config';

export { STRAGGLER_METRICS_READ_PER_INSTANCE, agentMetricNames, profileOf } from '../core/cost/product-profile';

export function runtimeProfileFor(config: EnvironmentConfig, workers: number): RuntimeProfile {
  return profileOf({
    workers,
    fleets: config.fleets.length,
    agentIntervalSeconds: config.agent ? (config.agent.intervalSeconds ?? DEFAULT_AGENT_INTERVAL_SECONDS) : undefined,
    detecting: config.fleets.filter((f) => f.stragglers !== undefined).length,
    signalling: config.fleets.filter((f) => f.scaling !== undefined).length,
    pricingDrains: config.fleets.filter((f) => f.drainPricing !== undefined).length,
    // The stack gives every fleet it launches a readings queue when the agent is installed (lib/fleet-stack.ts).
    readingsQueue: config.agent !== undefined && config.fleets.every((f) => !f.existing),
  });
}

