import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_GATE_OPTIONS } from '../../agent/in-service';

const run = promisify(execFile);
const tsx = join(__dirname, '../../node_modules/.bin/tsx');
const cli = join(__dirname, '../../bin/agent.ts');

test('--help and -h print both commands with every option and its default, exit 0, before reading any configuration', async () => {
  for (const args of [['--help'], ['-h'], ['wait-in-service', '--help']]) {
    const { stdout } = await run(tsx, [cli, ...args]);
    expect(stdout).toMatch(/^usage: agent --config PATH/);
    expect(stdout).toContain(`--poll-seconds N`);
    expect(stdout).toMatch(new RegExp(`--poll-seconds N .*\\(default: ${DEFAULT_GATE_OPTIONS.pollSeconds}\\)`));
    expect(stdout).toMatch(new RegExp(`--absent-grace-seconds N .*\\(default: ${DEFAULT_GATE_OPTIONS.absentGraceSeconds}\\)`));
    expect(stdout).toMatch(new RegExp(`--imds-limit-seconds N .*\\(default: ${DEFAULT_GATE_OPTIONS.imdsLimitSeconds}\\)`));
  }
  // A usage error stays exit 2.
  const refused = await run(tsx, [cli, 'wait-in-service', '--bogus']).catch((e) => e);
  expect(refused.code).toBe(2);
  const noConfig = await run(tsx, [cli]).catch((e) => e);
  expect(noConfig.code).toBe(2);
}, 60_000);
