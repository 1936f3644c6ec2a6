/**
 * Stand-ins on loopback for what the agent talks to: IMDSv2 (token required), a Trino-like worker API,
 * and a CloudWatch endpoint speaking the JSON 1.0 protocol the SDK uses for PutMetricData. Each records
 * what it was sent and can be told to fail.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { AgentLog } from '../../agent/log';

export interface StandIn {
  readonly url: string;
  close(): Promise<void>;
}

/** A stand-in's handler may be async: a handler that fails answers 500 (or drops the connection), never an unhandled rejection. */
async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(() => (res.headersSent ? res.destroy() : res.writeHead(500).end('stand-in failed')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function body(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const closer = (server: http.Server) => () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });

/** The account in the stand-in's instance identity document unless a test names one. */
export const IMDS_ACCOUNT = '123456789012';

/** IMDSv2: metadata only with a token from PUT /latest/api/token. */
export async function startImds(meta: { instanceId: string; region: string; groupName?: string; account?: string; partition?: string }) {
  const tokens = new Set<string>();
  const state = { lifecycle: 'InService' as string | undefined, down: false, hang: false, tokenRequests: 0, rejectedWithoutToken: 0, /** Answered to every metadata read when not 200. */ metadataStatus: 200, metadataReads: 0 };
  const { server, url } = await listen(async (req, res) => {
    if (state.down) return void res.destroy();
    if (state.hang) return; // accepted, never answered
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.writeHead(400).end();
      state.tokenRequests++;
      const token = `token-${state.tokenRequests}`;
      tokens.add(token);
      return void res.writeHead(200).end(token);
    }
    if (!tokens.has(String(req.headers['x-aws-ec2-metadata-token']))) {
      state.rejectedWithoutToken++;
      return void res.writeHead(401).end();
    }
    state.metadataReads++;
    if (state.metadataStatus !== 200) return void res.writeHead(state.metadataStatus).end('error');
    const paths: Record<string, string | undefined> = {
      '/latest/meta-data/instance-id': meta.instanceId,
      '/latest/meta-data/placement/region': meta.region,
      '/latest/meta-data/local-ipv4': '10.40.3.17',
      '/latest/meta-data/services/partition': meta.partition,
      '/latest/dynamic/instance-identity/document': JSON.stringify({ accountId: meta.account ?? IMDS_ACCOUNT, instanceId: meta.instanceId, region: meta.region }),
      '/latest/meta-data/tags/instance/aws:autoscaling:groupName': meta.groupName,
      '/latest/meta-data/autoscaling/target-lifecycle-state': state.lifecycle,
    };
    const value = paths[req.url ?? ''];
    if (value === undefined) return void res.writeHead(404).end();
    res.writeHead(200).end(value);
  });
  return { url, state, expireTokens: () => tokens.clear(), close: closer(server) };
}

/** A Trino-like worker: GET /v1/task lists tasks, PUT /v1/info/state takes "SHUTTING_DOWN". */
export async function startTrino() {
  const state = {
    tasks: [] as { taskStatus: { state: string }; stats?: { createTime: string } }[],
    status: 200,
    shutdownCalls: [] as { body: string; user?: string; bearer?: string }[],
    taskCalls: [] as { user?: string; bearer?: string }[],
    /** GET /v1/task accepted and never answered. */
    hangTasks: false,
  };
  const { server, url } = await listen(async (req, res) => {
    if (state.hangTasks && req.url === '/v1/task') return;
    const headers = { user: req.headers['x-trino-user'] as string | undefined, bearer: req.headers['x-trino-internal-bearer'] as string | undefined };
    if (req.method === 'GET' && req.url === '/v1/task') {
      state.taskCalls.push(headers);
      if (state.status !== 200) return void res.writeHead(state.status).end('error');
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.tasks));
    }
    if (req.method === 'PUT' && req.url === '/v1/info/state') {
      state.shutdownCalls.push({ body: (await body(req)).toString(), ...headers });
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('"SHUTTING_DOWN"');
    }
    res.writeHead(404).end();
  });
  return { url, port: Number(new URL(url).port), state, close: closer(server) };
}

