/**
 * A generated query history with known structure, for holding signatures to the engines' own grouping:
 * 60 query templates over the TPC-H schema (public benchmark SQL, simplified), each with one-token
 * near-misses (a different operator, column, function, ordinal or IS test: a different query), and
 * each drawn many times with the variants a real history has: fresh literal values, IN lists of other
 * lengths, layout, comments, letter case, quoted identifiers, `!=` for `<>` and a date literal spelled
 * as a cast. Written per dialect:
 * PostgreSQL runs every query as written (the agreement test executes them), Trino's quoting folds
 * case, MySQL has backticks, `#` comments and "strings".
 */
import { Rng } from '../sim/rng';
import { Dialect } from '../workload/tokenizer';

export interface CorpusQuery {
  readonly sql: string;
  /** Template and near-miss: queries with the same label are the same query but for values and layout. */
  readonly label: string;
  /** Which variants this draw took: case, quoting, not-equal, cast, layout, comment, terminator, list. */
  readonly variants: readonly string[];
  /** A near-miss that differs from its template only in ORDER BY / GROUP BY positions. */
  readonly ordinalNearMiss: boolean;
}

/** The TPC-H schema (TPC Benchmark H, clause 1.4), column types simplified: the agreement test creates it. */
export const TPCH_DDL = `
CREATE TABLE region (r_regionkey int, r_name text, r_comment text);
CREATE TABLE nation (n_nationkey int, n_name text, n_regionkey int, n_comment text);
CREATE TABLE supplier (s_suppkey int, s_name text, s_address text, s_nationkey int, s_phone text, s_acctbal numeric, s_comment text);
CREATE TABLE customer (c_custkey int, c_name text, c_address text, c_nationkey int, c_phone text, c_acctbal numeric, c_mktsegment text, c_comment text);
CREATE TABLE part (p_partkey int, p_name text, p_mfgr text, p_brand text, p_type text, p_size int, p_container text, p_retailprice numeric, p_comment text);
CREATE TABLE partsupp (ps_partkey int, ps_suppkey int, ps_availqty int, ps_supplycost numeric, ps_comment text);
CREATE TABLE orders (o_orderkey int, o_custkey int, o_orderstatus text, o_totalprice numeric, o_orderdate date, o_orderpriority text, o_clerk text, o_shippriority int, o_comment text);
CREATE TABLE lineitem (l_orderkey int, l_partkey int, l_suppkey int, l_linenumber int, l_quantity numeric, l_extendedprice numeric, l_discount numeric, l_tax numeric, l_returnflag text, l_linestatus text, l_shipdate date, l_commitdate date, l_receiptdate date, l_shipinstruct text, l_shipmode text, l_comment text);
`;

const IDENTIFIERS = [...TPCH_DDL.matchAll(/\b([a-z]{1,2}_[a-z]+|region|nation|supplier|customer|part|partsupp|orders|lineitem)\b/g)].map((m) => m[1]);
const IDENTIFIER_RE = new RegExp(`\\b(${[...new Set(IDENTIFIERS)].sort((a, b) => b.length - a.length).join('|')})\\b`, 'g');
const KEYWORDS_RE =
  /\b(select|from|where|and|or|not|in|between|like|group|order|by|having|limit|offset|join|left|on|as|case|when|then|else|end|exists|distinct|count|sum|avg|min|max|date|interval|day|month|year|is|null|true|false|asc|desc|insert|into|values|update|set|delete|with|union|all|over|partition|coalesce|extract|substring|for|cast|numeric|inner)\b/gi;

/**
 * `{K}` a key, `{I}` a small integer, `{N}` a decimal, `{D}` a date literal's text, `{S:pool}` a string,
 * `{IL}` an integer list, `{SL:pool}` a string list. Near-misses change exactly one token.
 */
interface Template {
  readonly sql: string;
  readonly near: readonly string[];
}

