/**
 * The coordinator's own view of this worker, from `system.runtime.nodes` over Trino's client protocol
 * (`POST /v1/statement`, then `GET nextUri` until the result has none; Trino docs, "Client protocol").
 * The coordinator polls each node's state about once a second and schedules only to active nodes, so a
 * node it lists as `shutting_down` (or, in newer Trino, `draining`/`drained`) gets no new task from it.
 * That view, not the worker's own state, is what makes a zero task count final.
 */
import { fetchNoRedirect, readUntrustedJson } from '../runtime/untrusted-http';
import { JsonLimits } from '../core/untrusted-json';
import { CoordinatorConfig } from './config';

/** Node states in which the coordinator schedules nothing new to the node (Trino `NodeState`). */
const NOT_SCHEDULED = new Set(['shutting_down', 'draining', 'drained']);
/** A query that pages more than this is not the small nodes table: stop rather than loop. */
const MAX_PAGES = 50;

/**
 * Bounds on one page of the nodes query. The table holds a row of about 200 bytes per node; a page of a
 * thousand-node cluster is some 200 KB. 4 MB is far past any real one and far inside the agent's memory.
 */
const PAGE_LIMITS: JsonLimits = { maxBytes: 4 * 1024 * 1024, maxDepth: 16, maxValues: 200_000 };

/** What the coordinator says of this node. `unknown` when it does not list it: never taken as drained. */
export type CoordinatorView = { readonly kind: 'scheduling' | 'not-scheduling'; readonly state: string } | { readonly kind: 'unknown' };

interface StatementResponse {
  readonly nextUri?: string;
  readonly columns?: readonly { readonly name: string }[];
  readonly data?: readonly (readonly unknown[])[];
  readonly error?: { readonly message?: string };
}

/** Runs one query and returns its rows as objects. Throws on an HTTP or query error, or past the time limit. */
export async function queryCoordinator(c: CoordinatorConfig, sql: string): Promise<Record<string, unknown>[]> {
  const signal = AbortSignal.timeout(c.timeoutMs);
  const headers = { 'X-Trino-User': c.user, 'X-Trino-Source': 'graceful-autoscaler-agent' };
  // The coordinator is untrusted input: a redirect is refused, never followed, so the SQL is never
  // re-posted elsewhere (undici re-sends the body on a 307) and no other host's node list is believed.
  let res = await fetchNoRedirect('coordinator: POST /v1/statement', `${c.url}/v1/statement`, { method: 'POST', headers: { ...headers, 'Content-Type': 'text/plain' }, body: sql, signal });
  let columns: readonly { readonly name: string }[] | undefined;
  const rows: Record<string, unknown>[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    if (!res.ok) throw new Error(`coordinator: HTTP ${res.status}`);
    const body = (await readUntrustedJson('coordinator: statement page', res, PAGE_LIMITS)) as StatementResponse;
    if (body.error) throw new Error(`coordinator query failed: ${String(body.error.message ?? 'error').slice(0, 200)}`);
    columns ??= body.columns;
    for (const row of body.data ?? []) rows.push(Object.fromEntries((columns ?? []).map((col, k) => [col.name, row[k]])));
    if (!body.nextUri) return rows;
    // Only follow links on the coordinator we were given: a redirect elsewhere is refused.
    if (new URL(body.nextUri).origin !== new URL(c.url).origin) throw new Error('coordinator: nextUri points at another host');
    res = await fetchNoRedirect('coordinator: GET nextUri', body.nextUri, { headers, signal });
  }
  throw new Error(`coordinator: result not complete after ${MAX_PAGES} pages`);
}

/**
 * This node in the coordinator's view: by node id when configured, else by the host of its `http_uri`
 * (the worker's private address, which it announces to the coordinator).
 */
export async function readCoordinatorView(c: CoordinatorConfig, privateIp: string | undefined): Promise<CoordinatorView> {
  const rows = await queryCoordinator(c, 'SELECT node_id, http_uri, state FROM system.runtime.nodes');
  const mine = rows.find((r) => (c.nodeId ? r.node_id === c.nodeId : privateIp !== undefined && hostOf(r.http_uri) === privateIp));
  if (!mine) return { kind: 'unknown' };
  // Trino's `state` is text (varchar); anything else is no state, so never a reason to call the node drained.
  const state = typeof mine.state === 'string' ? mine.state.toLowerCase() : '';
  return { kind: NOT_SCHEDULED.has(state) ? 'not-scheduling' : 'scheduling', state };
}

function hostOf(uri: unknown): string | undefined {
  try {
    return new URL(String(uri)).hostname;
  } catch {
    return undefined;
  }
}
