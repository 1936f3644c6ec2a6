/**
 * AWS limits an environment can reach only through what synth writes, estimated from the resolved config
 * so they are refused at synth with the field that grows them, instead of failing the deploy.
 */
import { SWEEP_PERIOD_SECONDS } from '../../core/contract/lambda-settings';
import { DRAIN_HOOK_NAME } from '../../core/contract/names';
import { FunctionEnvironment } from '../../core/contract/function-env';
import { stackNameFor } from '../names';
import { Problems } from './problems';
import { AgentFileConfig, ControllerConfig, FleetConfig } from './resolved';

/** "The total size of the set [of environment variables] does not exceed 4 KB" (Lambda developer guide, "Lambda quotas"). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** "User data is limited to 16 KB, in raw form, before it is base64-encoded" (EC2 user guide, "Run commands when you launch an EC2 instance"). */
export const USER_DATA_LIMIT_BYTES = 16_384;

/**
 * What a fleet's user data holds besides the agent's commands: the boot preamble, the CodeDeploy agent's
 * and our agent's install steps, the agent's unit files and config (5.3-5.5 KB in today's templates,
 * measured on the example environments), with room for the names the deploy resolves.
 */
const USER_DATA_FIXED_BYTES = 6500;

/**
 * A name CloudFormation generates: `<stack>-<logical id>-<12 random characters>`, the logical id being
 * the construct path's letters and an 8-character hash. Group, application and deployment group names
 * in the functions' settings resolve to these at deploy.
 */
function generatedName(environment: string, pathLetters: string): string {
  return `${stackNameFor(environment)}-${pathLetters}XXXXXXXX-XXXXXXXXXXXX`;
}

/** Within 1% of a synthesized 8-fleet stack's runbook environment (3,632 bytes resolved, 3,597 estimated): this covers the rest. */
const ESTIMATE_MARGIN_BYTES = 128;

/** The longest region code (ap-southeast-4), an account id and an SQS queue URL of a generated name. */
const REGION = 'ap-southeast-4';
const ACCOUNT = '123456789012';

/**
 * The bytes of the largest function environment the stack writes: the drain functions' settings and the
 * runbooks', each a JSON object per fleet with its group's and deployment's generated names. Mirrors what
 * lib/drain-controller.ts and lib/operations/index.ts write; test/lib/config.test.ts holds the estimate
 * against a synthesized template.
 */
