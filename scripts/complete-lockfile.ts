#!/usr/bin/env node
/**
 * `npm run lockfile:complete` — run after `npm install`. The registry these machines reach does not
 * carry other platforms' prebuilt binaries (@swc/core-darwin-arm64, @unrs/resolver-binding-win32-*,
 * ...), so `npm install` leaves them out of package-lock.json, and `npm ci` then refuses the lockfile
 * ("Missing: … from lock file") here and everywhere. This adds each missing optional platform package
 * with the os/cpu/libc its name declares, exactly as npm records them; npm ci skips them on other
 * platforms and fetches them by version where they apply.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const OS = new Set(['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony']);
const CPU = new Set(['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32']);

type Entry = { version?: string; optionalDependencies?: Record<string, string>; dev?: boolean };

/** os, cpu and libc from a platform package name such as core-linux-arm-gnueabihf or resolver-binding-win32-x64-msvc. */
export function platformOf(name: string): { os: string[]; cpu: string[]; libc?: string[] } {
  const parts = name.split('/').pop()!.split('-');
  const i = parts.findIndex((p) => OS.has(p));
  if (i < 0 || !CPU.has(parts[i + 1])) throw new Error(`${name}: not a <name>-<os>-<cpu>[-<abi>] platform package; add it to the lockfile by hand`);
  const abi = parts[i + 2];
  const libc = abi?.startsWith('musl') ? ['musl'] : abi?.startsWith('gnu') ? ['glibc'] : undefined;
  return { os: [parts[i]], cpu: [parts[i + 1]], ...(libc ? { libc } : {}) };
}

function main(): void {
  const path = process.argv[2] ?? 'package-lock.json';
  const lock = JSON.parse(readFileSync(path, 'utf8')) as { packages: Record<string, Entry> };
  let added = 0;
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const where = `node_modules/${name}`;
      if (lock.packages[where]) continue;
      lock.packages[where] = { version, ...platformOf(name), ...(entry.dev ? { dev: true } : {}), optional: true } as Entry;
      added++;
      console.log(`added ${name}@${version} (optional dependency of ${key.replace(/^node_modules\//, '') || 'the project'})`);
    }
  }
  // npm keeps packages sorted by path, the root first.
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(added === 0 ? 'lockfile already complete' : `${added} platform packages added to ${path}`);
}

if (require.main === module) main();
