/**
 * Each case the query-simulation issue (#13) lists as merged or split wrongly, per dialect: pairs
 * that must share a signature, pairs that must not, and syntax each dialect must read.
 */
import { Dialect, signatureOf } from '../../workload/signature';
import { SqlSyntaxError } from '../../workload/tokenizer';

const sig = (sql: string, dialect?: Dialect) => signatureOf(sql, dialect).signature;

// [dialect, a, b]: equivalent queries
const same: [Dialect, string, string][] = [
  // Trino folds every identifier, quoted or not.
  ['trino', 'SELECT "l_orderkey" FROM lineitem', 'SELECT l_orderkey FROM lineitem'],
  ['trino', 'SELECT * FROM "hive"."sales"."orders"', 'SELECT * FROM hive.sales.orders'],
  ['trino', 'SELECT "L_OrderKey" FROM t', 'select l_orderkey from T'],
  // PostgreSQL folds unquoted names, keeps quoted ones exact: "l_orderkey" is l_orderkey.
  ['postgres', 'SELECT "l_orderkey" FROM "lineitem"', 'SELECT L_ORDERKEY FROM lineitem'],
  // MySQL backticks only quote, and case folds: `sbtest1` is sbtest1, as the server's digest reads it.
  ['mysql', 'SELECT `a`, `B` FROM `T`', 'select `A`, `b` from `t`'],
  ['mysql', 'SELECT c FROM `sbtest1` WHERE id = 5', 'SELECT c FROM sbtest1 WHERE id = 7'],
  // Equivalent operators normalize.
  ['trino', 'SELECT * FROM t WHERE a != 1', 'SELECT * FROM t WHERE a <> 2'],
  ['postgres', 'SELECT * FROM t WHERE a != 1', 'SELECT * FROM t WHERE a <> 2'],
  ['mysql', 'SELECT * FROM t WHERE a != 1', 'SELECT * FROM t WHERE a <> 2'],
  // A sign after FROM belongs to its number.
  ['trino', 'SELECT * FROM t WHERE a IS DISTINCT FROM -8639', 'SELECT * FROM t WHERE a IS DISTINCT FROM 12'],
  // VALUES lists without brackets collapse like bracketed ones.
  ['trino', 'SELECT * FROM (VALUES 27, 61) AS v(x)', 'SELECT * FROM (VALUES 5) AS v(x)'],
  // PostgreSQL's dollar quoting, escape strings and nested comments.
  ['postgres', "SELECT $$it's$$", "SELECT 'x'"],
  ['postgres', 'SELECT $fn$ body $$ inside $fn$ AS b', "SELECT 'y' AS b"],
  ['postgres', "SELECT E'a\\'b' AS s", "SELECT 'c' AS s"],
  ['postgres', '/* outer /* inner */ still a comment */ SELECT a FROM t', 'SELECT a FROM t'],
  ['postgres', 'SELECT * FROM t WHERE doc @> \'{"a": 1}\'', 'SELECT * FROM t WHERE doc @> \'{}\''],
  ['postgres', "SELECT doc #>> '{a,b}' FROM t", "SELECT doc #>> '{c}' FROM t"],
  // MySQL: # comments, "strings", backslash escapes, `-- ` comments.
  ['mysql', '# report\nSELECT a FROM t WHERE s = "x"', "SELECT a FROM t WHERE s = 'y'"],
  ['mysql', "SELECT a FROM t WHERE s = 'it\\'s' -- note", "SELECT a FROM t WHERE s = 'b'"],
  ['mysql', 'SELECT a FROM t WHERE s = "say \\"hi\\""', "SELECT a FROM t WHERE s = ''"],
  // A literal cast to a type is a typed literal, however it is spelled: PostgreSQL's parser reads all
  // three as one TypeCast of a constant, and pg_stat_statements and libpg-query give them one id.
  ['postgres', "SELECT * FROM t WHERE d = '2024-01-01'::date", "SELECT * FROM t WHERE d = DATE '2024-02-01'"],
  ['postgres', "SELECT * FROM t WHERE d = CAST('2024-03-01' AS date)", "SELECT * FROM t WHERE d = DATE '2024-02-01'"],
  ['postgres', "SELECT * FROM t WHERE d = '2024-01-01'::pg_catalog.date", "SELECT * FROM t WHERE d = DATE '2024-02-01'"],
  ['postgres', "SELECT * FROM t WHERE d > now() - '1 day'::interval", "SELECT * FROM t WHERE d > now() - INTERVAL '2 days'"],
  ['postgres', "SELECT * FROM t WHERE ts = '2024-01-01'::timestamp with time zone", "SELECT * FROM t WHERE ts = TIMESTAMP WITH TIME ZONE '2024-01-02'"],
  // One spelling per type: int, int4 and integer; varchar and character varying; timestamptz.
  ['postgres', "SELECT * FROM t WHERE n = '5'::int", "SELECT * FROM t WHERE n = int4 '7'"],
  ['postgres', "SELECT * FROM t WHERE n = '5'::integer", "SELECT * FROM t WHERE n = CAST('7' AS int4)"],
  ['postgres', "SELECT * FROM t WHERE v = 'x'::character varying", "SELECT * FROM t WHERE v = 'y'::varchar"],
  ['postgres', "SELECT * FROM t WHERE ts = 'x'::timestamptz", "SELECT * FROM t WHERE ts = TIMESTAMP WITH TIME ZONE 'y'"],
  ['postgres', "SELECT * FROM t WHERE a = '{1,2}'::int[]", "SELECT * FROM t WHERE a = CAST('{3}' AS integer[])"],
  ['postgres', 'SELECT * FROM t WHERE d = $1::date', "SELECT * FROM t WHERE d = '2024-01-01'::date"],
  // An interval's qualifier and precision belong to the literal: pg_stat_statements keeps one constant.
  ['postgres', "SELECT INTERVAL '1 2:03:04.5' MINUTE TO SECOND(2)", "SELECT INTERVAL '1 day'"],
  ['postgres', "SELECT INTERVAL(2) '1.2345 seconds'", "SELECT '5 minutes'::interval"],
  ['postgres', "SELECT INTERVAL '1' YEAR", "SELECT INTERVAL '1' DAY TO SECOND"],
  // PostgreSQL reads EXTRACT's field as a constant: every field is one query there.
  ['postgres', "SELECT EXTRACT(CENTURY FROM DATE '2020-08-11')", "SELECT EXTRACT(DECADE FROM DATE '2020-08-11')"],
  // PostgreSQL's oracles leave an output column's name out.
  ['postgres', 'SELECT 4 - 2 AS two', 'SELECT 2 - -1 AS "three"'],
  ['postgres', 'SELECT a AS x, b AS y FROM t', 'SELECT a AS p, b AS q FROM t'],
  // U&"…" names and U&'…' strings, with or without UESCAPE.
  ['postgres', 'SELECT U&"d\\0061t\\+000061" FROM t', 'SELECT data FROM t'],
  ['postgres', 'SELECT U&"d!0061t!+000061" UESCAPE \'!\' FROM t', 'SELECT data FROM t'],
  ['postgres', "SELECT U&'d!0061t!+000061' UESCAPE '!' FROM t", "SELECT 'x' FROM t"],
  ['trino', "SELECT U&'Hello winter \\2603 !' FROM t", "SELECT 'x' FROM t"],
  // MySQL's charset introducer is part of the literal.
  ['mysql', "SELECT * FROM t WHERE s = _utf8mb4'abc'", "SELECT * FROM t WHERE s = 'x'"],
  // IN, VALUES and ARRAY lists still collapse, rows of values too.
  ['postgres', 'SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))', 'SELECT * FROM t WHERE (a, b) IN ((5, 6))'],
  ['postgres', 'SELECT ARRAY[[1, 2], [3, 4]]', 'SELECT ARRAY[5]'],
  ['postgres', "SELECT * FROM t WHERE d IN ('2024-01-01'::date, '2024-01-02'::date)", "SELECT * FROM t WHERE d IN (DATE '2024-03-01')"],
  ['trino', "SELECT * FROM t WHERE d = CAST('2024-03-01' AS DATE)", "SELECT * FROM t WHERE d = DATE '2024-02-01'"],
  ['trino', "SELECT * FROM t WHERE ts < CAST('2024-03-01 00:00 UTC' AS timestamp with time zone)", "SELECT * FROM t WHERE ts < TIMESTAMP WITH TIME ZONE '2024-02-01 UTC'"],
];

