/** The URLs config names (a fleet's coordinator, the agent's worker): what each may point at. */
import { Problems } from './problems';

/** A DNS name (labels of letters, digits and inner dashes, 1-63 each, 253 in all) or a dotted IPv4 address. */
const HOST_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parts of `http(s)://host[:port][/]`, or undefined when it is not one. Userinfo is kept to be refused. */
export function parseHttpUrl(url: unknown): { scheme: 'http' | 'https'; userinfo?: string; host: string; port: number } | undefined {
  if (typeof url !== 'string') return undefined;
  const m = /^(https?):\/\/(?:([^\s/@]*)@)?([^\s/:@]+)(?::(\d{1,6}))?\/?$/.exec(url);
  if (!m) return undefined;
  const scheme = m[1] as 'http' | 'https';
  return { scheme, ...(m[2] !== undefined ? { userinfo: m[2] } : {}), host: m[3], port: m[4] !== undefined ? Number(m[4]) : scheme === 'https' ? 443 : 80 };
}

/** The host this machine is: loopback or the unspecified address. */
export function isLoopback(host: string): boolean {
  return host.toLowerCase() === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '0.0.0.0';
}

/** Link-local (169.254.0.0/16): the instance metadata service and the Amazon DNS and time servers' addresses. */
export function isLinkLocal(host: string): boolean {
  return /^169\.254\.\d+\.\d+$/.test(host);
}

/**
 * The agent's own rule, one function in core/util/urls.ts: a shared secret signs requests only over TLS or
 * to this host, or the agent exits at boot.
 */
export { isLoopbackOrTls } from '../../core/util/urls';

/**
 * Checks the common rules of a URL: a host name or IPv4 address, a port from 1 to 65535, no user name or
 * password (they would sit in clear text in the instances' user data and the functions' settings).
 * Returns the parts when they hold.
 */
export function checkHttpUrl(p: Problems, field: string, url: unknown, what: string): ReturnType<typeof parseHttpUrl> {
  const u = parseHttpUrl(url);
  if (!p.check(u !== undefined, field, url, `must be http(s)://host:port of ${what}`)) return undefined;
  const ok = [
    p.check(u!.userinfo === undefined, field, url, 'must not carry a user name or password: it would be stored in clear text in user data and function settings'),
    p.check(u!.port >= 1 && u!.port <= 65535, field, url, `must have a port from 1 to 65535 (got ${u!.port})`),
    p.check(
      HOST_NAME.test(u!.host) && (!IPV4.test(u!.host) || u!.host.split('.').every((o) => Number(o) <= 255)),
      field,
      url,
      'must name a valid host: DNS labels of letters, digits and inner dashes (1 to 63 characters each), or an IPv4 address',
    ),
  ].every(Boolean);
  return ok ? { ...u!, host: canonicalHost(url as string, u!.host) } : undefined;
}

/**
 * The host as the clients will reach it. WHATWG URL parsing (Node's fetch) reads every IPv4 spelling, so
 * `2130706433`, `127.1` and `0x7f.0.0.1` are 127.0.0.1 and `2852039166` is 169.254.169.254: the loopback
 * and link-local rules must judge that form, not the text.
 */
function canonicalHost(url: string, host: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return host;
  }
}
