/**
 * The worker agent as a versioned artifact for instances we do not launch (groups a stack adopts):
 * the same bundle the stack installs, the same hardened systemd units (lib/worker-agent.ts
 * systemdUnit, inServiceGateUnit) and worker drop-in, and an install script an operator runs from their image build or user data.
 * `npm run build` writes it to dist/agent/ and as dist/graceful-autoscaler-agent-<version>.tar.gz.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleAgent } from '../lib/agent-bundle';
import { AGENT_PATHS, GATE_DROP_IN, inServiceGateUnit, systemdUnit, workerGateDropIn } from '../lib/worker-agent';
import { AGENT_SERVICE, GATE_SERVICE } from '../core/contract/names';

/** The artifact's directory name, which is also its tarball's. */
export function artifactName(version: string): string {
  return `graceful-autoscaler-agent-${version}`;
}

/**
 * install.sh: puts the bundle, the operator's config and the unit where the stack's own boot step puts
 * them (AGENT_PATHS), then enables the service. GA_ROOT prefixes every path, for image builds into a
 * mounted root and for the test that runs it.
 */
export function installScript(version: string): string {
  const unitDir = AGENT_PATHS.unit.slice(0, AGENT_PATHS.unit.lastIndexOf('/'));
  return `#!/bin/bash
# graceful-autoscaler worker agent ${version}: install on an instance of a group the stack adopts.
# Usage: sudo ./install.sh --config agent.json [--shared-secret-file /path] [--run-as-root] [--worker-unit trino.service]
#   --config              the stack's <fleet>AgentConfig output, saved to a file (docs/adopt-existing-fleet.md)
#   --shared-secret-file  Trino's internal-communication secret, when the config's Trino source uses one
#   --run-as-root         only for "command" task or shutdown sources that need root
#   --worker-unit         the worker's systemd unit: made to wait for ${GATE_SERVICE}, so it never
#                         starts while the instance goes into a warm pool (docs/agent.md, "The start gate")
# Needs Node.js 22 at ${AGENT_PATHS.node} (Amazon Linux 2023: dnf install nodejs22, done here if missing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="\${GA_ROOT:-}"
config="" secret="" unit="graceful-autoscaler-agent.service" worker=""
while [ $# -gt 0 ]; do
  case "$1" in
    --worker-unit) worker="\${2:?--worker-unit needs a unit name}"; shift 2 ;;
    --config) config="\${2:?--config needs a file}"; shift 2 ;;
    --shared-secret-file) secret="\${2:?--shared-secret-file needs a path}"; shift 2 ;;
    --run-as-root) unit="graceful-autoscaler-agent-root.service"; shift ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 64 ;;
  esac
done
[ -n "$config" ] || { echo "install.sh: --config is required (the stack's AgentConfig output)" >&2; exit 64; }
[ -f "$config" ] || { echo "install.sh: no such config file: $config" >&2; exit 66; }
# The unit hands the secret over as a systemd credential: an absolute path, no spaces (as config requires).
if [ -n "$secret" ] && ! [[ "$secret" =~ ^/[A-Za-z0-9._/-]{1,254}$ ]]; then
  echo "install.sh: --shared-secret-file must be an absolute path of letters, digits and ._/-: $secret" >&2; exit 64
fi
# A unit name as systemd.unit(5) allows it, and nothing else: it becomes a directory name below.
if [ -n "$worker" ] && { ! [[ "$worker" =~ ^[A-Za-z0-9:_.@-]{1,247}\\.service$ ]] || [ "$worker" = "${AGENT_SERVICE}" ] || [ "$worker" = "${GATE_SERVICE}" ]; }; then
  echo "install.sh: --worker-unit must be the worker's systemd service unit, such as trino.service: $worker" >&2; exit 64
fi
if [ ! -x "$root${AGENT_PATHS.node}" ]; then
  command -v dnf >/dev/null 2>&1 || { echo "install.sh: ${AGENT_PATHS.node} is missing and there is no dnf to install nodejs22" >&2; exit 69; }
  dnf install -y nodejs22
fi
install -d -m 0755 "$root/opt/graceful-autoscaler" "$root/etc/graceful-autoscaler" "$root${unitDir}"
install -m 0644 "$here/agent.js" "$root${AGENT_PATHS.bundle}"
install -m 0600 "$config" "$root${AGENT_PATHS.config}"
if [ -n "$secret" ]; then
  sed "s#^LoadCredential=agent.json:.*#&\\nLoadCredential=trino-shared-secret:$secret#" "$here/$unit" > "$root${AGENT_PATHS.unit}"
else
  install -m 0644 "$here/$unit" "$root${AGENT_PATHS.unit}"
fi
chmod 0644 "$root${AGENT_PATHS.unit}"
install -m 0644 "$here/${GATE_SERVICE}" "$root${AGENT_PATHS.gateUnit}"
if [ -n "$worker" ]; then
  install -d -m 0755 "$root${unitDir}/$worker.d"
  install -m 0644 "$here/${GATE_DROP_IN}" "$root${unitDir}/$worker.d/${GATE_DROP_IN}"
fi
systemctl daemon-reload
systemctl enable --now ${AGENT_SERVICE}
echo "graceful-autoscaler agent ${version} installed; journalctl -u ${AGENT_SERVICE} shows it start"
`;
}

/** Builds the artifact directory under `outDir` and its tarball beside it; returns the directory. */
export function buildAgentArtifact(outDir: string, version: string): { dir: string; tarball: string } {
  const name = artifactName(version);
  const dir = join(outDir, name);
  mkdirSync(dir, { recursive: true });
  bundleAgent(join(dir, 'agent.js'));
  writeFileSync(join(dir, 'graceful-autoscaler-agent.service'), `${systemdUnit().join('\n')}\n`);
  writeFileSync(join(dir, 'graceful-autoscaler-agent-root.service'), `${systemdUnit({ runAsRoot: true }).join('\n')}\n`);
  writeFileSync(join(dir, GATE_SERVICE), `${inServiceGateUnit().join('\n')}\n`);
  writeFileSync(join(dir, GATE_DROP_IN), `${workerGateDropIn().join('\n')}\n`);
  writeFileSync(join(dir, 'install.sh'), installScript(version));
  chmodSync(join(dir, 'install.sh'), 0o755);
  writeFileSync(join(dir, 'VERSION'), `${version}\n`);
  const tarball = join(outDir, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', tarball, '-C', outDir, name]);
  return { dir, tarball };
}
