import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { buildDataset, tableReferences } from '../../workload/dataset';
import { Plan, validatePlan } from '../../workload/plan';
import { PostgresTarget, replay } from '../../workload/replay';
import { Dialect } from '../../workload/tokenizer';
import { Postgres, startPostgres } from './servers';

const names = (sql: string, dialect: Dialect = 'trino') => tableReferences(sql, dialect).map((r) => r.parts.join('.'));

test.each([
  ['SELECT * FROM orders WHERE id = 1', ['orders']],
  ['SELECT * FROM hive.sales.orders o JOIN "hive"."sales"."Customers" c ON o.c = c.id', ['hive.sales.orders', 'hive.sales.customers']],
  ['SELECT * FROM a, b AS x, c y WHERE a.id = x.id', ['a', 'b', 'c']],
  ['SELECT * FROM a LEFT OUTER JOIN b USING (id) CROSS JOIN c', ['a', 'b', 'c']],
  ['WITH big AS (SELECT * FROM orders), small (k) AS (SELECT k FROM lineitem) SELECT * FROM big JOIN small ON true', ['orders', 'lineitem']],
  ['SELECT * FROM (SELECT * FROM inner_t) AS s', ['inner_t']],
  ['SELECT extract(year FROM d), substring(s FROM 1 FOR 2), trim(both \'x\' FROM s) FROM t', ['t']],
  ['SELECT * FROM t WHERE a IS DISTINCT FROM b', ['t']],
  ['SELECT * FROM UNNEST(ARRAY[1, 2]) AS u(x), t', ['t']],
  ['SELECT * FROM (VALUES (1, 2)) AS v(a, b)', []],
  ['SELECT * FROM information_schema.tables, system.runtime.nodes', []],
  ['INSERT INTO audit (id, note) SELECT id, note FROM events', ['audit', 'events']],
  ['UPDATE orders SET status = \'x\' WHERE id IN (SELECT id FROM stale)', ['orders', 'stale']],
  ['DELETE FROM orders WHERE id = 4', ['orders']],
  ['SELECT * FROM t TABLESAMPLE BERNOULLI (5)', ['t']],
  ['SELECT a FROM t1 UNION ALL SELECT a FROM t2', ['t1', 't2']],
])('trino: %j uses %j', (sql, expected) => expect(names(sql)).toEqual(expected));

test('PostgreSQL keeps quoted names exact; generate_series and pg_ catalogs are not tables', () => {
  expect(names('SELECT * FROM "Orders", orders, generate_series(1, 3) g, pg_class', 'postgres')).toEqual(['Orders', 'orders']);
});

test('MySQL backticks', () => expect(names('SELECT * FROM `shop`.`Orders` o JOIN dual', 'mysql')).toEqual(['shop.orders']));

const plan = (dialect: Dialect, sqls: string[]): Plan => ({
  version: 1,
  source: 'test',
  compress: 1,
  dialect,
  clusters: [],
  queries: sqls.map((sql, i) => ({ at: i, cluster: `c${i % 2}`, sql, durationS: 1 })),
});

test('Trino: CTAS with TABLESAMPLE BERNOULLI into the test schema, and the plan rewritten to the copies', () => {
  const d = buildDataset(plan('trino', ['SELECT * FROM hive.sales.orders o JOIN hive.crm.orders x ON o.id = x.id', 'SELECT count(*) FROM "hive"."sales"."ORDERS" -- same table']), {
    dialect: 'trino',
    schema: 'hive.loadtest',
    percent: 5,
    seed: 1,
  });
  expect(d.statements).toEqual([
    'CREATE SCHEMA IF NOT EXISTS hive.loadtest',
    'DROP TABLE IF EXISTS hive.loadtest.hive_crm_orders',
    'CREATE TABLE hive.loadtest.hive_crm_orders AS SELECT * FROM hive.crm.orders TABLESAMPLE BERNOULLI (5)',
    'DROP TABLE IF EXISTS hive.loadtest.hive_sales_orders',
    'CREATE TABLE hive.loadtest.hive_sales_orders AS SELECT * FROM hive.sales.orders TABLESAMPLE BERNOULLI (5)',
  ]);
  expect(d.plan.queries.map((q) => q.sql)).toEqual([
    'SELECT * FROM hive.loadtest.hive_sales_orders o JOIN hive.loadtest.hive_crm_orders x ON o.id = x.id',
    'SELECT count(*) FROM hive.loadtest.hive_sales_orders -- same table',
  ]);
  expect(d.clusters).toEqual([
    { id: 'c0', tables: ['hive.crm.orders', 'hive.sales.orders'] },
    { id: 'c1', tables: ['hive.sales.orders'] },
  ]);
});

test('a subquery before a later table in one FROM list: each reference is rewritten where it stands', () => {
  const sql = 'SELECT * FROM (SELECT id FROM a) AS s, b JOIN (SELECT id FROM c) x ON true';
  expect(names(sql)).toEqual(['a', 'b', 'c']);
  const d = buildDataset(plan('trino', [sql]), { dialect: 'trino', schema: 'lt', percent: 1, seed: 1 });
  expect(d.plan.queries[0].sql).toBe('SELECT * FROM (SELECT id FROM lt.a) AS s, lt.b JOIN (SELECT id FROM lt.c) x ON true');
});

