import { shortId, signatureOf } from '../../workload/signature';
import { SqlSyntaxError, tokenize } from '../../workload/tokenizer';

// [query, expected signature]
const table: [string, string][] = [
  // literals of every kind
  ["SELECT * FROM t WHERE a = 1", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a = 1.5", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a = .5", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a = 1e10", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a = 2.5E-3", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a = 0xFF", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a = 1_000_000", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a = -5", 'select * from t where a = ?'],
  ["SELECT * FROM t WHERE a > +5", 'select * from t where a > ?'],
  ["SELECT a - 5 FROM t", 'select a - ? from t'],
  ["SELECT (a) - 5 FROM t", 'select (a) - ? from t'],
  ["SELECT * FROM t WHERE s = 'text'", 'select * from t where s = ?'],
  ["SELECT * FROM t WHERE s = 'it''s'", 'select * from t where s = ?'],
  ["SELECT * FROM t WHERE s = ''", 'select * from t where s = ?'],
  ["SELECT * FROM t WHERE s = 'multi\nline'", 'select * from t where s = ?'],
  ["SELECT * FROM t WHERE s = E'a\\'b'", 'select * from t where s = ?'],
  ["SELECT * FROM t WHERE b = X'DEADBEEF'", 'select * from t where b = ?'],
  ["SELECT * FROM t WHERE s = U&'caf\\00E9'", 'select * from t where s = ?'],
  ["SELECT * FROM t WHERE f = true AND g IS NOT NULL", 'select * from t where f = ? and g is not null'],
  ["SELECT * FROM t WHERE d = DATE '2024-01-01'", 'select * from t where d = date ?'],
  // A typed literal keeps its type, in one spelling; an interval's qualifier belongs to its literal.
  ["SELECT * FROM t WHERE ts < TIMESTAMP '2024-01-01 10:00:00.000'", 'select * from t where ts < timestamp ?'],
  ["SELECT * FROM t WHERE ts < TIMESTAMP WITH TIME ZONE '2024-01-01 10:00 UTC'", 'select * from t where ts < timestamp with time zone ?'],
  ["SELECT * FROM t WHERE ts > now() - INTERVAL '1' DAY", 'select * from t where ts > now() - interval ?'],
  ["SELECT * FROM t WHERE ts > now() - INTERVAL '2' HOUR TO SECOND", 'select * from t where ts > now() - interval ?'],
  ["SELECT DECIMAL '1.50', REAL '2.0', CHAR 'x' FROM t", 'select numeric ?, real ?, character ? from t'],
  ["SELECT round(1.25, 1), round(1.25) FROM t", 'select round(?, ?), round(?) from t'],
  ["SELECT * FROM t WHERE id = ? AND x = $1", 'select * from t where id = ? and x = ?'],
  ["SELECT date(ts) FROM t", 'select date(ts) from t'],
  // lists collapse
  ["SELECT * FROM t WHERE a IN (1, 2, 3)", 'select * from t where a in (?+)'],
  ["SELECT * FROM t WHERE a IN (1)", 'select * from t where a in (?+)'],
  ["SELECT * FROM t WHERE a IN ('x', 'y', 'z', 'w')", 'select * from t where a in (?+)'],
  ["SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4), (5, 6))", 'select * from t where (a, b) in (?+)'],
  ["SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = 1)", 'select * from t where a in (select b from u where c = ?)'],
  ["INSERT INTO t VALUES (1, 'a')", 'insert into t values (?+)'],
  ["INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')", 'insert into t values (?+)'],
  // Layout is normalised: a bracket after a name is written like a call, whatever the source spacing.
  ["INSERT INTO t (a, b) VALUES (1, 2), (3, 4)", 'insert into t(a, b) values (?+)'],
  ["SELECT ARRAY[1, 2, 3]", 'select array[?+]'],
  ["SELECT ARRAY[ARRAY[1, 2], ARRAY[3]]", 'select array[array[?+], array[?+]]'],
  ["SELECT element_at(m, 'k'), a[1] FROM t", 'select element_at(m, ?), a[?] from t'],
  // comments and whitespace
  ["SELECT a -- trailing\nFROM t", 'select a from t'],
  ["/* leading */ SELECT a FROM t", 'select a from t'],
  ["SELECT a /* inline, with 'quotes' */ FROM t", 'select a from t'],
  ["SELECT\n\ta,\n\tb\nFROM\n\tt;", 'select a, b from t'],
  // case and quoting (Trino, the default dialect, folds quoted identifiers too)
  ["select A, B from T where C = 1", 'select a, b from t where c = ?'],
  ['SELECT "Mixed Case" FROM "My Table"', 'select "mixed case" from "my table"'],
  ['SELECT "a""b" FROM t', 'select "a""b" from t'],
  ['SELECT x."ID" FROM hive.sales.x', 'select x.id from hive.sales.x'],
  ["SELECT count(*), sum(amount) FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 100", 'select count(*), sum(amount) from orders group by 1 order by 2 desc limit ?'],
  ["SELECT CAST(a AS varchar) FROM t WHERE b LIKE '%x%'", 'select cast(a as varchar) from t where b like ?'],
  ["SELECT a::int FROM t", 'select a :: int from t'],
  ["SELECT CASE WHEN a > 10 THEN 'hi' ELSE 'lo' END FROM t", 'select case when a > ? then ? else ? end from t'],
];

test('the table has at least 40 cases', () => expect(table.length).toBeGreaterThanOrEqual(40));

test.each(table)('%j', (query, expected) => {
  expect(signatureOf(query).signature).toBe(expected);
});

test('queries that differ only in values share an id; different shapes do not', () => {
  const a = signatureOf("SELECT * FROM orders WHERE id = 42 AND region IN ('eu', 'us')");
  const b = signatureOf("select *\nfrom ORDERS -- latest\nwhere ID = 7 and REGION in ('ap')");
  const c = signatureOf("SELECT * FROM orders WHERE id = 42 OR region IN ('eu')");
  expect(a).toEqual(b);
  expect(a.id).not.toBe(c.id);
  expect(a.id).toMatch(/^[0-9a-f]{12}$/);
  expect(shortId(a.signature)).toBe(a.id); // stable: a pure function of the signature
});

test('quoted identifiers are identifiers, not values: "x" and x differ from a literal', () => {
  expect(signatureOf('SELECT "x" FROM t').signature).not.toBe(signatureOf("SELECT 'x' FROM t").signature);
});

test.each([
  ["SELECT 'unterminated", /unterminated string literal/],
  ['SELECT "unterminated', /unterminated quoted identifier/],
  ['SELECT 1 /* never closed', /unterminated \/\* comment/],
  ['SELECT a # b', /unexpected character "#"/],
])('%j does not tokenize', (sql, message) => {
  expect(() => tokenize(sql)).toThrow(SqlSyntaxError);
  expect(() => tokenize(sql)).toThrow(message);
});

test('the tokenizer keeps what it reads: kinds and texts', () => {
  const sql = "SELECT \"Q\".a, 'x''y', 3.5e2 FROM t WHERE b <> ? -- c";
  expect(tokenize(sql).map(({ kind, text }) => ({ kind, text }))).toEqual([
    { kind: 'word', text: 'SELECT' },
    { kind: 'quoted', text: '"Q"' },
    { kind: 'punct', text: '.' },
    { kind: 'word', text: 'a' },
    { kind: 'punct', text: ',' },
    { kind: 'string', text: "'x''y'" },
    { kind: 'punct', text: ',' },
    { kind: 'number', text: '3.5e2' },
    { kind: 'word', text: 'FROM' },
    { kind: 'word', text: 't' },
    { kind: 'word', text: 'WHERE' },
    { kind: 'word', text: 'b' },
    { kind: 'op', text: '<>' },
    { kind: 'param', text: '?' },
  ]);
  // Offsets point into the SQL, so a table name can be rewritten in place.
  expect(tokenize(sql).map((t) => sql.slice(t.start, t.start + t.text.length))).toEqual(tokenize(sql).map((t) => t.text));
});
