import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FunctionEntry, FunctionEnvironment } from '../core/contract/function-env';
import { lambdaCode } from './bundles';
import { METRICS_NAMESPACE } from './names';

/** Default memory: the controller is I/O-bound; 512 MB buys CPU for a cold start inside 2 s. */
export const DEFAULT_FUNCTION_MEMORY_MB = 512;
/** Default log retention for controller functions: a year, what Control Tower's CT.CLOUDWATCH.PR.2 asks. */
export const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/**
 * The newest Node.js runtime the installed aws-cdk-lib knows (`lambda.Runtime.ALL`), never a variable
 * alias such as NODEJS_LATEST. It is what cdk-nag's AwsSolutions-L1 calls "latest" (cdk-nag
 * rules/lambda/LambdaLatestVersion: the highest version of the function's family in `Runtime.ALL`), so
 * our functions pass L1 under any aws-cdk-lib our peer range admits: 2.276 knows nodejs24.x, 2.278 adds
 * nodejs26.x, and a consumer's app may resolve either. `determineLatestNodeRuntime` would not do: it is
 * not exported, and it reads a regional fact that still said nodejs24.x in 2.278. The bundles are
 * self-contained CommonJS built for the oldest of these (`LAMBDA_BUNDLING.target`, node24), with the
 * SDK inside, so a newer runtime runs them unchanged.
 */
export function latestNodeRuntime(): lambda.Runtime {
  const major = (r: lambda.Runtime) => Number(/^nodejs(\d+)/.exec(r.name)?.[1] ?? 0);
  const candidates = lambda.Runtime.ALL.filter((r) => r.family === lambda.RuntimeFamily.NODEJS && !r.isVariable && major(r) > 0);
  return candidates.reduce((newest, r) => (major(r) > major(newest) ? r : newest));
}

/** The Lambda entry points under lambdas/entry: each is one bundle, prebuilt in the package. */
export const CONTROLLER_ENTRIES = ['drain-events', 'drain-sweep', 'termination-policy', 'runbook', 'scaling-signals', 'group-adoption', 'stragglers', 'readings'] as const satisfies readonly FunctionEntry[];
export type ControllerEntry = (typeof CONTROLLER_ENTRIES)[number];

/**
 * Properties of a ControllerFunction. Given its entry, the environment is the one that entry reads
 * (core/contract/function-env.ts): a variable it does not read, or one it needs left out, does not compile.
 */
export interface ControllerFunctionProps<E extends ControllerEntry = ControllerEntry> {
  /** Which entry point under lambdas/entry. */
  readonly entry: E;
  /** Powertools service name: also the `service` dimension of every EMF metric the function emits. */
  readonly serviceName: string;
  /** What the function does, for the console. */
  readonly description: string;
  /** Where the function runs. @default outside any VPC (for functions that call public AWS APIs only) */
  readonly network?: { readonly vpc: ec2.IVpc; readonly vpcSubnets: ec2.SubnetSelection; readonly securityGroup: ec2.ISecurityGroup };
  /** Encrypts the log group. */
  readonly key: kms.IKey;
  /** The function's time limit. */
  readonly timeout: Duration;
  /** The entry's own variables (the common ones are added here). */
  readonly environment: ControllerEntry extends E ? Readonly<Record<string, string>> : FunctionEnvironment<E>;
  /** @default DEFAULT_FUNCTION_MEMORY_MB */
  readonly memorySize?: number;
  /** @default no reservation */
  readonly reservedConcurrentExecutions?: number;
  /** Retries of asynchronous invocations. @default 2 (Lambda's own default) */
  readonly retryAttempts?: number;
}

/**
 * Every controller Lambda goes through here: the newest Node.js runtime aws-cdk-lib knows (24 or later) on arm64, minified esbuild bundle with source
 * maps, JSON logs into an encrypted log group with retention, X-Ray tracing, inside the VPC unless told not.
 */
export class ControllerFunction<E extends ControllerEntry = ControllerEntry> extends lambda.Function {
  constructor(scope: Construct, id: string, props: ControllerFunctionProps<E>) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: DEFAULT_LOG_RETENTION,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    super(scope, id, {
      // A minified esbuild bundle with its source map (lib/bundles.ts): prebuilt in the package.
      code: lambdaCode(props.entry),
      handler: 'index.handler',
      runtime: latestNodeRuntime(),
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      description: props.description,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.network?.vpc,
      vpcSubnets: props.network?.vpcSubnets,
      securityGroups: props.network ? [props.network.securityGroup] : undefined,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.retryAttempts,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
    // CDK attaches these to every (VPC) function's role; the acknowledgement belongs where they come from.
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The AWS-maintained minimum for function logs.' },
      ...(props.network
        ? [{ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]', reason: 'The AWS-maintained minimum for a VPC function: its network interfaces and logs.' }]
        : []),
    );
  }
}
