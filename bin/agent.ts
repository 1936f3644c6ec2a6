#!/usr/bin/env node
/**
 * The on-instance worker agent: `node agent.js --config /etc/graceful-autoscaler/agent.json`; or
 * `node agent.js wait-in-service`, the worker's start gate (agent/in-service.ts, docs/agent.md): exits 0
 * when the worker may start, 1 when it must not, 2 on a usage error.
 * Honours AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_CLOUDWATCH.
 * `--help` (or `-h`) prints the usage and exits 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { formatDrainReport } from '../core/drain-report';
import { formatReadingsMessage } from '../core/worker-readings';
import { Agent, DrainReporter, ReadingsSender } from '../agent/agent';
import { AgentConfig, AgentConfigError, parseAgentConfig, readSharedSecret } from '../agent/config';
import { ImdsClient } from '../agent/imds';
import { jsonLog } from '../agent/log';
import { DEFAULT_GATE_OPTIONS, parseGateArgs, waitForInService } from '../agent/in-service';
import { AGENT_CALL_LIMIT_MS, AGENT_SDK_SETTINGS, MetricPublisher } from '../agent/publisher';

/** Every option, its default and meaning. */
function usage(): string {
  const g = DEFAULT_GATE_OPTIONS;
  return [
    'usage: agent --config PATH',
    '       agent wait-in-service [--poll-seconds N] [--absent-grace-seconds N] [--imds-limit-seconds N]',
    '',
    'agent --config PATH             run the worker agent with the agent.json at PATH (required; docs/agent.md)',
    'agent wait-in-service           the start gate: exit 0 when the worker may start, 1 when it must not',
    `  --poll-seconds N              seconds between IMDS reads, 0.1 to 60 (default: ${g.pollSeconds})`,
    `  --absent-grace-seconds N      seconds of IMDS answers with no lifecycle state before the instance counts as in no group and starts, 0 to 3600 (default: ${g.absentGraceSeconds})`,
    `  --imds-limit-seconds N        seconds of IMDS errors retried before failing closed, 0 to 3600 (default: ${g.imdsLimitSeconds})`,
    '-h, --help                      print this help and exit 0',
    '',
    'Exit 2 on a usage error or an invalid configuration.',
  ].join('\n');
}

function configPath(argv: readonly string[]): string {
  const i = argv.indexOf('--config');
  const path = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  if (!path) throw new AgentConfigError('usage: agent --config <path to agent.json>');
  return path;
}

/** Resolves `sharedSecretFile` into the secret, so a missing or empty file fails at start with its path. */
function withSharedSecrets(config: AgentConfig): AgentConfig {
  const resolve = <W extends AgentConfig['tasks'] | AgentConfig['shutdown']>(w: W): W => {
    if (w.kind !== 'trino' || w.sharedSecret || (!w.sharedSecretFile && !w.sharedSecretCredential)) return w;
    let path = w.sharedSecretFile!;
    if (w.sharedSecretCredential) {
      // systemd's LoadCredential= copies the file where only this service can read it.
      const dir = process.env.CREDENTIALS_DIRECTORY;
      if (!dir) throw new AgentConfigError(`sharedSecretCredential ${w.sharedSecretCredential}: no CREDENTIALS_DIRECTORY (run under systemd with LoadCredential=)`);
      path = join(dir, w.sharedSecretCredential);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new AgentConfigError(`shared secret ${path}: cannot be read (${(e as NodeJS.ErrnoException).code})`);
    }
    return { ...w, sharedSecret: readSharedSecret(text, path) };
  };
  return { ...config, tasks: resolve(config.tasks), shutdown: resolve(config.shutdown) };
}

/** The start gate: no configuration file, nothing but IMDS. */
function gate(args: readonly string[]): void {
  let options;
  try {
    options = parseGateArgs(args);
  } catch (e) {
    console.error(`graceful-autoscaler agent: ${(e as Error).message}`);
    process.exit(2);
  }
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());
  waitForInService(new ImdsClient(), options, jsonLog, stop.signal).then(
    (outcome) => {
      if (!outcome.start) console.error(`graceful-autoscaler agent: the worker must not start: ${outcome.reason}`);
      process.exit(outcome.start ? 0 : 1);
    },
    (e) => {
      jsonLog.error('start gate crashed', { error: String(e?.stack ?? e) });
      process.exit(1);
    },
  );
}

function main(): void {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    console.log(usage());
    process.exit(0);
  }
  if (process.argv[2] === 'wait-in-service') return gate(process.argv.slice(3));
  let config;
  try {
    const path = configPath(process.argv.slice(2));
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new AgentConfigError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    config = withSharedSecrets(parseAgentConfig(text, path));
  } catch (e) {
    if (e instanceof AgentConfigError) {
      console.error(`graceful-autoscaler agent: invalid configuration: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }

  const drainReport = config.drainReport;
  const readings = config.readings;
  let sqsClient: SQSClient | undefined;
  // The client's own endpoint (regional, or AWS_ENDPOINT_URL_SQS), not the queue URL's host: the same in
  // AWS, and the standard endpoint variables keep working. One client for both queues.
  const sqsFor = (identity: { region: string }) => (sqsClient ??= new SQSClient({ ...AGENT_SDK_SETTINGS, region: process.env.AWS_REGION ?? identity.region, useQueueUrlAsEndpoint: false }));
  const readingsSenderFor = (identity: { region: string }): ReadingsSender => {
    const sqs = sqsFor(identity);
    return {
      send: async (message) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: readings!.queueUrl, MessageBody: formatReadingsMessage(message) }), { abortSignal: AbortSignal.timeout(AGENT_CALL_LIMIT_MS) });
      },
    };
  };
  const reporterFor = (identity: { region: string }): DrainReporter => {
    const sqs = sqsFor(identity);
    return {
      send: async (report) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: drainReport!.queueUrl, MessageBody: formatDrainReport(report) }), { abortSignal: AbortSignal.timeout(AGENT_CALL_LIMIT_MS) });
      },
    };
  };
  const agent = new Agent(
    config,
    new ImdsClient(),
    (identity, namespace) => new MetricPublisher(new CloudWatchClient({ ...AGENT_SDK_SETTINGS, region: process.env.AWS_REGION ?? identity.region }), namespace, config.bufferMax),
    jsonLog,
    Date.now,
    drainReport ? reporterFor : undefined,
    undefined,
    readings ? readingsSenderFor : undefined,
  );
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());
  agent.run(stop.signal).then(
    () => process.exit(0),
    (e) => {
      jsonLog.error('agent crashed', { error: String(e?.stack ?? e) });
      process.exit(1);
    },
  );
}

main();
