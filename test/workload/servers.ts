/**
 * Real servers for the replay tests: a PostgreSQL started from Debian's binaries in a temporary
 * directory on a loopback port (as the `postgres` user when run as root), and a Trino-protocol stand-in.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../testing/free-port';

export interface Postgres {
  readonly url: string;
  stop(): void;
}

function pgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/**
 * GA_TEST_POSTGRES_URL if set (that server must already have the `settings` a test needs); otherwise a
 * private server from the installed binaries, started with `settings` (server parameters such as
 * shared_preload_libraries); otherwise
 * undefined, unless GA_REQUIRE_POSTGRES is set (CI), which makes a missing server an error.
 */
export async function startPostgres(settings: Record<string, string> = {}): Promise<Postgres | undefined> {
  if (process.env.GA_TEST_POSTGRES_URL) return { url: process.env.GA_TEST_POSTGRES_URL, stop: () => undefined };
  const bin = pgBin();
  if (!bin) {
    if (process.env.GA_REQUIRE_POSTGRES) throw new Error('GA_REQUIRE_POSTGRES is set but no PostgreSQL binaries are installed (apt-get install postgresql)');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ga-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  // initdb refuses to run as root: run the server as the postgres user Debian's package creates.
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...asUser, ...args];
    execFileSync(cmd, rest, { stdio: 'pipe' });
  };
  run([join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const extra = Object.entries(settings).map(([k, v]) => ` -c ${k}=${v}`).join('');
  run([join(bin, 'pg_ctl'), '-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${extra}`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      spawnSync(asUser[0] ?? join(bin, 'pg_ctl'), [...asUser.slice(1), ...(asUser.length ? [join(bin, 'pg_ctl')] : []), '-D', data, '-m', 'immediate', 'stop'], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The Trino client protocol, as a loopback stand-in: POST /v1/statement queues a query, GET nextUri
 * advances it (answering 503 once, as a busy coordinator does), a query mentioning `fail_me` ends with
 * an error. Counts concurrent queries so tests can check the replay's limit.
 */
export async function startTrinoStandIn(queryMs = 30) {
  const state = { submitted: [] as { sql: string; user?: string }[], maxConcurrent: 0, running: 0, served503: 0 };
  const busyOnce = new Set<string>();
  let seq = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => void handle());
    const handle = (): unknown => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.method === 'POST' && req.url === '/v1/statement') {
        const id = `q${++seq}`;
        const sql = Buffer.concat(chunks).toString();
        state.submitted.push({ sql, user: req.headers['x-trino-user'] as string | undefined });
        state.running++;
        state.maxConcurrent = Math.max(state.maxConcurrent, state.running);
        return json(200, { id, nextUri: `${base}/v1/statement/queued/${id}/1`, stats: { state: 'QUEUED' }, sql });
      }
      const m = /^\/v1\/statement\/(queued|executing)\/(q\d+)\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && m) {
        const [, phase, id, token] = m;
        const sql = state.submitted[Number(id.slice(1)) - 1].sql;
        if (phase === 'queued' && token === '1' && Number(id.slice(1)) % 2 === 0 && !busyOnce.has(id)) {
          busyOnce.add(id);
          state.served503++;
          return void res.writeHead(503).end('busy');
        }
        if (phase === 'queued') return setTimeout(() => json(200, { id, nextUri: `${base}/v1/statement/executing/${id}/1`, stats: { state: 'RUNNING' } }), queryMs);
        state.running--;
        if (sql.includes('fail_me')) return json(200, { id, stats: { state: 'FAILED' }, error: { message: 'line 1:8: Column \'fail_me\' cannot be resolved', errorName: 'COLUMN_NOT_FOUND' } });
        return json(200, { id, columns: [], data: [[1]], stats: { state: 'FINISHED' } });
      }
      return res.writeHead(404).end();
    };
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}