// [dialect, a, b]: different queries
const different: [Dialect, string, string][] = [
  // Ordinals are positions, not literals.
  ['trino', 'SELECT a, b, c FROM t ORDER BY 3, 2, 1', 'SELECT a, b, c FROM t ORDER BY 1, 3, 2'],
  ['postgres', 'SELECT a, b FROM t GROUP BY 1, 2', 'SELECT a, b FROM t GROUP BY 2, 1'],
  // IS NULL is not IS TRUE.
  ['trino', 'SELECT * FROM t WHERE a IS NULL', 'SELECT * FROM t WHERE a IS TRUE'],
  ['postgres', 'SELECT * FROM t WHERE a IS NOT NULL', 'SELECT * FROM t WHERE a IS NOT FALSE'],
  // PostgreSQL keeps quoted names exact; Trino does not.
  ['postgres', 'SELECT "Name" FROM t', 'SELECT name FROM t'],
  // Issue 41: a function keeps its arity, a literal its type, an operator its kind.
  ['postgres', 'SELECT round(1.25, 1)', 'SELECT round(1.25)'],
  ['trino', 'SELECT round(1.25, 1)', 'SELECT round(1.25)'],
  ['mysql', 'SELECT round(1.25, 1)', 'SELECT round(1.25)'],
  ['postgres', "SELECT format('%s', 1)", "SELECT format('%s %s %s', 1, 2, 3)"],
  ['postgres', "SELECT regexp_instr('abcabc', 'bc', 1, 2)", "SELECT regexp_instr('abcabc', 'bc', 1, 2, 0, 'i', 0)"],
  ['postgres', "SELECT * FROM t WHERE ts > TIMESTAMP '2024-01-01'", "SELECT * FROM t WHERE ts > DATE '2024-01-01'"],
  ['postgres', "SELECT * FROM t WHERE ts > TIME WITH TIME ZONE '10:00+02'", "SELECT * FROM t WHERE ts > TIME '10:00'"],
  ['trino', "SELECT * FROM t WHERE ts > TIMESTAMP '2024-01-01'", "SELECT * FROM t WHERE ts > DATE '2024-01-01'"],
  ['postgres', 'SELECT x -> null::int FROM t', 'SELECT x -> null::text FROM t'],
  ['postgres', "SELECT * FROM t WHERE n = '5'::int", 'SELECT * FROM t WHERE n = 7'],
  ['postgres', "SELECT doc - 3 FROM t", "SELECT doc - 'a' FROM t"],
  ['postgres', 'SELECT * FROM t WHERE d = $1::date', 'SELECT * FROM t WHERE d = $1'],
  ['postgres', "SELECT * FROM t WHERE a = '{1,2}'::int[]", "SELECT * FROM t WHERE a = '{3}'"],
  ['trino', "SELECT * FROM t WHERE ts < CAST('2024-03-01 00:00 UTC' AS timestamp with time zone)", "SELECT * FROM t WHERE ts < TIMESTAMP '2024-02-01'"],
  ['postgres', 'SELECT * FROM t WHERE a = (1, 2)', 'SELECT * FROM t WHERE a = (1, 2, 3)'],
  ['mysql', 'SELECT EXTRACT(YEAR FROM d) FROM t', 'SELECT EXTRACT(DAY FROM d) FROM t'],
  // One-token near-misses stay apart.
  ['postgres', 'SELECT * FROM t WHERE doc @> $1', 'SELECT * FROM t WHERE doc <@ $1'],
  ['trino', 'SELECT * FROM t WHERE a < 1', 'SELECT * FROM t WHERE a <= 1'],
  // A cast of a column is not a value; a cast of a cast is a second operation (both engines' ids differ
  // too); TRY_CAST yields NULL where CAST fails, so it is not a typed literal. A type modifier, (10) or
  // (12, 2), makes pg_stat_statements' id differ from the bare literal's (the server adds a length
  // coercion), so such a cast stays a cast.
  ['postgres', 'SELECT * FROM t WHERE d = a::date', 'SELECT * FROM t WHERE d = a'],
  ['postgres', 'SELECT * FROM t WHERE d = CAST(a AS date)', 'SELECT * FROM t WHERE d = a'],
  ['postgres', "SELECT * FROM t WHERE d = '2024-01-01'::date::timestamp", "SELECT * FROM t WHERE d = '2024-01-01'::date"],
  ['trino', "SELECT * FROM t WHERE d = TRY_CAST('2024-01-01' AS date)", "SELECT * FROM t WHERE d = DATE '2024-01-01'"],
  ['postgres', "SELECT * FROM t WHERE v = 'x'::varchar(10)", "SELECT * FROM t WHERE v = 'y'"],
  ['postgres', "SELECT * FROM t WHERE x = CAST('1.5' AS numeric(12, 2))", 'SELECT * FROM t WHERE x = 2.5'],
  // pt-fingerprint keeps MySQL's cast(? as date) apart from the literal.
  ['mysql', "SELECT * FROM t WHERE d = CAST('2024-01-01' AS DATE)", "SELECT * FROM t WHERE d = '2024-02-01'"],
];