const POOLS: Record<string, readonly string[]> = {
  seg: ['BUILDING', 'AUTOMOBILE', 'MACHINERY', 'HOUSEHOLD', 'FURNITURE'],
  mode: ['MAIL', 'SHIP', 'AIR', 'TRUCK', 'RAIL', 'FOB', 'REG AIR'],
  regions: ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'],
  nations: ['FRANCE', 'GERMANY', 'BRAZIL', 'CANADA', 'JAPAN', 'CHINA', 'KENYA'],
  type: ['%BRASS', '%STEEL', '%TIN', '%NICKEL', '%COPPER'],
  brand: ['Brand#12', 'Brand#23', 'Brand#34', 'Brand#45'],
  cont: ['SM CASE', 'MED BOX', 'LG PACK', 'JUMBO JAR', 'WRAP BAG'],
  prio: ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'],
  status: ['F', 'O', 'P'],
  flag: ['R', 'A', 'N'],
  word: ['%special%requests%', '%Customer%Complaints%', '%green%', '%forest%', "%o'brien%"],
  clerk: ['Clerk#000000951', 'Clerk#000000880', 'Clerk#000000101'],
};

const t = (sql: string, ...near: string[]): Template => ({ sql, near });

export const TEMPLATES: readonly Template[] = [
  t('select * from orders where o_orderkey = {K}', 'select * from orders where o_custkey = {K}', 'select * from orders where o_orderkey > {K}'),
  t('select o_orderstatus, o_totalprice from orders where o_orderkey = {K} and o_orderstatus = {S:status}', 'select o_orderstatus, o_totalprice from orders where o_orderkey = {K} or o_orderstatus = {S:status}'),
  t('select * from lineitem where l_orderkey = {K} order by l_linenumber', 'select * from lineitem where l_orderkey = {K} order by l_linenumber desc'),
  t('select c_name, c_acctbal from customer where c_custkey in ({IL})', 'select c_name, c_acctbal from customer where c_custkey not in ({IL})'),
  t('select count(*) from orders where o_orderdate >= date {D} and o_orderdate < date {D}', 'select count(*) from orders where o_orderdate > date {D} and o_orderdate < date {D}'),
  t(
    "select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty, sum(l_extendedprice) as sum_base_price, avg(l_discount) as avg_disc, count(*) as count_order from lineitem where l_shipdate <= date '1998-12-01' - interval '{I}' day group by l_returnflag, l_linestatus order by l_returnflag, l_linestatus",
    "select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty, sum(l_extendedprice) as sum_base_price, avg(l_tax) as avg_disc, count(*) as count_order from lineitem where l_shipdate <= date '1998-12-01' - interval '{I}' day group by l_returnflag, l_linestatus order by l_returnflag, l_linestatus",
  ),
  t(
    'select l_orderkey, sum(l_extendedprice * (1 - l_discount)) as revenue, o_orderdate, o_shippriority from customer, orders, lineitem where c_mktsegment = {S:seg} and c_custkey = o_custkey and l_orderkey = o_orderkey and o_orderdate < date {D} and l_shipdate > date {D} group by l_orderkey, o_orderdate, o_shippriority order by revenue desc, o_orderdate limit {I}',
    'select l_orderkey, sum(l_extendedprice * (1 + l_discount)) as revenue, o_orderdate, o_shippriority from customer, orders, lineitem where c_mktsegment = {S:seg} and c_custkey = o_custkey and l_orderkey = o_orderkey and o_orderdate < date {D} and l_shipdate > date {D} group by l_orderkey, o_orderdate, o_shippriority order by revenue desc, o_orderdate limit {I}',
  ),
  t(
    'select o_orderpriority, count(*) as order_count from orders where o_orderdate >= date {D} and o_orderdate < date {D} + interval \'3\' month and exists (select * from lineitem where l_orderkey = o_orderkey and l_commitdate < l_receiptdate) group by o_orderpriority order by o_orderpriority',
    'select o_orderpriority, count(*) as order_count from orders where o_orderdate >= date {D} and o_orderdate < date {D} + interval \'3\' month and not exists (select * from lineitem where l_orderkey = o_orderkey and l_commitdate < l_receiptdate) group by o_orderpriority order by o_orderpriority',
  ),
  t(
    'select n_name, sum(l_extendedprice * (1 - l_discount)) as revenue from customer, orders, lineitem, supplier, nation, region where c_custkey = o_custkey and l_orderkey = o_orderkey and l_suppkey = s_suppkey and c_nationkey = s_nationkey and s_nationkey = n_nationkey and n_regionkey = r_regionkey and r_name = {S:regions} and o_orderdate >= date {D} group by n_name order by revenue desc',
    'select n_name, sum(l_extendedprice * (1 - l_discount)) as revenue from customer, orders, lineitem, supplier, nation, region where c_custkey = o_custkey and l_orderkey = o_orderkey and l_suppkey = s_suppkey and c_nationkey = s_nationkey and s_nationkey = n_nationkey and n_regionkey = r_regionkey and r_name = {S:regions} and o_orderdate >= date {D} group by n_name order by revenue asc',
  ),
  t(
    'select sum(l_extendedprice * l_discount) as revenue from lineitem where l_shipdate >= date {D} and l_discount between {N} and {N} and l_quantity < {I}',
    'select sum(l_extendedprice * l_discount) as revenue from lineitem where l_shipdate >= date {D} and l_discount between {N} and {N} and l_quantity <= {I}',
    'select sum(l_extendedprice * l_tax) as revenue from lineitem where l_shipdate >= date {D} and l_discount between {N} and {N} and l_quantity < {I}',
  ),
  t(
    'select c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) as revenue, c_acctbal, n_name from customer, orders, lineitem, nation where c_custkey = o_custkey and l_orderkey = o_orderkey and o_orderdate >= date {D} and l_returnflag = {S:flag} and c_nationkey = n_nationkey group by c_custkey, c_name, c_acctbal, n_name order by revenue desc limit {I}',
    'select c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) as revenue, c_acctbal, n_name from customer, orders, lineitem, nation where c_custkey = o_custkey and l_orderkey = o_orderkey and o_orderdate >= date {D} and l_returnflag <> {S:flag} and c_nationkey = n_nationkey group by c_custkey, c_name, c_acctbal, n_name order by revenue desc limit {I}',
  ),
  t(
    'select ps_partkey, sum(ps_supplycost * ps_availqty) as value from partsupp, supplier, nation where ps_suppkey = s_suppkey and s_nationkey = n_nationkey and n_name = {S:nations} group by ps_partkey having sum(ps_supplycost * ps_availqty) > {N} order by value desc',
    'select ps_partkey, sum(ps_supplycost * ps_availqty) as value from partsupp, supplier, nation where ps_suppkey = s_suppkey and s_nationkey = n_nationkey and n_name = {S:nations} group by ps_partkey having sum(ps_supplycost * ps_availqty) < {N} order by value desc',
  ),
  t(
    "select l_shipmode, sum(case when o_orderpriority = '1-URGENT' or o_orderpriority = '2-HIGH' then 1 else 0 end) as high_line_count from orders, lineitem where o_orderkey = l_orderkey and l_shipmode in ({SL:mode}) and l_commitdate < l_receiptdate and l_receiptdate >= date {D} group by l_shipmode order by l_shipmode",
    "select l_shipmode, sum(case when o_orderpriority = '1-URGENT' and o_orderpriority = '2-HIGH' then 1 else 0 end) as high_line_count from orders, lineitem where o_orderkey = l_orderkey and l_shipmode in ({SL:mode}) and l_commitdate < l_receiptdate and l_receiptdate >= date {D} group by l_shipmode order by l_shipmode",
  ),
  t(
    'select c_count, count(*) as custdist from (select c_custkey, count(o_orderkey) as c_count from customer left outer join orders on c_custkey = o_custkey and o_comment not like {S:word} group by c_custkey) as c_orders group by c_count order by custdist desc, c_count desc',
    'select c_count, count(*) as custdist from (select c_custkey, count(o_orderkey) as c_count from customer left outer join orders on c_custkey = o_custkey and o_comment like {S:word} group by c_custkey) as c_orders group by c_count order by custdist desc, c_count desc',
  ),
  t(
    "select 100.00 * sum(case when p_type like 'PROMO%' then l_extendedprice * (1 - l_discount) else 0 end) / sum(l_extendedprice * (1 - l_discount)) as promo_revenue from lineitem, part where l_partkey = p_partkey and l_shipdate >= date {D} and l_shipdate < date {D} + interval '1' month",
  ),
  t(
    'select p_brand, p_type, p_size, count(distinct ps_suppkey) as supplier_cnt from partsupp, part where p_partkey = ps_partkey and p_brand <> {S:brand} and p_type not like {S:type} and p_size in ({IL}) group by p_brand, p_type, p_size order by supplier_cnt desc, p_brand, p_type, p_size',
    'select p_brand, p_type, p_size, count(ps_suppkey) as supplier_cnt from partsupp, part where p_partkey = ps_partkey and p_brand <> {S:brand} and p_type not like {S:type} and p_size in ({IL}) group by p_brand, p_type, p_size order by supplier_cnt desc, p_brand, p_type, p_size',
  ),
  t(
    'select sum(l_extendedprice) / 7.0 as avg_yearly from lineitem, part where p_partkey = l_partkey and p_brand = {S:brand} and p_container = {S:cont} and l_quantity < (select 0.2 * avg(l_quantity) from lineitem where l_partkey = p_partkey)',
    'select sum(l_extendedprice) / 7.0 as avg_yearly from lineitem, part where p_partkey = l_partkey and p_brand = {S:brand} and p_container = {S:cont} and l_quantity > (select 0.2 * avg(l_quantity) from lineitem where l_partkey = p_partkey)',
  ),
  t(
    'select c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) from customer, orders, lineitem where o_orderkey in (select l_orderkey from lineitem group by l_orderkey having sum(l_quantity) > {I}) and c_custkey = o_custkey and o_orderkey = l_orderkey group by c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice order by o_totalprice desc, o_orderdate limit {I}',
  ),
  t(
    'select s_name, s_address from supplier, nation where s_suppkey in (select ps_suppkey from partsupp where ps_partkey in (select p_partkey from part where p_name like {S:word}) and ps_availqty > {I}) and s_nationkey = n_nationkey and n_name = {S:nations} order by s_name',
    'select s_name, s_address from supplier, nation where s_suppkey in (select ps_suppkey from partsupp where ps_partkey in (select p_partkey from part where p_name like {S:word}) and ps_availqty < {I}) and s_nationkey = n_nationkey and n_name = {S:nations} order by s_name',
  ),
  t(
    'select s_name, count(*) as numwait from supplier, lineitem l1, orders, nation where s_suppkey = l1.l_suppkey and o_orderkey = l1.l_orderkey and o_orderstatus = {S:status} and l1.l_receiptdate > l1.l_commitdate and exists (select * from lineitem l2 where l2.l_orderkey = l1.l_orderkey and l2.l_suppkey <> l1.l_suppkey) and s_nationkey = n_nationkey and n_name = {S:nations} group by s_name order by numwait desc, s_name limit {I}',
  ),
  t(
    'select cntrycode, count(*) as numcust, sum(c_acctbal) as totacctbal from (select substring(c_phone from 1 for 2) as cntrycode, c_acctbal from customer where substring(c_phone from 1 for 2) in ({SL:nations}) and c_acctbal > {N}) as custsale group by cntrycode order by cntrycode',
  ),
  // Point lookups, writes and everyday shapes.
  t('select c_name, c_address, c_phone from customer where c_custkey = {K}', 'select c_name, c_address, c_phone from customer where c_nationkey = {K}'),
  t('select p_name, p_retailprice from part where p_partkey = {K}'),
  t('select s_name, s_acctbal from supplier where s_suppkey = {K} and s_acctbal > {N}', 'select s_name, s_acctbal from supplier where s_suppkey = {K} and s_acctbal >= {N}'),
  t('select * from nation where n_name = {S:nations}', 'select * from nation where n_name like {S:nations}'),
  t('select * from region where r_regionkey = {I}'),
  t('insert into orders (o_orderkey, o_custkey, o_orderstatus, o_totalprice, o_orderdate) values ({K}, {K}, {S:status}, {N}, date {D})'),
  t("insert into region (r_regionkey, r_name, r_comment) values ({I}, {S:regions}, 'generated')"),
  t('update orders set o_orderstatus = {S:status} where o_orderkey = {K}', 'update orders set o_orderpriority = {S:status} where o_orderkey = {K}'),
  t('update customer set c_acctbal = c_acctbal + {N} where c_custkey = {K}', 'update customer set c_acctbal = c_acctbal - {N} where c_custkey = {K}'),
  t('delete from lineitem where l_orderkey = {K} and l_linenumber = {I}', 'delete from lineitem where l_orderkey = {K} or l_linenumber = {I}'),
  t('select count(*) from lineitem where l_shipmode in ({SL:mode}) and l_shipdate between date {D} and date {D}'),
  t('select l_shipmode, count(*) from lineitem group by 1 order by 2 desc', 'select l_shipmode, count(*) from lineitem group by 1 order by 1 desc'),
  t('select o_orderpriority, o_orderstatus, count(*) from orders group by 1, 2 order by 3, 2, 1', 'select o_orderpriority, o_orderstatus, count(*) from orders group by 1, 2 order by 1, 3, 2'),
  t('select * from orders where o_clerk is null', 'select * from orders where o_clerk is not null'),
  t('select * from orders where (o_shippriority > {I}) is true', 'select * from orders where (o_shippriority > {I}) is false', 'select * from orders where (o_shippriority > {I}) is null'),
  t('select * from customer where c_acctbal <> {N} and c_mktsegment = {S:seg}', 'select * from customer where c_acctbal < {N} and c_mktsegment = {S:seg}'),
  t('select o_orderkey, o_totalprice from orders where o_totalprice > {N} order by o_totalprice desc limit {I} offset {I}', 'select o_orderkey, o_totalprice from orders where o_totalprice > {N} order by o_totalprice asc limit {I} offset {I}'),
  t('select distinct c_mktsegment from customer where c_nationkey = {I}', 'select c_mktsegment from customer where c_nationkey = {I}'),
  t('select c_mktsegment, avg(c_acctbal) from customer group by c_mktsegment having count(*) > {I}', 'select c_mktsegment, max(c_acctbal) from customer group by c_mktsegment having count(*) > {I}'),
  t('select coalesce(o_comment, {S:word}) from orders where o_orderkey = {K}'),
  t('select extract(year from o_orderdate) as y, sum(o_totalprice) from orders where o_custkey = {K} group by 1 order by 1', 'select extract(year from o_orderdate) as y, avg(o_totalprice) from orders where o_custkey = {K} group by 1 order by 1'),
  t('select cast(o_totalprice as numeric(12, 2)) from orders where o_orderkey = {K}'),
  t(
    'select o_custkey, o_orderdate, sum(o_totalprice) over (partition by o_custkey order by o_orderdate) as running from orders where o_custkey in ({IL})',
    'select o_custkey, o_orderdate, avg(o_totalprice) over (partition by o_custkey order by o_orderdate) as running from orders where o_custkey in ({IL})',
  ),
  t(
    'with big as (select o_custkey, sum(o_totalprice) as total from orders group by o_custkey having sum(o_totalprice) > {N}) select c_name, total from customer join big on c_custkey = big.o_custkey order by total desc limit {I}',
    'with big as (select o_custkey, sum(o_totalprice) as total from orders group by o_custkey having sum(o_totalprice) > {N}) select c_name, total from customer left join big on c_custkey = big.o_custkey order by total desc limit {I}',
  ),
  t('select s_name from supplier where s_nationkey = {I} union select c_name from customer where c_nationkey = {I}', 'select s_name from supplier where s_nationkey = {I} union all select c_name from customer where c_nationkey = {I}'),
  t('select p_type, min(p_retailprice), max(p_retailprice) from part where p_size between {I} and {I} group by p_type'),
  t('select * from partsupp where ps_partkey = {K} and ps_suppkey = {K}'),
  t('select ps_suppkey, sum(ps_availqty) from partsupp where ps_partkey in ({IL}) group by ps_suppkey'),
  t(
    'select case when o_totalprice > {N} then {S:prio} when o_totalprice > {N} then {S:prio} else {S:prio} end as band, count(*) from orders group by 1',
    'select case when o_totalprice < {N} then {S:prio} when o_totalprice > {N} then {S:prio} else {S:prio} end as band, count(*) from orders group by 1',
  ),
  t('select l_orderkey from lineitem where l_comment like {S:word} and l_quantity is not null limit {I}'),
  t('select count(distinct l_suppkey) from lineitem where l_partkey = {K} and l_returnflag = {S:flag}'),
  t('select c_custkey from customer where not exists (select 1 from orders where o_custkey = c_custkey and o_orderdate > date {D})'),
  t('select n_name, r_name from nation join region on n_regionkey = r_regionkey where r_name in ({SL:regions}) order by 1, 2', 'select n_name, r_name from nation join region on n_regionkey = r_regionkey where r_name in ({SL:regions}) order by 2, 1'),
  t('select o_clerk, count(*) from orders where o_clerk = {S:clerk} and o_orderdate > current_date - interval \'{I}\' day group by o_clerk'),
  t('select l_partkey, l_quantity * l_extendedprice from lineitem where l_orderkey = {K} and l_discount = {N}', 'select l_partkey, l_quantity + l_extendedprice from lineitem where l_orderkey = {K} and l_discount = {N}'),
  t('select * from lineitem where l_receiptdate - l_shipdate > {I} and l_shipmode = {S:mode}'),
  t('select o_orderkey from orders where o_totalprice is distinct from {N}', 'select o_orderkey from orders where o_totalprice is not distinct from {N}'),
  t('select max(o_orderdate), min(o_orderdate) from orders where o_orderstatus = {S:status}'),
  t('select * from (values ({I}, {S:flag}), ({I}, {S:flag})) as v (k, f) where k > {I}'),
  t('select c_phone from customer where c_acctbal > -{N} and c_custkey between {K} and {K}', 'select c_phone from customer where c_acctbal > -{N} and c_custkey not between {K} and {K}'),
];

