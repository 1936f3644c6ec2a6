/**
 * The worker and the coordinator are untrusted input: a redirect is refused, never followed. Followed, it
 * would carry X-Trino-Internal-Bearer (the cluster's own credential) or X-Trino-User to whatever host it
 * names, re-send a PUT or the SQL of a POST there (307/308), and believe that host's node list.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { queryCoordinator, readCoordinatorView } from '../../agent/coordinator';
import { countRunningTasks, startShutdown } from '../../agent/worker';

interface Seen {
  readonly method?: string;
  readonly url?: string;
  readonly headers: http.IncomingHttpHeaders;
}

async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return { url, seen, close };
}

let elsewhere: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  elsewhere = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
});
afterAll(() => elsewhere.close());
beforeEach(() => elsewhere.seen.splice(0));

const now = Date.UTC(2026, 10, 22, 10, 0, 0);

describe.each([301, 302, 303, 307, 308])('HTTP %i to another host', (status) => {
  const redirecting = () => serve((req, res) => res.writeHead(status, { location: `${elsewhere.url}${req.url}` }).end());

  test('the worker client sends neither its bearer nor its PUT on, and says where it was sent', async () => {
    const worker = await redirecting();
    try {
      const config = { kind: 'trino' as const, url: worker.url, user: 'graceful-autoscaler', sharedSecret: 'a-shared-secret-of-enough-length', timeoutMs: 2000 };
      await expect(countRunningTasks(config, 'i-0abc', now)).rejects.toThrow(new RegExp(`GET /v1/task answered HTTP ${status} redirecting to ${elsewhere.url}/v1/task: not followed`));
      await expect(startShutdown(config, 'i-0abc', now)).rejects.toThrow(new RegExp(`PUT /v1/info/state answered HTTP ${status} redirecting to ${elsewhere.url}/v1/info/state`));
      // The worker itself was asked, with its bearer; the other host never was.
      expect(worker.seen.map((s) => s.method)).toEqual(['GET', 'PUT']);
      expect(worker.seen[0].headers['x-trino-internal-bearer']).toBeDefined();
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  test('the coordinator client does not re-post its SQL, nor believe another host', async () => {
    const coordinator = await redirecting();
    try {
      const config = { url: coordinator.url, user: 'graceful-autoscaler', timeoutMs: 2000 };
      await expect(readCoordinatorView(config, '10.0.0.5')).rejects.toThrow(new RegExp(`POST /v1/statement answered HTTP ${status}`));
      expect(coordinator.seen).toHaveLength(1);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await coordinator.close();
    }
  });
});

test("a coordinator page that redirects is refused: nextUri is fetched once, on the coordinator's own origin", async () => {
  let base = '';
  const coordinator = await serve((req, res) => {
    if (req.method === 'POST') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'q1', nextUri: `${base}/v1/statement/executing/q1/1` }));
    res.writeHead(302, { location: `${elsewhere.url}/v1/statement/executing/q1/1` }).end();
  });
  base = coordinator.url;
  try {
    await expect(queryCoordinator({ url: coordinator.url, user: 'u', timeoutMs: 2000 }, 'SELECT 1')).rejects.toThrow(/GET nextUri answered HTTP 302/);
    expect(elsewhere.seen).toEqual([]);
  } finally {
    await coordinator.close();
  }
});

test('a coordinator page that is not application/json, or past its size, is refused rather than parsed', async () => {
  const html = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(JSON.stringify({ id: 'q', columns: [{ name: 'state' }], data: [['drained']] })));
  const huge = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":[${'["x"],'.repeat(2_000_000)}["x"]]}`));
  try {
    await expect(queryCoordinator({ url: html.url, user: 'u', timeoutMs: 2000 }, 'SELECT 1')).rejects.toThrow(/content type "text\/html", not application\/json/);
    await expect(queryCoordinator({ url: huge.url, user: 'u', timeoutMs: 5000 }, 'SELECT 1')).rejects.toThrow(/byte cap/);
  } finally {
    await html.close();
    await huge.close();
  }
});