test.each(same)('%s: %j is %j', (dialect, a, b) => expect(sig(a, dialect)).toBe(sig(b, dialect)));
test.each(different)('%s: %j is not %j', (dialect, a, b) => expect(sig(a, dialect)).not.toBe(sig(b, dialect)));

test.each([
  ['trino', 'SELECT a, b FROM t GROUP BY 1, 2 ORDER BY 2 DESC LIMIT 10', 'select a, b from t group by 1, 2 order by 2 desc limit ?'],
  ['trino', 'SELECT * FROM t WHERE a IS NULL AND b = NULL AND c IS NOT TRUE', 'select * from t where a is null and b = ? and c is not true'],
  ['trino', 'SELECT "Mixed Case", "select" FROM "My Table"', 'select "mixed case", "select" from "my table"'],
  ['postgres', 'SELECT "Mixed Case", "plain" FROM "My Table"', 'select "Mixed Case", plain from "My Table"'],
  ['trino', 'INSERT INTO t VALUES 1, 2, 3', 'insert into t values ?+'],
  ['trino', 'SELECT * FROM t ORDER BY a + 1', 'select * from t order by a + ?'],
  ['mysql', 'SELECT `a` FROM `db`.`T` WHERE x = "v" # trailing', 'select a from db.t where x = ?'],
  ['postgres', "SELECT round(1.25, 1), format('%s %s', 'a', 2), a[1] FROM t", "select round(?, ?), format('?', '?', ?), a[?] from t"],
  ['postgres', "SELECT INTERVAL '1' MINUTE TO SECOND(2), '1'::int4, CAST('x' AS pg_catalog.varchar), ts AT TIME ZONE 'UTC' FROM t", "select interval ?, integer ?, character varying ?, ts at time zone '?' from t"],
  ['postgres', "SELECT EXTRACT(CENTURY FROM d) AS c FROM t", 'select extract(? from d) from t'],
] as [Dialect, string, string][])('%s: %j → %j', (dialect, sql, expected) => expect(sig(sql, dialect)).toBe(expected));

