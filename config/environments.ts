import type { EnvironmentInput } from '../lib/config';

/**
 * The environments this app deploys, one stack each (`GracefulAutoscaler-<name>`).
 * Edit these to match your accounts; `npm test` and `cdk synth` validate them before anything is built.
 * The field reference is in README.md ("Configuration reference").
 */
export const environments: Record<string, EnvironmentInput> = {
  dev: {
    network: { kind: 'create', maxAzs: 2, natGateways: 1 },
    fleets: [
      {
        name: 'adhoc',
        instanceTypes: ['m7i.large', 'm6i.large'],
        minCapacity: 1,
        maxCapacity: 4,
        drainTimeout: '5m',
        deploymentConfig: 'AllAtOnce',
        spot: { onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 0 },
      },
    ],
  },

  staging: {
    network: { kind: 'create', cidr: '10.41.0.0/16' },
    notifications: { emails: ['platform-staging@example.com'] },
    fleets: [
      { name: 'etl', instanceTypes: ['r7i.2xlarge', 'r6i.2xlarge'], minCapacity: 2, maxCapacity: 10, drainTimeout: '30m' },
      {
        name: 'adhoc',
        instanceTypes: ['m7i.2xlarge', 'm6i.2xlarge', 'm7a.2xlarge'],
        minCapacity: 1,
        maxCapacity: 8,
        deploymentConfig: 'HalfAtATime',
        // The agent asks the coordinator for its view of each stopping worker: drained workers are
        // completed within seconds instead of after the grace period. Match the workers' config.properties.
        coordinatorUrl: 'http://trino-adhoc-coordinator.staging.internal:8080',
        shutdownGracePeriod: '2m',
        // Lube: find workers bottlenecked while their peers are not (a bad host, disk or neighbour) and
        // replace them, one at a time, through the drain (docs/stragglers.md).
        stragglers: { detect: true, replace: true },
      },
      {
        // A group another team's Terraform created, adopted where it stands: the stack adds our hook, CPU
        // target tracking, termination policy and deployment group, and removes only those when deleted.
        // Its instances run our agent, installed from the agent artifact (docs/adopt-existing-fleet.md).
        name: 'legacy',
        existing: { groupName: 'trino-legacy-workers', agentInstalled: true },
        drainTimeout: '20m',
        // Detect and report only: the dashboard shows stragglers, scale-in takes them first, nothing is replaced.
        stragglers: { detect: true },
      },
    ],
  },

  prod: {
    region: 'eu-west-1',
    network: {
      kind: 'existing',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      privateSubnets: [
        { subnetId: 'subnet-0a1b2c3d4e5f60711', availabilityZone: 'eu-west-1a' },
        { subnetId: 'subnet-0a1b2c3d4e5f60722', availabilityZone: 'eu-west-1b' },
        { subnetId: 'subnet-0a1b2c3d4e5f60733', availabilityZone: 'eu-west-1c' },
      ],
    },
    notifications: { emails: ['platform-oncall@example.com'] },
    fleets: [
      {
        name: 'etl',
        instanceTypes: ['r7i.4xlarge', 'r6i.4xlarge'],
        minCapacity: 4,
        maxCapacity: 40,
        instanceWarmup: '10m',
        // Nightly ETL queries run up to ~2.5 h: drains longer than one heartbeat period exercise heartbeats.
        drainTimeout: '3h',
        deploymentConfig: { minimumHealthyHostsPercent: 75 },
        rootVolumeGiB: 200,
      },
      {
        name: 'adhoc',
        instanceTypes: ['m7i.4xlarge', 'm6i.4xlarge'],
        minCapacity: 2,
        maxCapacity: 20,
        targetCpuPercent: 40,
        drainTimeout: '10m',
        deploymentConfig: 'OneAtATime',
      },
    ],
  },
};
