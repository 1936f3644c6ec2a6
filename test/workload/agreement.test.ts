/**
 * Our signatures against the engines' own grouping of the same generated history (testing/sql-corpus.ts:
 * 60 TPC-H templates, their one-token near-misses, and literal, list, layout, comment, case and
 * quoting variants). Each test reports the adjusted Rand index and fails below the goal in #13:
 * PostgreSQL's pg_stat_statements query ids (a real server; IN lists of other lengths get other ids
 * there and one id here, by design), libpg-query's fingerprints (the real PostgreSQL parser),
 * the corpus's own labels for Trino SQL, and Percona's pt-fingerprint for MySQL SQL.
 */
import { fingerprintSync, loadModule } from 'libpg-query';
import { Client } from 'pg';
import { adjustedRandIndex, disagreements } from '../../workload/agreement';
import { CorpusQuery, TEMPLATES, TPCH_DDL, generateCorpus } from '../../testing/sql-corpus';
import { signatureOf } from '../../workload/signature';
import { ptFingerprintInstalled, ptFingerprints } from '../../testing/sql-oracles';
import { Dialect, SqlSyntaxError } from '../../workload/tokenizer';
import { Postgres, startPostgres } from './servers';

const DRAWS_PER_LABEL = 12;

/** Our ids for a corpus; a query we reject gets a label of its own (it joins nothing). */
function ours(corpus: readonly CorpusQuery[], dialect: Dialect): { ids: string[]; rejected: number } {
  let rejected = 0;
  const ids = corpus.map((q, i) => {
    try {
      return signatureOf(q.sql, dialect).id;
    } catch (e) {
      if (!(e instanceof SqlSyntaxError)) throw e;
      rejected++;
      return `rejected-${i}`;
    }
  });
  return { ids, rejected };
}

/** Reports the index and the first disagreements, so a failure says which queries to look at. */
function report(name: string, corpus: readonly CorpusQuery[], ids: string[], oracle: string[], rejected: number): number {
  const ari = adjustedRandIndex(ids, oracle);
  const { merged, split } = disagreements(ids, oracle);
  const show = ([a, b]: [number, number]) => `    ${JSON.stringify(corpus[a].sql)}\n    ${JSON.stringify(corpus[b].sql)}`;
  console.log(
    [
      `${name}: adjusted Rand index ${ari.toFixed(4)} over ${corpus.length} queries, ${new Set(oracle).size} oracle groups, ${new Set(ids).size} signatures, ${rejected} rejected`,
      `  we merge ${merged.length} pairs of its groups${merged.length ? `, e.g.\n${merged.slice(0, 3).map(show).join('\n')}` : ''}`,
      `  we split ${split.length} of its groups${split.length ? `, e.g.\n${split.slice(0, 3).map(show).join('\n')}` : ''}`,
    ].join('\n'),
  );
  return ari;
}

/** No near-miss ever shares a signature with its template or another near-miss. */
function expectNoNearMissMerged(corpus: readonly CorpusQuery[], ids: string[]): void {
  const labelsById = new Map<string, Set<string>>();
  corpus.forEach((q, i) => labelsById.set(ids[i], (labelsById.get(ids[i]) ?? new Set()).add(q.label)));
  const merged = [...labelsById.values()].filter((labels) => labels.size > 1).map((labels) => [...labels]);
  expect(merged).toEqual([]);
}

test('the corpus has at least 50 templates, with near-misses', () => {
  expect(TEMPLATES.length).toBeGreaterThanOrEqual(50);
  expect(TEMPLATES.filter((t) => t.near.length > 0).length).toBeGreaterThanOrEqual(30);
});