test.each([
  ['trino', ''],
  ['trino', '   \n\t'],
  ['trino', '-- only a comment'],
  ['postgres', ';'],
  ['mysql', '# nothing'],
] as [Dialect, string][])('%s: %j is an empty query, an error rather than a signature', (dialect, sql) => {
  expect(() => signatureOf(sql, dialect)).toThrow(SqlSyntaxError);
  expect(() => signatureOf(sql, dialect)).toThrow(/empty query/);
});

test('an unknown dialect is refused by name', () => {
  expect(() => signatureOf('SELECT 1', 'oracle' as Dialect)).toThrow(/dialect "oracle" .*trino, postgres, mysql/);
});

test.each([
  ['trino', "SELECT 'open"],
  ['postgres', 'SELECT $$ never closed'],
  ['postgres', 'SELECT 1 /* outer /* inner */ not closed'],
  ['mysql', 'SELECT "open'],
  // A Unicode escape beyond U+10FFFF or a lone surrogate is no character (PostgreSQL: "invalid Unicode escape value").
  ['postgres', 'SELECT U&"\\+FFFFFF" FROM t'],
  ['postgres', 'SELECT U&"\\D800" FROM t'],
] as [Dialect, string][])('%s: %j does not tokenize', (dialect, sql) => expect(() => signatureOf(sql, dialect)).toThrow(SqlSyntaxError));
