import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, BundlingOutput, DockerImage, Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { AgentFile } from '../core/contract/agent-file';
import { AgentFileConfig } from './config';
import { SECRET_FILE, WORKER_UNIT } from './config/agent';
import { markAgentInstalled, requireProp } from './props-validation';
import { agentSourceHash, bundleAgent } from './agent-bundle';
import { PREBUILT_DIR } from './bundles';
import { WorkerFleet } from './worker-fleet';
import { AGENT_SERVICE, GATE_SERVICE } from '../core/contract/names';

/** Where the agent lives on an instance. */
export const AGENT_PATHS = {
  bundle: '/opt/graceful-autoscaler/agent.js',
  config: '/etc/graceful-autoscaler/agent.json',
  unit: '/etc/systemd/system/graceful-autoscaler-agent.service',
  /** The worker's start gate (agent/in-service.ts), a unit the worker's own unit requires. */
  gateUnit: '/etc/systemd/system/graceful-autoscaler-in-service.service',
  /** AL2023's namespaced Node.js 22 executable, stable whatever `alternatives` points `node` at. */
  node: '/usr/bin/node-22',
} as const;
/** The drop-in that makes a worker's unit wait for the gate: `/etc/systemd/system/<worker unit>.d/<this>`. */
export const GATE_DROP_IN = 'graceful-autoscaler-in-service.conf';
/** The agent's boot step, as the InstallFailures metric names it. */
export const WORKER_AGENT_STEP = 'worker-agent';
/** systemd credential names (LoadCredential=): the agent reads them from $CREDENTIALS_DIRECTORY. */
const CONFIG_CREDENTIAL = 'agent.json';
const SECRET_CREDENTIAL = 'trino-shared-secret';
/** The agent exits with this status on a configuration error (bin/agent.ts): restarting cannot fix it. */
export const CONFIG_ERROR_EXIT_STATUS = 2;

/** What differs between fleets in the agent's configuration. */
export interface AgentFleetOptions {
  /** The fleet's Trino `shutdown.grace-period`. */
  readonly shutdownGraceSeconds: number;
  /** The fleet's coordinator, for its view of each node. @default none */
  readonly coordinatorUrl?: string;
  /** The drain controller's queue URL, for the agent's "drained" report; resolved at synth. @default no report */
  readonly drainReportQueueUrl?: () => string;
  /** Publish resource pressure for the straggler detector (docs/stragglers.md). @default false */
  readonly pressure?: boolean;
  /**
   * The fleet's readings queue URL: in service the agent sends its readings there once a minute instead of
   * publishing them to CloudWatch; resolved at synth. @default CloudWatch in service too
   */
  readonly readingsQueueUrl?: () => string;
}

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
    validateAgentProps(this, props);
    const prebuilt = join(PREBUILT_DIR, 'agent', 'agent.js');
    this.asset = existsSync(prebuilt)
      ? // The package ships the bundle (npm run build): nothing to build at the consumer's synth.
        new s3assets.Asset(this, 'Bundle', { path: prebuilt })
      : new s3assets.Asset(this, 'Bundle', {
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
  installOn(fleet: WorkerFleet, options: AgentFleetOptions): void {
    // Exactly the agent's object: Asset.grantRead would allow reading and listing the whole CDK asset
    // bucket, which holds every asset of every stack bootstrapped in the account and region.
    fleet.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)] }));
    markAgentInstalled(fleet.autoScalingGroup);
    const { config: fileConfig, sharedSecretFile } = agentFileConfig(this.props.config, options);
    // One boot step, stopping at its first failure (a half-installed agent never starts), retried whole,
    // and reported as InstallFailures{Component=worker-agent} if it still fails. CodeDeploy's agent is a
    // step of its own, so neither install can keep the other off the instance.
    fleet.addBootStep(WORKER_AGENT_STEP, [
      'dnf install -y nodejs22',
      'mkdir -p /opt/graceful-autoscaler /etc/graceful-autoscaler',
      `aws s3 cp 's3://${this.asset.s3BucketName}/${this.asset.s3ObjectKey}' '${AGENT_PATHS.bundle}'`,
      `cat > ${AGENT_PATHS.config} <<'GRACEFUL_AUTOSCALER_AGENT_CONFIG'`,
      JSON.stringify(fileConfig, null, 2),
      'GRACEFUL_AUTOSCALER_AGENT_CONFIG',
      `chmod 0600 ${AGENT_PATHS.config}`,
      `cat > ${AGENT_PATHS.unit} <<'GRACEFUL_AUTOSCALER_AGENT_UNIT'`,
      ...systemdUnit({ runAsRoot: this.props.config.runAsRoot, sharedSecretFile }),
      'GRACEFUL_AUTOSCALER_AGENT_UNIT',
      // The start gate is installed on every instance; a worker unit uses it when it requires it.
      `cat > ${AGENT_PATHS.gateUnit} <<'GRACEFUL_AUTOSCALER_GATE_UNIT'`,
      ...inServiceGateUnit(),
      'GRACEFUL_AUTOSCALER_GATE_UNIT',
      ...(this.props.config.workerUnit
        ? [
            `mkdir -p /etc/systemd/system/${this.props.config.workerUnit}.d`,
            `cat > /etc/systemd/system/${this.props.config.workerUnit}.d/${GATE_DROP_IN} <<'GRACEFUL_AUTOSCALER_GATE_DROP_IN'`,
            ...workerGateDropIn(),
            'GRACEFUL_AUTOSCALER_GATE_DROP_IN',
          ]
        : []),
      'systemctl daemon-reload',
      `systemctl enable --now ${AGENT_SERVICE}`,
    ]);
  }
}

