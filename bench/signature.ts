/**
 * npm run bench:signature — one JSON line per measurement:
 *
 * 1. `rate`: signatures per second on the same 1 KB-class queries (TPC-H shapes from the agreement
 *    corpus, two joined per query), ours beside libpg-query's fingerprint (npm) and Percona's
 *    pt-fingerprint (Debian percona-toolkit, when installed; its time includes starting Perl).
 * 2. `scaling`: how time grows when an input doubles, up to 10 MB, for the inputs that used to be
 *    quadratic: one huge INSERT … VALUES, unbalanced and deeply nested brackets, and a whole history
 *    through `analyze` (parse, cluster, plan). Linear time shows as a ratio near 2.
 */
import { fingerprintSync, loadModule } from 'libpg-query';
import { Rng } from '../sim/rng';
import { generateCorpus } from '../testing/sql-corpus';
import { parseHistory } from '../workload/history';
import { ptFingerprintInstalled, ptFingerprints } from '../testing/sql-oracles';
import { buildPlan, clusterHistory } from '../workload/plan';
import { signatureOf } from '../workload/signature';

const RATE_QUERIES = 20_000;
const SCALING_SIZES_MB = [1.25, 2.5, 5, 10];

const emit = (o: object) => console.log(JSON.stringify(o));
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Best of five: the least disturbed by the machine's other work and the collector. */
function time(work: () => void): number {
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    work();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function kilobyteQueries(n: number): string[] {
  const rng = new Rng(5);
  const selects = generateCorpus('postgres', 40, 5)
    .map((q) => q.sql.replace(/;\s*$/, ''))
    .filter((sql) => /^\s*(\/\*.*?\*\/\s*)?select/is.test(sql) && !/--|\/\*.*\/\*/s.test(sql));
  const out: string[] = [];
  while (out.length < n) {
    let sql = `(${selects[rng.int(selects.length)]}\n)`;
    while (sql.length < 900) sql = `${sql}\nUNION ALL\n(${selects[rng.int(selects.length)]}\n)`;
    out.push(sql);
  }
  return out;
}

async function rate(): Promise<void> {
  const queries = kilobyteQueries(RATE_QUERIES);
  const meanChars = Math.round(queries.reduce((s, q) => s + q.length, 0) / queries.length);
  const oursMs = time(() => queries.forEach((q) => signatureOf(q, 'postgres')));
  await loadModule();
  const libpgMs = time(() => queries.forEach((q) => fingerprintSync(q)));
  const ptMs = ptFingerprintInstalled() ? ptFingerprints(queries).wallMs : undefined;
  const perSec = (ms: number) => Math.round(queries.length / (ms / 1000));
  emit({
    bench: 'rate',
    queries: queries.length,
    meanQueryChars: meanChars,
    oursPerSec: perSec(oursMs),
    libpgQueryPerSec: perSec(libpgMs),
    ptFingerprintPerSec: ptMs === undefined ? null : perSec(ptMs),
    oursOverPtFingerprint: ptMs === undefined ? null : round(ptMs / oursMs, 2),
    oursOverLibpgQuery: round(libpgMs / oursMs, 2),
  });
}

const hugeInsert = (bytes: number) => {
  const rows: string[] = [];
  let size = 40;
  for (let k = 0; size < bytes; k++) {
    const row = `(${k}, 'customer ${k}', ${k % 997}.25)`;
    rows.push(row);
    size += row.length + 2;
  }
  return `INSERT INTO audit (id, note, amount) VALUES ${rows.join(', ')}`;
};
const unbalanced = (bytes: number) => `SELECT ${'('.repeat(bytes)}a FROM t`;
const nested = (bytes: number) => `SELECT ${'coalesce('.repeat(Math.floor(bytes / 10))}a${')'.repeat(Math.floor(bytes / 10))} FROM t`;
function history(bytes: number): string {
  const rng = new Rng(9);
  const corpus = generateCorpus('trino', 10, 9).map((q) => q.sql.replace(/"/g, '""'));
  const lines = ['arrival,duration_s,query'];
  let size = 0;
  for (let k = 0; size < bytes; k++) {
    const line = `${1_700_000_000 + k},${(rng.next() * 30).toFixed(2)},"${corpus[k % corpus.length]}"`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function scaling(): void {
  const inputs: [string, (bytes: number) => string, (input: string) => void][] = [
    ['insert-values', hugeInsert, (sql) => signatureOf(sql)],
    ['unbalanced-brackets', unbalanced, (sql) => signatureOf(sql)],
    ['nested-brackets', nested, (sql) => signatureOf(sql)],
    [
      'analyze-history',
      history,
      (text) => {
        const h = parseHistory(text);
        const clustered = clusterHistory(h.records, 'trino');
        buildPlan(h.records, clustered, h.records.length, 1, 'bench');
      },
    ],
  ];
  for (const [name, make, run] of inputs) {
    let previous: number | undefined;
    let first: number | undefined;
    for (const mb of SCALING_SIZES_MB) {
      const input = make(Math.round(mb * 1024 * 1024));
      const ms = time(() => run(input));
      first ??= ms;
      // Per doubling: this size against half of it, and the mean over every doubling so far (less noisy).
      const doublings = Math.log2(mb / SCALING_SIZES_MB[0]);
      emit({
        bench: 'scaling',
        input: name,
        megabytes: mb,
        wallMs: round(ms, 1),
        ratioToHalf: previous === undefined ? null : round(ms / previous, 2),
        meanRatioPerDoubling: doublings === 0 ? null : round((ms / first) ** (1 / doublings), 2),
      });
      previous = ms;
    }
  }
}

rate()
  .then(scaling)
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
