import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformOf } from '../../scripts/complete-lockfile';

test.each([
  ['@swc/core-darwin-arm64', { os: ['darwin'], cpu: ['arm64'] }],
  ['@swc/core-linux-arm-gnueabihf', { os: ['linux'], cpu: ['arm'], libc: ['glibc'] }],
  ['@swc/core-linux-x64-musl', { os: ['linux'], cpu: ['x64'], libc: ['musl'] }],
  ['@unrs/resolver-binding-win32-ia32-msvc', { os: ['win32'], cpu: ['ia32'] }],
  ['@unrs/resolver-binding-linux-arm-musleabihf', { os: ['linux'], cpu: ['arm'], libc: ['musl'] }],
  ['@unrs/resolver-binding-openharmony-arm64', { os: ['openharmony'], cpu: ['arm64'] }],
])('%s declares %j', (name, platform) => {
  expect(platformOf(name)).toEqual(platform);
});

test('a name that is not a platform package is refused, not guessed', () => {
  expect(() => platformOf('left-pad')).toThrow(/not a <name>-<os>-<cpu>/);
});

test('the committed lockfile lists every optional dependency, so npm ci accepts it', () => {
  const lock = JSON.parse(readFileSync(join(__dirname, '../../package-lock.json'), 'utf8')) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
  const missing = Object.values(lock.packages).flatMap((p) => Object.keys(p.optionalDependencies ?? {})).filter((name) => !lock.packages[`node_modules/${name}`]);
  expect(missing).toEqual([]);
});
