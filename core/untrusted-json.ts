/**
 * What a coordinator or worker answers is untrusted input: a hostile or broken Trino node can send any
 * bytes. These pure checks bound what we parse before JSON.parse builds it in memory; the HTTP side
 * (runtime/untrusted-http.ts) caps the bytes read and refuses redirects.
 */
import { capText } from './util/log-text';

/** Bounds on one JSON body. */
export interface JsonLimits {
  /** Bytes read before the read is aborted. */
  readonly maxBytes: number;
  /** Nesting of arrays and objects. */
  readonly maxDepth: number;
  /** Arrays, objects and their elements, counted as openings plus commas. */
  readonly maxValues: number;
}

/** The answer was read and refused: too big, too deep, not JSON, a redirect. Never retried on the same minute. */
export class UntrustedResponseError extends Error {
  override readonly name = 'UntrustedResponseError';
}

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Throws when the bytes nest deeper or hold more values than the limits allow. One pass over the bytes,
 * outside strings; it does not validate JSON (JSON.parse does that after). Counting happens before
 * parsing so that `[0,0,0,…]` in a few MB cannot become millions of array slots.
 */
export function checkJsonShape(bytes: Uint8Array, limits: Pick<JsonLimits, 'maxDepth' | 'maxValues'>): void {
  let depth = 0;
  let values = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (b === BACKSLASH) escaped = true;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) throw new UntrustedResponseError(`JSON nests deeper than ${limits.maxDepth} levels`);
      if (++values > limits.maxValues) throw new UntrustedResponseError(`JSON holds more than ${limits.maxValues} values`);
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
    else if (b === COMMA && ++values > limits.maxValues) throw new UntrustedResponseError(`JSON holds more than ${limits.maxValues} values`);
  }
}

/** Checks the shape, then parses. Throws UntrustedResponseError on a shape past the limits or text that is not JSON. */
export function parseUntrustedJson(bytes: Uint8Array, limits: Pick<JsonLimits, 'maxDepth' | 'maxValues'>): unknown {
  checkJsonShape(bytes, limits);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    // V8's message quotes the input: capped.
    throw new UntrustedResponseError(`not JSON (${bytes.length} bytes): ${capText(String((e as Error).message))}`);
  }
}

/** `application/json` or a `+json` type, any parameters (charset) aside. Trino answers `application/json`. */
export function isJsonContentType(header: string | null | undefined): boolean {
  const type = (header ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** The log text for a refused redirect: status and where it pointed, capped. */
export function redirectRefused(what: string, status: number, location: string | null | undefined): string {
  return `${what} answered HTTP ${status} redirecting to ${location ? capText(location) : '(no Location)'}: not followed (our headers carry credentials and the request may not be repeated elsewhere)`;
}

/**
 * A message body from a worker (a drain report, a minute of readings): refused past `maxBytes` before it is
 * parsed, then parsed as JSON; the reason otherwise, naming it as `what`. The caller checks the shape.
 */
export function parseBoundedBody(body: string, maxBytes: number, what: string): { ok: true; raw: any } | { ok: false; error: string } {
  if (body.length > maxBytes) return { ok: false, error: `${what} is ${body.length} bytes, more than ${maxBytes}` };
  try {
    return { ok: true, raw: JSON.parse(body) };
  } catch {
    return { ok: false, error: 'body is not JSON' };
  }
}
