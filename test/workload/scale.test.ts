/**
 * Inputs a real history has that made `analyze` slow or crash (#13): huge VALUES lists, unbalanced
 * and deeply nested brackets, one enormous cluster. Each must finish with the right answer; how fast
 * is measured by `npm run bench:signature`, not asserted here.
 */
import { HistoryRecord } from '../../workload/history';
import { buildPlan, clusterHistory } from '../../workload/plan';
import { signatureOf } from '../../workload/signature';

test('a 2.6 MB INSERT … VALUES collapses to one row', () => {
  const rows = Array.from({ length: 110_000 }, (_, k) => `(${k}, 'name-${k}', ${k}.25)`).join(', ');
  const sql = `INSERT INTO t (a, b, c) VALUES ${rows}`;
  expect(sql.length).toBeGreaterThan(2_600_000);
  expect(signatureOf(sql).signature).toBe('insert into t(a, b, c) values (?+)');
});

test('30,000 unbalanced opening brackets', () => {
  const sql = `SELECT ${'('.repeat(30_000)}a FROM t`;
  expect(signatureOf(sql).signature).toBe(`select ${'('.repeat(30_000)}a from t`);
});

test('30,000 unbalanced closing brackets', () => {
  const sql = `SELECT a${')'.repeat(30_000)} FROM t`;
  expect(signatureOf(sql).signature).toBe(`select a${')'.repeat(30_000)} from t`);
});

test('SQL nested 200,000 deep does not overflow the stack', () => {
  const depth = 200_000;
  const sql = `SELECT ${'coalesce('.repeat(depth)}a${')'.repeat(depth)} FROM t`;
  expect(signatureOf(sql).signature).toBe(`select ${'coalesce('.repeat(depth)}a${')'.repeat(depth)} from t`);
  // Brackets around a value are not a list (only IN, VALUES and ARRAY lists collapse): they stay.
  expect(signatureOf(`SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`).signature).toBe(`select ${'('.repeat(depth)}?${')'.repeat(depth)}`);
});

test('150,000 records of one cluster cluster and plan', () => {
  const records: HistoryRecord[] = Array.from({ length: 150_000 }, (_, k) => ({ arrival: 1_000_000 + k * 0.1, durationS: 1, query: `SELECT * FROM t WHERE id = ${k}` }));
  const clustered = clusterHistory(records);
  expect(clustered.clusters).toHaveLength(1);
  expect(clustered.clusters[0].count).toBe(150_000);
  const plan = buildPlan(records, clustered, 40_000, 1, 'test');
  expect(plan.queries).toHaveLength(40_000);
  expect(plan.queries[0].at).toBeGreaterThanOrEqual(0);
  expect(plan.queries.at(-1)!.at).toBeLessThanOrEqual(15_000);
});

test('an empty query is not a cluster', () => {
  const records: HistoryRecord[] = [
    { arrival: 0, durationS: 1, query: 'SELECT 1' },
    { arrival: 1, durationS: 1, query: '-- nothing but a comment' },
    { arrival: 2, durationS: 1, query: ';' },
  ];
  const clustered = clusterHistory(records);
  expect(clustered.clusters.map((c) => c.signature)).toEqual(['select ?']);
  expect(clustered.unparseable).toBe(2);
  expect(clustered.assignment).toEqual([clustered.clusters[0].id, undefined, undefined]);
});