export function largestFunctionEnvironmentBytes(environment: string, fleets: readonly FleetConfig[], controller: ControllerConfig, agent: AgentFileConfig | undefined): { bytes: number; of: string } {
  const groupName = (f: FleetConfig) => f.existing?.groupName ?? generatedName(environment, `Fleet${f.name}GroupASG`);
  const common = { POWERTOOLS_SERVICE_NAME: `graceful-autoscaler-${environment}`, POWERTOOLS_METRICS_NAMESPACE: 'GracefulAutoscaler', NODE_OPTIONS: '--enable-source-maps' };
  const tableName = generatedName(environment, 'DrainControllerDrainTable');
  const taskSource =
    controller.taskSource.kind === 'trino'
      ? { ...controller.taskSource, timeoutMs: 2000 }
      : { ...controller.taskSource, ...(controller.taskSource.perInstance ? { instanceArnPrefix: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/` } : {}) };
  const workerControl = controller.stopWorker.kind === 'trino' ? { ...controller.stopWorker, timeoutMs: 5000 } : controller.stopWorker;
  const drain = {
    ...common,
    CONTROLLER_SETTINGS: JSON.stringify({
      hookName: DRAIN_HOOK_NAME,
      groups: Object.fromEntries(
        fleets.map((f) => [
          groupName(f),
          {
            fleet: f.name,
            drainTimeoutSeconds: f.drainTimeoutSeconds,
            heartbeatTimeoutSeconds: f.heartbeatTimeoutSeconds,
            shutdownGraceSeconds: f.shutdownGraceSeconds,
            ...(agent !== undefined ? { workerRoleId: `AROA${'X'.repeat(17)}` } : {}),
          },
        ]),
      ),
      policy: { idleReadings: controller.idleReadings },
      taskSource,
      workerControl,
    }),
    DRAIN_TABLE_NAME: tableName,
    DEAD_LETTER_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${generatedName(environment, 'DrainControllerDeadLetterQueue')}`,
  } satisfies FunctionEnvironment<'drain-events'>;
  const runbook = {
    ...common,
    RUNBOOK_NAME: 'deployment-status',
    RUNBOOK_SETTINGS: JSON.stringify({
      environment,
      hookName: DRAIN_HOOK_NAME,
      revisionBucket: generatedName(environment, 'RevisionBucket').toLowerCase().slice(0, 63),
      fleets: Object.fromEntries(
        fleets.map((f) => [
          f.name,
          {
            groupName: groupName(f),
            applicationName: generatedName(environment, `Deploy${f.name}Application`),
            deploymentGroupName: generatedName(environment, `Deploy${f.name}DeploymentGroup`),
            drainTimeoutSeconds: f.drainTimeoutSeconds,
            heartbeatTimeoutSeconds: f.heartbeatTimeoutSeconds,
            stopSettleSeconds: Math.max(f.shutdownGraceSeconds, SWEEP_PERIOD_SECONDS),
          },
        ]),
      ),
      policy: { idleReadings: controller.idleReadings },
      taskSource,
    }),
    DRAIN_TABLE_NAME: tableName,
  } satisfies FunctionEnvironment<'runbook'>;
  // Lambda counts each key and value (Lambda developer guide, "Working with Lambda environment variables").
  const size = (vars: Record<string, string>) => Object.entries(vars).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  // The names above are typical, not longest: a margin for longer generated ids and regions' URLs.
  const [d, r] = [size(drain) + ESTIMATE_MARGIN_BYTES, size(runbook) + ESTIMATE_MARGIN_BYTES];
  return d >= r ? { bytes: d, of: 'the drain functions' } : { bytes: r, of: 'the runbook functions' };
}

/** Refuses an environment whose functions' settings would exceed Lambda's 4 KB, naming what grows them. */
export function checkFunctionEnvironments(p: Problems, environment: string, fleets: readonly FleetConfig[], controller: ControllerConfig, agent: AgentFileConfig | undefined): void {
  if (fleets.length === 0) return;
  const { bytes, of } = largestFunctionEnvironmentBytes(environment, fleets, controller, agent);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
  const why = `would make ${of}' environment variables about ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit (4 KB for all variables of a function): the deploy would fail`;
  const sw = controller.stopWorker;
  const ts = controller.taskSource;
  if (sw.kind === 'ssm' && JSON.stringify(sw.commands).length > 1024) p.add('controller.stopWorker.commands', `${JSON.stringify(sw.commands).length} characters`, `${why}; keep the commands in a script on the instances and run that`);
  else if (ts.kind === 'metric' && JSON.stringify(ts.extraDimensions).length > 1024) p.add('controller.taskSource.extraDimensions', `${Object.keys(ts.extraDimensions).length} dimensions`, `${why}; use fewer or shorter dimensions`);
  else p.add('fleets', `${fleets.length} fleets`, `${why}; split the fleets over two environments (each its own stack)`);
}

/** Refuses agent commands that would push a fleet's user data past EC2's 16 KB. */
export function checkUserData(p: Problems, agent: AgentFileConfig | undefined, fleets: readonly FleetConfig[]): void {
  if (agent === undefined || !fleets.some((f) => f.existing === undefined)) return;
  // The agent's config is written into the user data as indented JSON.
  const agentBytes = Buffer.byteLength(JSON.stringify(agent, null, 2));
  const longestUrl = Math.max(0, ...fleets.map((f) => f.coordinatorUrl?.length ?? 0));
  const bytes = USER_DATA_FIXED_BYTES + agentBytes + longestUrl;
  if (bytes <= USER_DATA_LIMIT_BYTES) return;
  const field = agent.tasks.kind === 'command' && JSON.stringify(agent.tasks).length >= JSON.stringify(agent.shutdown).length ? 'agent.tasks.command' : 'agent.shutdown.command';
  const worker = field === 'agent.tasks.command' ? agent.tasks : agent.shutdown;
  const command = worker.kind === 'command' ? worker.command : undefined;
  p.add(
    field,
    `${String(command).length} characters`,
    `would make the instances' user data about ${bytes} bytes, over EC2's ${USER_DATA_LIMIT_BYTES}-byte limit (16 KB before base64): no instance would launch; install a script on the image and run that`,
  );
}
