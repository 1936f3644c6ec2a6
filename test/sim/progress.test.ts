import { PROGRESS_QUIET_MS, READ_PROGRESS_BYTES, readProgress, simulationProgress } from '../../sim/progress';

/** A stderr that is not a terminal, and a clock the test moves. */
function fakes(isTTY = false) {
  const lines: string[] = [];
  let clock = 0;
  return { out: { isTTY, write: (text: string) => lines.push(text) }, lines, now: () => clock, advance: (ms: number) => (clock += ms) };
}

// Issue 40 item 7: piped, a run said nothing for 6.4 minutes.
test('not on a terminal: a line at each tenth of all the runs, naming the run and the time elapsed; never a bar', () => {
  const f = fakes();
  const progress = simulationProgress(['signals', 'no-hook'], f.out, f.now);
  for (let k = 0; k < 2; k++) {
    const report = progress.run(k);
    for (let step = 0; step <= 100; step++) {
      f.advance(100);
      report(step / 100);
    }
  }
  progress.end();
  expect(f.lines).toHaveLength(11);
  expect(f.lines[0]).toBe('simulating: 10% (run 1 of 2, signals), 2s elapsed\n');
  expect(f.lines[5]).toBe('simulating: 60% (run 2 of 2, no-hook), 12s elapsed\n');
  expect(f.lines[9]).toBe('simulating: 100% (run 2 of 2, no-hook), 20s elapsed\n');
  expect(f.lines[10]).toBe('simulated in 20s\n');
  expect(f.lines.join('')).not.toContain('\r');
});

test('a slow stretch still says where it is every 30 s, while the work advances', () => {
  const f = fakes();
  const report = simulationProgress(['signals'], f.out, f.now).run(0);
  // 1% a minute: no tenth for ten minutes, but a line each time 30 s have passed and a percent more is done.
  for (let step = 1; step < 10; step++) {
    f.advance(60_000);
    report(step / 100);
  }
  expect(f.lines).toHaveLength(9);
  expect(f.lines[0]).toBe('simulating: 1% (run 1 of 1, signals), 1m elapsed\n');
  f.advance(PROGRESS_QUIET_MS);
  report(0.09);
  expect(f.lines).toHaveLength(9);
});

test('on a terminal: a bar per run, as before', () => {
  const f = fakes(true);
  const report = simulationProgress(['signals'], f.out, f.now).run(0);
  report(0.5);
  report(1);
  expect(f.lines[0]).toMatch(/^\rsignals\s+\[#{15}\.{15}\]  50%$/);
  expect(f.lines[1]).toMatch(/100%\n$/);
});

test('a large file says how far its reading has come, at each tenth; a small one says nothing', () => {
  const f = fakes();
  expect(readProgress('small.csv', READ_PROGRESS_BYTES - 1, f.out)).toBeUndefined();
  const size = 1_000_000_000;
  const onBytes = readProgress('big.csv', size, f.out)!;
  for (let read = 0; read <= size; read += 1 << 20) onBytes(read);
  onBytes(size);
  expect(f.lines).toHaveLength(10);
  expect(f.lines[0]).toBe('reading big.csv: 10% (101 MB of 1,000 MB)\n');
  expect(f.lines[9]).toBe('reading big.csv: 100% (1,000 MB of 1,000 MB)\n');
});
