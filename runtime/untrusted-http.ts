/**
 * HTTP to a Trino coordinator or worker, whose answers are untrusted input. Node's fetch (undici) follows
 * redirects by default, re-sending our headers (X-Trino-User, X-Trino-Internal-Bearer) and, on a 307 or
 * 308, the body: to any host the answer names. Here nothing follows a redirect, and a body is read only
 * up to a cap, so a node that streams without end costs its read, never the process's memory.
 * Used by the Lambdas and the agent alike; no AWS SDK here.
 */
import { JsonLimits, UntrustedResponseError, isJsonContentType, parseUntrustedJson, redirectRefused } from '../core/untrusted-json';

/**
 * fetch with `redirect: 'manual'`: a 3xx is refused with UntrustedResponseError naming the status and
 * the (capped) Location, its body discarded. `what` names the request in that message.
 */
export async function fetchNoRedirect(what: string, url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  if (res.status >= 300 && res.status < 400) {
    await discard(res);
    throw new UntrustedResponseError(redirectRefused(what, res.status, res.headers.get('location')));
  }
  return res;
}

/** Lets go of a body we do not read, so its connection is not held open. */
export async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

/**
 * The body's bytes, at most `maxBytes`: past that the read is cancelled (the connection closes) and
 * UntrustedResponseError thrown. A Content-Length above the cap is refused before any byte is read.
 */
export async function readCapped(what: string, res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) {
    await discard(res);
    throw new UntrustedResponseError(`${what}: body of ${declared} bytes is over the ${maxBytes}-byte cap`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new UntrustedResponseError(`${what}: body over the ${maxBytes}-byte cap; read cut off`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A JSON body: content type application/json, at most `limits.maxBytes`, nesting and values bounded. */
export async function readUntrustedJson(what: string, res: Response, limits: JsonLimits): Promise<unknown> {
  const type = res.headers.get('content-type');
  if (!isJsonContentType(type)) {
    await discard(res);
    throw new UntrustedResponseError(`${what}: content type ${JSON.stringify((type ?? '(none)').slice(0, 100))}, not application/json`);
  }
  return parseUntrustedJson(await readCapped(what, res, limits.maxBytes), limits);
}
