/**
 * moto (an AWS emulator, `moto_server` 5.2 on the machine image) started on a loopback port for the
 * adapter suite. Absent, the suite says so and skips, unless GA_REQUIRE_MOTO is set (CI), which makes
 * its absence a failure.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from './free-port';

export interface Moto {
  readonly endpoint: string;
  /** Client settings pointing an SDK client at this server. */
  readonly client: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string }; maxAttempts: number };
  stop(): void;
}

export function motoInstalled(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

export async function startMoto(): Promise<Moto | undefined> {
  if (!motoInstalled()) {
    if (process.env.GA_REQUIRE_MOTO) throw new Error('GA_REQUIRE_MOTO is set but moto_server is not installed (pip install "moto[server]")');
    return undefined;
  }
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 100 || child.exitCode !== null) {
      child.kill();
      throw new Error(`moto_server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    client: { endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 },
    stop: () => void child.kill(),
  };
}