const KEYWORD_FLAVOURS = ['lower', 'upper', 'mixed'] as const;

/**
 * `perLabel` draws of every template and near-miss, in the dialect's syntax. Deterministic for a
 * seed. Each draw takes fresh values and a random set of the variants.
 */
export function generateCorpus(dialect: Dialect, perLabel: number, seed = 1): CorpusQuery[] {
  const rng = new Rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)];
  const out: CorpusQuery[] = [];
  const quoteString = (s: string) => (dialect === 'mysql' && rng.next() < 0.5 ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `'${s.replace(/'/g, "''")}'`);
  const date = () => `'${1992 + rng.int(7)}-${String(1 + rng.int(12)).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}'`;
  const fill = (sql: string, listLength: number) =>
    sql.replace(/\{(K|I|N|D|IL|S:\w+|SL:\w+)\}/g, (_, kind: string) => {
      if (kind === 'K') return String(1 + rng.int(1_000_000));
      if (kind === 'I') return String(1 + rng.int(100));
      if (kind === 'N') return (rng.int(10_000) / 100 + 0.01).toFixed(2);
      if (kind === 'D') return date();
      if (kind === 'IL') return Array.from({ length: listLength }, () => 1 + rng.int(50)).join(', ');
      const [list, pool] = kind.split(':');
      if (list === 'SL') return Array.from({ length: listLength }, () => quoteString(pick(POOLS[pool]))).join(', ');
      return quoteString(pick(POOLS[pool]));
    });
  const comment = () => {
    const text = pick(['dashboard 7', 'ad hoc', "analyst's query", 'job=nightly', 'retry 2']);
    const kinds = ['block', 'line'];
    if (dialect === 'mysql') kinds.push('hash');
    if (dialect === 'postgres') kinds.push('nested');
    const kind = pick(kinds);
    if (kind === 'block') return `/* ${text} */ `;
    if (kind === 'nested') return `/* ${text} /* inner */ */ `;
    return `${kind === 'hash' ? '#' : '--'} ${text}\n`;
  };
  const labelled: { label: string; sql: string; ordinalNearMiss: boolean }[] = [];
  const digitsOut = (sql: string) => sql.replace(/\d/g, '#');
  TEMPLATES.forEach((tpl, i) => {
    labelled.push({ label: `t${i}`, sql: tpl.sql, ordinalNearMiss: false });
    tpl.near.forEach((sql, j) => labelled.push({ label: `t${i}n${j}`, sql, ordinalNearMiss: digitsOut(sql) === digitsOut(tpl.sql) }));
  });
  for (let draw = 0; draw < perLabel; draw++) {
    for (const { label, sql: template, ordinalNearMiss } of labelled) {
      const variants: string[] = [];
      let sql = template;
      const maybe = (name: string, p: number) => (rng.next() < p ? (variants.push(name), true) : false);
      if (maybe('case', 0.5)) {
        const flavour = pick(KEYWORD_FLAVOURS);
        sql = sql.replace(KEYWORDS_RE, (w) => (flavour === 'upper' || (flavour === 'mixed' && rng.next() < 0.5) ? w.toUpperCase() : w.toLowerCase()));
        if (dialect !== 'mysql' && rng.next() < 0.5) sql = sql.replace(IDENTIFIER_RE, (w) => w.toUpperCase());
      }
      if (maybe('quoting', 0.4)) {
        sql = sql.replace(IDENTIFIER_RE, (w) => {
          if (rng.next() < 0.5) return w;
          if (dialect === 'mysql') return `\`${w}\``;
          // PostgreSQL resolves a quoted name exactly, so only the folded (lower-case) spelling is the same column.
          if (dialect === 'postgres') return `"${w.toLowerCase()}"`;
          return `"${rng.next() < 0.5 ? w.toUpperCase() : w.toLowerCase()}"`;
        });
      }
      if (maybe('not-equal', 0.3)) sql = sql.replace(/<>/g, '!=');
      // A date literal spelled as a cast: CAST('…' AS date) in Trino and PostgreSQL, '…'::date too in
      // PostgreSQL (MySQL's DATE '…' and CAST differ in pt-fingerprint, so MySQL keeps its spelling).
      if (dialect !== 'mysql' && maybe('cast', 0.3)) {
        sql = sql.replace(/\bdate \{D\}/gi, (literal) => {
          const spelling = pick(dialect === 'postgres' ? ['literal', 'cast', 'colons'] : ['literal', 'cast']);
          if (spelling === 'cast') return `cast({D} as ${literal.slice(0, 4)})`;
          return spelling === 'colons' ? `{D}::${literal.slice(0, 4)}` : literal;
        });
      }
      if (maybe('layout', 0.5)) sql = sql.replace(/ (?=(?:[^']*'[^']*')*[^']*$)/g, () => pick([' ', '  ', '\n', '\n    ', '\t']));
      if (maybe('comment', 0.4)) sql = rng.next() < 0.5 ? comment() + sql : `${sql}${pick([' ', '\n'])}${comment().trimEnd()}`;
      if (maybe('terminator', 0.2)) sql += ';';
      const listLength = maybe('list', 0.5) ? 1 + rng.int(8) : 3;
      out.push({ label, sql: fill(sql, listLength), variants, ordinalNearMiss });
    }
  }
  return out;
}