/**
 * The props rules, before any resource: workerUnit becomes a directory name in a shell step and a unit
 * file path, and a shared-secret file a LoadCredential= line, both in root's user data, so only the
 * characters systemd allows reach them (the same patterns the config applies).
 */
function validateAgentProps(scope: Construct, props: WorkerAgentProps): void {
  const c = props.config;
  if (c.workerUnit !== undefined) {
    requireProp(scope, typeof c.workerUnit === 'string' && WORKER_UNIT.test(c.workerUnit), 'config.workerUnit', c.workerUnit, 'must be a systemd service unit name such as trino.service (letters, digits and :_.@-)');
    requireProp(scope, c.workerUnit !== AGENT_SERVICE && c.workerUnit !== GATE_SERVICE, 'config.workerUnit', c.workerUnit, `must be the worker's own unit, not ${AGENT_SERVICE} or ${GATE_SERVICE}`);
  }
  for (const key of ['tasks', 'shutdown'] as const) {
    // Props may come from JavaScript: whatever the worker's kind, a secret file it names is checked.
    const file = (c[key] as { readonly sharedSecretFile?: unknown } | undefined)?.sharedSecretFile;
    if (file !== undefined) requireProp(scope, typeof file === 'string' && SECRET_FILE.test(file), `config.${key}.sharedSecretFile`, file, 'must be an absolute file path of letters, digits and ._/-');
  }
  const files = secretFilesOf(c);
  requireProp(scope, files.length <= 1, 'config.shutdown.sharedSecretFile', files[1], `must be the file config.tasks.sharedSecretFile names (${files[0]}): the agent loads one shared secret`);
  requireProp(scope, typeof c.runAsRoot === 'boolean', 'config.runAsRoot', c.runAsRoot, 'must be true or false');
  requireProp(scope, Number.isInteger(c.intervalSeconds) && c.intervalSeconds >= 1 && c.intervalSeconds <= 300, 'config.intervalSeconds', c.intervalSeconds, 'must be a whole number from 1 to 300');
}

/** The shared-secret files the Trino workers of `config` name: the agent loads one, as a systemd credential. */
function secretFilesOf(config: AgentFileConfig): string[] {
  return [...new Set([config.tasks, config.shutdown].flatMap((w) => (w.kind === 'trino' && typeof w.sharedSecretFile === 'string' ? [w.sharedSecretFile] : [])))];
}

/**
 * The agent's configuration file for one fleet: the environment's settings with the fleet's, and a Trino
 * shared-secret file named as the systemd credential the unit hands over. The same file whether we
 * install the agent or an operator does on a group we adopt.
 */
export function agentFileConfig(config: AgentFileConfig, options: AgentFleetOptions & { readonly groupName?: string }): { config: AgentFile; sharedSecretFile?: string } {
  const { runAsRoot: _runAsRoot, workerUnit: _workerUnit, ...environmentConfig } = config;
  // A secret file the agent's own user could not open is handed over by systemd (LoadCredential=).
  const secretFiles = secretFilesOf(config);
  if (secretFiles.length > 1) throw new Error(`WorkerAgent: tasks and shutdown name different sharedSecretFile paths (${secretFiles.join(', ')}); use one`);
  function withCredential(w: AgentFileConfig['tasks']): AgentFileConfig['tasks'];
  function withCredential(w: AgentFileConfig['shutdown']): AgentFileConfig['shutdown'];
  function withCredential(w: AgentFileConfig['shutdown']): AgentFileConfig['shutdown'] {
    if (w.kind !== 'trino' || typeof w.sharedSecretFile !== 'string') return w;
    const { sharedSecretFile: _file, ...rest } = w;
    return { ...rest, sharedSecretCredential: SECRET_CREDENTIAL };
  }
  // Each fleet's field is written only when set (CDK tokens such as Lazy.string are strings).
  const fileConfig: AgentFile = {
    ...environmentConfig,
    tasks: withCredential(environmentConfig.tasks),
    shutdown: withCredential(environmentConfig.shutdown),
    shutdownGraceSeconds: options.shutdownGraceSeconds,
    ...(options.coordinatorUrl ? ({ coordinator: { url: options.coordinatorUrl } } satisfies Partial<AgentFile>) : {}),
    ...(options.drainReportQueueUrl ? ({ drainReport: { queueUrl: Lazy.string({ produce: options.drainReportQueueUrl }) } } satisfies Partial<AgentFile>) : {}),
    ...(options.readingsQueueUrl ? ({ readings: { queueUrl: Lazy.string({ produce: options.readingsQueueUrl }) } } satisfies Partial<AgentFile>) : {}),
    ...(options.groupName !== undefined ? ({ groupName: options.groupName } satisfies Partial<AgentFile>) : {}),
    ...(options.pressure ? ({ pressure: true } satisfies Partial<AgentFile>) : {}),
  };
  return { config: fileConfig, sharedSecretFile: secretFiles[0] };
}

