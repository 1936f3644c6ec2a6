/**
 * Real servers for the replay tests: a PostgreSQL started from Debian's binaries in a temporary
 * directory on a loopback port (as the `postgres` user when run as root), and a Trino-protocol stand-in.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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

export interface Mariadb {
  /**
   * Runs the statements in order in a fresh database `db` (after `setup`, which is not judged) and
   * returns each one's statement digest from performance_schema, or undefined where the server
   * computed none (a statement that does not parse). A statement that fails later (no such table) has
   * one: the digest is computed by the parser.
   */
  digests(db: string, statements: readonly string[], setup?: readonly string[]): (string | undefined)[];
  stop(): void;
}

const MARIADBD = '/usr/sbin/mariadbd';
/** Statements per client run: performance_schema keeps the last HISTORY_LONG_SIZE, so a batch must fit. */
const DIGEST_BATCH = 3000;
const HISTORY_LONG_SIZE = 4000;
/** Long enough for every statement of the corpora; P_S allocates it per history row, so not more. */
const DIGEST_LENGTH = 8192;

/**
 * A private MariaDB from Debian's binaries (mariadb-server) in a temporary datadir, reached on a unix
 * socket, with performance_schema on and every statement kept in events_statements_history_long, so
 * each statement's digest can be read back in order. Undefined when MariaDB is not installed, unless
 * GA_REQUIRE_MARIADB is set (CI), which makes its absence an error.
 */
export async function startMariadb(): Promise<Mariadb | undefined> {
  if (!existsSync(MARIADBD) || spawnSync('mariadb', ['--version']).error) {
    if (process.env.GA_REQUIRE_MARIADB) throw new Error('GA_REQUIRE_MARIADB is set but MariaDB is not installed (apt-get install mariadb-server)');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ga-mariadb-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const socket = join(dir, 'sock');
  // mariadbd runs as root only when told to; Debian's package creates the mysql user.
  const user = process.getuid?.() === 0 ? 'mysql' : (process.env.USER ?? 'mysql');
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
  const server = spawn(
    MARIADBD,
    [
      '--no-defaults', `--datadir=${data}`, `--socket=${socket}`, '--skip-networking', `--user=${user}`, `--log-error=${join(dir, 'error.log')}`,
      '--skip-log-bin', '--innodb-buffer-pool-size=32M', '--performance-schema=ON',
      '--performance-schema-consumer-events-statements-current=ON', '--performance-schema-consumer-events-statements-history-long=ON',
      `--performance-schema-events-statements-history-long-size=${HISTORY_LONG_SIZE}`,
      `--max-digest-length=${DIGEST_LENGTH}`, `--performance-schema-max-digest-length=${DIGEST_LENGTH}`, `--performance-schema-max-sql-text-length=${DIGEST_LENGTH}`,
    ],
    { stdio: 'ignore' },
  );
  const client = (args: string[], input: string) => spawnSync('mariadb', ['--no-defaults', '-S', socket, '-u', 'root', ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const deadline = Date.now() + 30_000;
  while (client(['-N', '-e', 'SELECT 1'], '').status !== 0) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`MariaDB did not start; see ${join(dir, 'error.log')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const marker = (db: string, k: number) => `SELECT 'ga-digest-batch ${db} ${k}'`;
  return {
    digests(db, statements, setup = []) {
      const out: (string | undefined)[] = [];
      client(['--force'], `DROP DATABASE IF EXISTS ${db};\nCREATE DATABASE ${db};\nUSE ${db};\n${setup.map((s) => `${s};\n`).join('')}`);
      for (let k = 0; k * DIGEST_BATCH < statements.length; k++) {
        const batch = statements.slice(k * DIGEST_BATCH, (k + 1) * DIGEST_BATCH);
        client(['-N', '-e', 'TRUNCATE TABLE performance_schema.events_statements_history_long'], '');
        // --comments: the client sends comments as written (it strips them by default).
        client(['--force', '--comments', db], `${marker(db, k)};\n${batch.map((s) => `${s};\n`).join('')}`);
        const history = client(
          ['-N', '--batch', '--raw', '-e', `SELECT h.DIGEST, REPLACE(REPLACE(h.SQL_TEXT, '\\\\', '\\\\\\\\'), '\\n', '\\\\n') FROM performance_schema.events_statements_history_long h WHERE h.EVENT_NAME LIKE 'statement/sql/%' AND h.THREAD_ID = (SELECT THREAD_ID FROM performance_schema.events_statements_history_long WHERE SQL_TEXT = "${marker(db, k)}" LIMIT 1) ORDER BY h.EVENT_ID`],
          '',
        );
        if (history.status !== 0) throw new Error(`reading MariaDB's statement history failed: ${history.stderr}`);
        // Each statement is matched to the next history row with its text; one the client did not send as written gets none.
        const rows = history.stdout.split('\n').filter(Boolean).map((line) => {
          const tab = line.indexOf('\t');
          return { digest: line.slice(0, tab), text: line.slice(tab + 1).replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')) };
        });
        let r = 0;
        for (const sql of batch) {
          let j = r;
          while (j < rows.length && rows[j].text.trim() !== sql.trim()) j++;
          if (j < rows.length) {
            out.push(rows[j].digest === 'NULL' ? undefined : rows[j].digest);
            r = j + 1;
          } else out.push(undefined);
        }
      }
      return out;
    },
    stop() {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
