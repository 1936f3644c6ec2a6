/** Talking to the worker on this instance: count its running tasks, start its graceful shutdown. */
import { exec } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { isConnectionRefused, summarizeTasks } from '../core/trino-tasks';
import { discard, fetchNoRedirect } from '../runtime/untrusted-http';
import { ShellCommand, TrinoWorker } from './config';

/**
 * The outcome of one count: a number (with the oldest task's age in seconds when the source knows it), or
 * "no worker process listening" (after a shutdown, that means it exited).
 */
export type TaskCount = { readonly kind: 'count'; readonly runningTasks: number; readonly oldestTaskAgeSeconds?: number } | { readonly kind: 'not-listening' };

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Trino's internal-communication token: a JWT in X-Trino-Internal-Bearer, HMAC-signed with the SHA-256
 * of `internal-communication.shared-secret` (a 256-bit key, so HS256), subject the node, five minutes' life.
 */
export function internalBearer(sharedSecret: string, subject: string, nowMs: number): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: subject, exp: Math.floor(nowMs / 1000) + 300 }));
  const key = createHash('sha256').update(sharedSecret, 'utf8').digest();
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function trinoHeaders(w: TrinoWorker, subject: string, nowMs: number): Record<string, string> {
  return { 'X-Trino-User': w.user, ...(w.sharedSecret ? { 'X-Trino-Internal-Bearer': internalBearer(w.sharedSecret, subject, nowMs) } : {}) };
}

function runCommand(c: ShellCommand): Promise<string> {
  return new Promise((resolve, reject) => {
    exec(c.command, { timeout: c.timeoutMs, shell: '/bin/sh', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`command failed (${error.code ?? error.signal}): ${stderr.trim().slice(0, 500)}`));
      else resolve(stdout);
    });
  });
}

/**
 * Counts running tasks once. Throws on any failure other than a refused connection: no guessed numbers.
 * A command prints the count, optionally followed by the oldest task's age in seconds ("3" or "3 412.5").
 */
export async function countRunningTasks(source: TrinoWorker | ShellCommand, subject: string, nowMs: number): Promise<TaskCount> {
  if (source.kind === 'command') {
    const out = (await runCommand(source)).trim();
    const m = /^(\d+)(?:\s+(\d+(?:\.\d+)?))?$/.exec(out);
    if (!m) throw new Error(`task command printed ${JSON.stringify(out.slice(0, 100))}, not a whole number (optionally followed by the oldest task's age in seconds)`);
    return { kind: 'count', runningTasks: Number(m[1]), ...(m[2] !== undefined ? { oldestTaskAgeSeconds: Number(m[1]) === 0 ? 0 : Number(m[2]) } : {}) };
  }
  try {
    // X-Trino-Internal-Bearer is the cluster's own credential: never sent on to where a redirect points.
    const res = await fetchNoRedirect('GET /v1/task', `${source.url}/v1/task`, { headers: trinoHeaders(source, subject, nowMs), signal: AbortSignal.timeout(source.timeoutMs) });
    if (!res.ok) {
      await discard(res);
      throw new Error(`GET /v1/task: HTTP ${res.status}`);
    }
    return { kind: 'count', ...summarizeTasks(await res.json(), nowMs) };
  } catch (e) {
    if (isConnectionRefused(e)) return { kind: 'not-listening' };
    throw e;
  }
}

/** Starts the worker's graceful shutdown: Trino's `PUT /v1/info/state "SHUTTING_DOWN"`, or a command. */
export async function startShutdown(target: TrinoWorker | ShellCommand, subject: string, nowMs: number): Promise<void> {
  if (target.kind === 'command') {
    await runCommand(target);
    return;
  }
  const res = await fetchNoRedirect('PUT /v1/info/state', `${target.url}/v1/info/state`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', ...trinoHeaders(target, subject, nowMs) },
    body: JSON.stringify('SHUTTING_DOWN'),
    signal: AbortSignal.timeout(target.timeoutMs),
  });
  if (!res.ok) throw new Error(`PUT /v1/info/state: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
}