/** What both units lock down beyond their identity (the agent's `systemd-analyze security` exposure 1.5). */
const SANDBOX = [
  'NoNewPrivileges=yes',
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'DevicePolicy=closed',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'ProtectProc=invisible',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  'SystemCallFilter=~@privileged',
  'SystemCallErrorNumber=EPERM',
  'UMask=0077',
  'RemoveIPC=yes',
  'KeyringMode=private',
];

/** How the unit runs the agent. */
export interface SystemdUnitOptions {
  /** Root instead of a dynamic unprivileged user (command sources that need root). @default false */
  readonly runAsRoot?: boolean;
  /** Handed to the agent as the `trino-shared-secret` credential. @default none */
  readonly sharedSecretFile?: string;
}

/**
 * The service, sandboxed: by default a dynamic unprivileged user with no capabilities, a read-only
 * system, no home, private /tmp and devices, kernel and namespaces locked, the system-service syscall set
 * and only IPv4/IPv6/Unix sockets (`systemd-analyze security` exposure 1.5; it needs the network for
 * IMDS, CloudWatch, SQS and the worker). Its config and the Trino secret arrive as systemd credentials,
 * readable by it alone. A configuration error (exit 2) stops the unit instead of restarting it forever.
 * Not set: MemoryDenyWriteExecute (V8's JIT needs it) and PrivateNetwork/IPAddressDeny (it talks to AWS).
 */
export function systemdUnit(options: SystemdUnitOptions = {}): string[] {
  const identity = options.runAsRoot
    ? // Root for commands that drive systemctl or the worker's files: no capability limit, / writable but /usr, /boot, /etc.
      ['User=root', 'ProtectSystem=full']
    : ['DynamicUser=yes', 'ProtectSystem=strict', 'CapabilityBoundingSet=', 'AmbientCapabilities='];
  return [
    '[Unit]',
    'Description=graceful-autoscaler worker agent (running-task metric, graceful shutdown and drain report on termination)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    `ExecStart=${AGENT_PATHS.node} ${AGENT_PATHS.bundle} --config %d/${CONFIG_CREDENTIAL}`,
    `LoadCredential=${CONFIG_CREDENTIAL}:${AGENT_PATHS.config}`,
    ...(options.sharedSecretFile ? [`LoadCredential=${SECRET_CREDENTIAL}:${options.sharedSecretFile}`] : []),
    'Restart=always',
    'RestartSec=5',
    `RestartPreventExitStatus=${CONFIG_ERROR_EXIT_STATUS}`,
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    ...identity,
    ...SANDBOX,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
}

/**
 * The worker's start gate as a oneshot unit: `agent.js wait-in-service` (agent/in-service.ts) exits 0 once
 * IMDS's target lifecycle state says the instance is going into service, and fails when it is being
 * terminated. A worker unit that requires it (`workerGateDropIn`) therefore never starts while the
 * instance is on its way into a warm pool, and starts when the instance is started from it: units run
 * again at every boot. No start timeout: a pool instance waits here until Auto Scaling stops it. It needs
 * nothing but IMDS, so it runs as a dynamic user with no credentials and the agent's sandbox.
 */
export function inServiceGateUnit(): string[] {
  return [
    '[Unit]',
    'Description=graceful-autoscaler start gate: holds the worker until Auto Scaling puts this instance in service (not while it goes into a warm pool)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    'TimeoutStartSec=infinity',
    `ExecStart=${AGENT_PATHS.node} ${AGENT_PATHS.bundle} wait-in-service`,
    // IMDS alone, at its IPv4 or IPv6 address (EC2 user guide, "Access instance metadata").
    'IPAddressDeny=any',
    'IPAddressAllow=169.254.169.254 fd00:ec2::254',
    'DynamicUser=yes',
    'ProtectSystem=strict',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    ...SANDBOX,
  ];
}

/** The drop-in for the worker's own unit: it starts after the gate, and not at all when the gate fails. */
export function workerGateDropIn(): string[] {
  return ['[Unit]', `Requires=${GATE_SERVICE}`, `After=${GATE_SERVICE}`];
}