test.each([
  [{ percent: 0 }, /--sample \(0\) must be a percentage > 0 and <= 100/],
  [{ percent: 150 }, /--sample \(150\)/],
  [{ schema: 'a.b.c' }, /--schema \("a.b.c"\) must be schema or catalog.schema/],
  [{ schema: 'x; DROP TABLE y' }, /--schema/],
])('bad options %j are refused', (options, message) => {
  expect(() => buildDataset(plan('trino', ['SELECT 1']), { dialect: 'trino', schema: 'loadtest', percent: 10, seed: 1, ...options })).toThrow(message);
});

describe('end to end on a real PostgreSQL: history → plan → data set → replay on the copies', () => {
  let pg: Postgres | undefined;
  const run = promisify(execFile);
  const tsx = join(__dirname, '../../node_modules/.bin/tsx');
  const cli = join(__dirname, '../../bin/workload.ts');
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => pg?.stop());

  test('every replayed query succeeds on the sampled copies, and none touches the source tables', async () => {
    if (!pg) {
      console.warn('PostgreSQL is not installed here: data set test not run (CI installs it and sets GA_REQUIRE_POSTGRES)');
      return;
    }
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`
      DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS loadtest CASCADE; CREATE SCHEMA shop;
      CREATE TABLE shop."Customers" (id int PRIMARY KEY, region text);
      CREATE TABLE shop.orders (id int PRIMARY KEY, customer int, amount numeric, day date);
      CREATE TABLE shop.audit (id int, note text);
      INSERT INTO shop."Customers" SELECT g, (ARRAY['eu','us','ap'])[1 + g % 3] FROM generate_series(1, 500) g;
      INSERT INTO shop.orders SELECT g, 1 + g % 500, g % 97, DATE '2026-01-01' + g % 300 FROM generate_series(1, 4000) g;`);
    const dir = mkdtempSync(join(tmpdir(), 'ga-dataset-'));
    const shapes = [
      (k: number) => `SELECT * FROM shop.orders WHERE id = ${k}`,
      (k: number) => `SELECT c.region, sum(o.amount) FROM shop.orders o JOIN shop."Customers" c ON c.id = o.customer WHERE o.day > DATE '2026-03-01' + ${k % 30} GROUP BY 1 ORDER BY 2 DESC`,
      (k: number) => `WITH recent AS (SELECT * FROM shop.orders WHERE day > DATE '2026-06-01') SELECT extract(month FROM day), count(*) FROM recent WHERE amount IS DISTINCT FROM ${k} GROUP BY 1`,
      (k: number) => `INSERT INTO shop.audit (id, note) VALUES (${k}, 'replayed ${k}')`,
      (k: number) => `SELECT count(*) FROM generate_series(1, ${k % 10 + 1}) g, shop."Customers" WHERE id < ${k}`,
    ];
    const rows = Array.from({ length: 200 }, (_, k) => `${1_700_000_000 + k},0.5,"${shapes[k % shapes.length](k).replace(/"/g, '""')}"`);
    writeFileSync(join(dir, 'history.csv'), ['arrival,duration_s,query', ...rows].join('\n'));
    const planFile = join(dir, 'plan.json');
    await run(tsx, [cli, 'analyze', join(dir, 'history.csv'), '--dialect', 'postgres', '--plan', planFile, '--queries', '100', '--compress', '1000']);
    const { stdout } = await run(tsx, [cli, 'dataset', planFile, '--schema', 'loadtest', '--sample', '50', '--out', join(dir, 'dataset.sql'), '--json']);
    const summary = JSON.parse(stdout);
    expect(summary.tables.map((t: { source: string }) => t.source).sort()).toEqual(['shop."Customers"', 'shop.audit', 'shop.orders']);
    expect(summary.clusters).toHaveLength(5);

    await client.query(readFileSync(join(dir, 'dataset.sql'), 'utf8'));
    const count = async (table: string) => (await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
    const copied = await count('loadtest.orders');
    expect(copied).toBeGreaterThan(1000);
    expect(copied).toBeLessThan(3000); // about half of 4000
    // Hide the sources: a query still pointing at them would now fail.
    await client.query('ALTER SCHEMA shop RENAME TO shop_hidden');
    const rewritten = validatePlan(JSON.parse(readFileSync(join(dir, 'plan.dataset.json'), 'utf8')));
    expect(rewritten.queries).toHaveLength(100);
    const target = new PostgresTarget(pg.url, 4);
    let report;
    try {
      report = await replay(rewritten, target, { concurrency: 4, speed: 1 });
    } finally {
      await target.close();
    }
    expect(report.firstErrors).toEqual([]);
    expect(report).toMatchObject({ queries: 100, errors: 0 });
    expect(await count('loadtest.audit')).toBe(20);
    expect(await count('shop_hidden.audit')).toBe(0);
    await client.end();
  }, 120_000);
});