describe('against PostgreSQL 15+ pg_stat_statements', () => {
  let pg: Postgres | undefined;
  beforeAll(async () => {
    pg = await startPostgres({ shared_preload_libraries: 'pg_stat_statements', compute_query_id: 'on', 'pg_stat_statements.track': 'top' });
  }, 60_000);
  afterAll(() => pg?.stop());

  test('adjusted Rand index ≥ 0.95 and no near-miss merged', async () => {
    if (!pg) {
      console.warn('PostgreSQL is not installed here: pg_stat_statements agreement not measured (CI installs it and sets GA_REQUIRE_POSTGRES)');
      return;
    }
    const corpus = generateCorpus('postgres', DRAWS_PER_LABEL, 11);
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await client.query(`DROP SCHEMA IF EXISTS agreement CASCADE; CREATE SCHEMA agreement; SET search_path = agreement; ${TPCH_DDL}`);
      const oracle: string[] = [];
      for (const q of corpus) {
        // One simple-protocol message: the reset and the query are two statements, each with its own entry.
        await client.query(`SELECT public.pg_stat_statements_reset();\n${q.sql}\n`);
        const { rows } = await client.query("SELECT queryid::text AS id FROM public.pg_stat_statements WHERE query NOT LIKE 'SELECT public.pg_stat_statements_reset()%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
        expect(rows).toHaveLength(1);
        oracle.push(rows[0].id);
      }
      const { ids, rejected } = ours(corpus, 'postgres');
      const ari = report('pg_stat_statements', corpus, ids, oracle, rejected);
      expect(rejected).toBe(0);
      expectNoNearMissMerged(corpus, ids);
      expect(ari).toBeGreaterThanOrEqual(0.95);
    } finally {
      await client.end();
    }
  }, 120_000);
});

test('against libpg-query fingerprints: adjusted Rand index ≥ 0.97 where the two PostgreSQL oracles agree', async () => {
  await loadModule();
  const corpus = generateCorpus('postgres', DRAWS_PER_LABEL, 12);
  const oracle = corpus.map((q) => fingerprintSync(q.sql));
  const { ids, rejected } = ours(corpus, 'postgres');
  const raw = report('libpg-query fingerprint', corpus, ids, oracle, rejected);
  // libpg-query's fingerprint drops every constant, ORDER BY and GROUP BY positions included, so it
  // merges `ORDER BY 3, 2, 1` with `ORDER BY 1, 3, 2`; pg_stat_statements (above) and #13 keep them
  // apart, as we do. Where the two PostgreSQL oracles disagree, the goal is judged by the server's.
  const kept = corpus.flatMap((q, i) => (q.ordinalNearMiss ? [] : [i]));
  const agreed = report('libpg-query fingerprint without ordinal near-misses', kept.map((i) => corpus[i]), kept.map((i) => ids[i]), kept.map((i) => oracle[i]), rejected);
  expect(rejected).toBe(0);
  expectNoNearMissMerged(corpus, ids);
  expect(disagreements(ids, oracle).merged).toEqual([]);
  expect(raw).toBeGreaterThanOrEqual(0.96);
  expect(agreed).toBeGreaterThanOrEqual(0.97);
});

test('against the labels of Trino SQL: adjusted Rand index ≥ 0.97', () => {
  const corpus = generateCorpus('trino', DRAWS_PER_LABEL, 13);
  const { ids, rejected } = ours(corpus, 'trino');
  const ari = report('trino labels', corpus, ids, corpus.map((q) => q.label), rejected);
  expect(rejected).toBe(0);
  expectNoNearMissMerged(corpus, ids);
  expect(ari).toBeGreaterThanOrEqual(0.97);
});

// pt-fingerprint is a second reference since issue 41 (the server's own digest, test/workload/real-sql.test.ts,
// is the oracle): it keeps `sbtest1` apart from sbtest1, where the server and we read backticks as quoting only.
test("against Percona's pt-fingerprint on MySQL SQL: reported, and no near-miss merged", () => {
  if (!ptFingerprintInstalled()) {
    if (process.env.GA_REQUIRE_PT_FINGERPRINT) throw new Error('GA_REQUIRE_PT_FINGERPRINT is set but pt-fingerprint is not installed (apt-get install percona-toolkit)');
    console.warn('pt-fingerprint is not installed here: its agreement is not measured (apt-get install percona-toolkit; CI requires it)');
    return;
  }
  const corpus = generateCorpus('mysql', DRAWS_PER_LABEL, 14);
  const oracle = ptFingerprints(corpus.map((q) => q.sql)).fingerprints;
  const { ids, rejected } = ours(corpus, 'mysql');
  report('pt-fingerprint', corpus, ids, oracle, rejected);
  expect(rejected).toBe(0);
  expectNoNearMissMerged(corpus, ids);
  // Backticks aside, it still agrees: with them stripped from its input, the goal of #13 holds.
  const unquoted = ptFingerprints(corpus.map((q) => q.sql.replace(/`/g, ''))).fingerprints;
  expect(report('pt-fingerprint, backticks stripped', corpus, ids, unquoted, rejected)).toBeGreaterThanOrEqual(0.9);
});