export interface PutMetricDataCall {
  Namespace: string;
  MetricData: { MetricName: string; Value: number; Timestamp: number; StorageResolution?: number; Unit?: string; Dimensions?: { Name: string; Value: string }[] }[];
}

/** CloudWatch's JSON 1.0 endpoint for PutMetricData; `fail` answers with an error instead. */
export async function startCloudWatch() {
  const state = { calls: [] as PutMetricDataCall[], fail: undefined as undefined | { status: number; type: string }, attempts: 0 };
  const { server, url } = await listen(async (req, res) => {
    state.attempts++;
    let raw = await body(req);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    if (req.headers['x-amz-target'] !== 'GraniteServiceVersion20100801.PutMetricData') return void res.writeHead(400).end();
    if (state.fail) {
      return void res
        .writeHead(state.fail.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${state.fail.type};Sender` })
        .end(JSON.stringify({ __type: state.fail.type, message: 'stand-in failure' }));
    }
    state.calls.push(JSON.parse(raw.toString()));
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
  });
  const datapoints = (name: string) => state.calls.flatMap((c) => c.MetricData.filter((d) => d.MetricName === name));
  return { url, state, datapoints, close: closer(server) };
}

/** An endpoint that accepts connections and never answers: a hung IMDS, worker or AWS endpoint. */
export async function startHung() {
  const held: http.ServerResponse[] = [];
  const state = { requests: 0 };
  const { server, url } = await listen((_req, res) => {
    state.requests++;
    held.push(res);
  });
  return { url, state, close: closer(server) };
}

/**
 * A Trino coordinator's client protocol for `system.runtime.nodes`: POST /v1/statement answers with a
 * nextUri, the next page holds the rows. `nodes` is what the table says right now.
 */
export async function startCoordinator() {
  const state = { nodes: [] as { node_id: string; http_uri: string; state: string }[], queries: [] as { sql: string; user?: string }[], hang: false };
  let url = '';
  const started = await listen(async (req, res) => {
    if (state.hang) return;
    if (req.method === 'POST' && req.url === '/v1/statement') {
      state.queries.push({ sql: (await body(req)).toString(), user: req.headers['x-trino-user'] as string | undefined });
      const id = `q${state.queries.length}`;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, nextUri: `${url}/v1/statement/executing/${id}/1`, stats: { state: 'QUEUED' } }));
    }
    if (req.method === 'GET' && req.url?.startsWith('/v1/statement/executing/')) {
      const columns = ['node_id', 'http_uri', 'state'].map((name) => ({ name, type: 'varchar' }));
      const data = state.nodes.map((n) => [n.node_id, n.http_uri, n.state]);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'q', columns, data, stats: { state: 'FINISHED' } }));
    }
    res.writeHead(404).end();
  });
  url = started.url;
  return { url, state, close: closer(started.server) };
}

/** SQS's JSON 1.0 endpoint for SendMessage (the protocol the SDK speaks); records each message body. */
export async function startSqs() {
  const state = { messages: [] as { QueueUrl: string; MessageBody: string }[], fail: false };
  const { server, url } = await listen(async (req, res) => {
    const raw = (await body(req)).toString();
    if (req.headers['x-amz-target'] !== 'AmazonSQS.SendMessage') return void res.writeHead(400).end();
    if (state.fail) {
      return void res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'stand-in failure' }));
    }
    const input = JSON.parse(raw);
    state.messages.push(input);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ MessageId: `m-${state.messages.length}`, MD5OfMessageBody: md5(input.MessageBody) }));
  });
  return { url, state, close: closer(server) };
}

function md5(text: string): string {
  return require('node:crypto').createHash('md5').update(text).digest('hex');
}

/** Keeps the agent's log lines for assertions. */
export class ListLog implements AgentLog {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  info = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'error', message, fields });
}
