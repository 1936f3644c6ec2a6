import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, BundlingOutput, DockerImage, Stack, Validations } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { AgentFileConfig } from './config';
import { agentSourceHash, bundleAgent } from './agent-bundle';
import { nagResourceFinding } from './nag-finding';
import { WorkerFleet } from './worker-fleet';

/** Where the agent lives on an instance. */
export const AGENT_PATHS = {
  bundle: '/opt/graceful-autoscaler/agent.js',
  config: '/etc/graceful-autoscaler/agent.json',
  unit: '/etc/systemd/system/graceful-autoscaler-agent.service',
  /** AL2023's namespaced Node.js 22 executable, stable whatever `alternatives` points `node` at. */
  node: '/usr/bin/node-22',
} as const;
export const AGENT_SERVICE = 'graceful-autoscaler-agent.service';

/** Properties of a WorkerAgent. */
export interface WorkerAgentProps {
  /** What the agent's config file says: how it counts tasks and stops the worker. */
  readonly config: AgentFileConfig;
}

/**
 * The worker agent as a stack asset (one esbuild bundle with its SDK client, built at synth without
 * Docker), and the user data that installs it on a fleet's instances as a systemd service restarting
 * on failure.
 */
export class WorkerAgent extends Construct {
  readonly asset: s3assets.Asset;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WorkerAgentProps,
  ) {
    super(scope, id);
    this.asset = new s3assets.Asset(this, 'Bundle', {
      path: join(__dirname, '..', 'agent'),
      assetHashType: AssetHashType.CUSTOM,
      assetHash: agentSourceHash(),
      bundling: {
        // Never used: the local bundler below always succeeds, and there is no Docker here.
        image: DockerImage.fromRegistry('scratch'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: {
          tryBundle(outputDir: string) {
            mkdirSync(outputDir, { recursive: true });
            bundleAgent(join(outputDir, 'agent.js'));
            return true;
          },
        },
      },
    });
  }

  /** Adds the install to a fleet's launch template user data and lets its instances read the bundle. */
  installOn(fleet: WorkerFleet): void {
    this.asset.grantRead(fleet.role);
    Validations.of(fleet.role).acknowledge(
      ...['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*'].map((finding) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: 'Read-only, on the CDK asset bucket and the agent bundle object (Asset.grantRead), and on the AWS CodeDeploy installer bucket.',
      })),
      {
        id: `AwsSolutions-IAM5[${nagResourceFinding(Stack.of(this), `${this.asset.bucket.bucketArn}/*`)}]`,
        reason: 'Asset object keys are content hashes chosen at synth; the grant is read-only on the CDK asset bucket.',
      },
    );
    const userData = fleet.launchTemplate.userData!;
    // Stop at the first failure: a half-installed agent is worse than an instance that fails its launch checks.
    userData.addCommands('# graceful-autoscaler worker agent', 'set -e', 'dnf install -y nodejs22', `mkdir -p /opt/graceful-autoscaler /etc/graceful-autoscaler`);
    userData.addS3DownloadCommand({ bucket: this.asset.bucket, bucketKey: this.asset.s3ObjectKey, localFile: AGENT_PATHS.bundle });
    userData.addCommands(
      `cat > ${AGENT_PATHS.config} <<'GRACEFUL_AUTOSCALER_AGENT_CONFIG'`,
      JSON.stringify(this.props.config, null, 2),
      'GRACEFUL_AUTOSCALER_AGENT_CONFIG',
      `chmod 0600 ${AGENT_PATHS.config}`,
      `cat > ${AGENT_PATHS.unit} <<'GRACEFUL_AUTOSCALER_AGENT_UNIT'`,
      ...systemdUnit(),
      'GRACEFUL_AUTOSCALER_AGENT_UNIT',
      'systemctl daemon-reload',
      `systemctl enable --now ${AGENT_SERVICE}`,
    );
  }
}

/** The service: restarts on failure, stops with SIGTERM (the agent flushes its buffer), logs to the journal. */
export function systemdUnit(): string[] {
  return [
    '[Unit]',
    'Description=graceful-autoscaler worker agent (running-task metric, graceful shutdown on termination)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    `ExecStart=${AGENT_PATHS.node} ${AGENT_PATHS.bundle} --config ${AGENT_PATHS.config}`,
    'Restart=always',
    'RestartSec=5',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    // Root: a configured shutdown command typically drives systemctl for the worker.
    'ProtectSystem=full',
    'PrivateTmp=true',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
}
