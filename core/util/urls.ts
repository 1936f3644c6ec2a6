/**
 * Whether a URL keeps what it carries on the machine or encrypted: https, or a loopback host. The agent
 * signs Trino's internal requests with the cluster's shared secret only over such a URL, and the config
 * refuses a shared secret with any other at synth; both call this one rule.
 */
export function isLoopbackOrTls(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return u.protocol === 'https:' || host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
