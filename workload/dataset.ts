/**
 * Construct the data set (Treasure Data's load-test recipe, step three): find the tables each cluster
 * of a plan reads or writes, emit the SQL that builds a sampled copy of just those tables in a test
 * schema, and rewrite the plan's SQL to use the copies, so a replay reads sampled data and never
 * writes to the tables it was sampled from. Table references come from the tokenizer, one pass.
 */
import { Plan, PlannedQuery } from './plan';
import { Dialect, SqlSyntaxError, Token, tokenize } from './tokenizer';
import { quotedIdentifierName } from './quoted-identifiers';

export interface TableReference {
  /** Each part of the name as the engine resolves it (folded per dialect). */
  readonly parts: readonly string[];
  /** Offsets of the whole (possibly qualified) name in the SQL. */
  readonly start: number;
  readonly end: number;
}

export interface DatasetOptions {
  readonly dialect: Dialect;
  /** Where the copies go: `schema` or, for Trino, `catalog.schema`. */
  readonly schema: string;
  /** Share of rows kept, in percent (0 < p <= 100), as TABLESAMPLE BERNOULLI takes it. */
  readonly percent: number;
  /** Seed for PostgreSQL's REPEATABLE and MySQL's RAND, so a rebuild samples the same rows. */
  readonly seed: number;
}

export interface Dataset {
  readonly tables: readonly { readonly source: string; readonly copy: string; readonly clusters: readonly string[] }[];
  readonly clusters: readonly { readonly id: string; readonly tables: readonly string[] }[];
  /** Statements that build the copies, in order. */
  readonly statements: readonly string[];
  /** The plan with every table reference pointing at its copy. */
  readonly plan: Plan;
  /** Queries left as they were because their SQL does not tokenize. */
  readonly unreadable: number;
}

/** Words that introduce a table (not CREATE TABLE: a table a history creates is not one to copy). */
const TABLE_KEYWORDS = new Set(['from', 'join', 'update', 'into', 'using']);
/** Words that may sit between the keyword and the name. */
const TABLE_PREFIXES = new Set(['only', 'lateral', 'if', 'not', 'exists']);
/** Words that end a table and are never its alias. */
const NOT_ALIAS = new Set([
  'where', 'join', 'on', 'using', 'left', 'right', 'inner', 'outer', 'full', 'cross', 'natural', 'group', 'order', 'having', 'limit', 'offset', 'union', 'except',
  'intersect', 'set', 'values', 'select', 'tablesample', 'window', 'for', 'fetch', 'returning', 'default', 'with', 'partition', 'lateral', 'as', 'qualify', 'match_recognize',
]);
/** Schemas of the engines' own catalogs: never copied. */
const SYSTEM_SCHEMAS = new Set(['information_schema', 'pg_catalog', 'system', 'mysql', 'performance_schema', 'sys']);

const isName = (t: Token | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
const lower = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toLowerCase() : undefined);
const isPunct = (t: Token | undefined, c: string) => t?.kind === 'punct' && t.text === c;

/** A name part as the engine resolves it: unquoted names fold everywhere, quoted ones as the dialect says. */
const namePart = (t: Token, dialect: Dialect) => (t.kind === 'word' ? t.text.toLowerCase() : quotedIdentifierName(t.text, dialect));

/** The index of each bracket's partner (-1 when unmatched), one pass with a stack. */
function partners(tokens: readonly Token[]): Int32Array {
  const match = new Int32Array(tokens.length).fill(-1);
  const stack: number[] = [];
  tokens.forEach((t, i) => {
    if (isPunct(t, '(')) stack.push(i);
    else if (isPunct(t, ')') && stack.length) {
      const open = stack.pop()!;
      match[open] = i;
      match[i] = open;
    }
  });
  return match;
}

/**
 * The tables a statement reads or writes: names after FROM (and its comma list), JOIN, UPDATE, INTO
 * and USING. Not tables: CTE names, subqueries, table functions (`unnest(…)`), the FROM inside
 * EXTRACT/SUBSTRING/TRIM or IS DISTINCT FROM, and the engines' system catalogs. In textual order.
 */
export function tableReferences(sql: string, dialect: Dialect): TableReference[] {
  const tokens = tokenize(sql, dialect);
  const match = partners(tokens);
  // Each open bracket: whether it holds a query (so a FROM inside it introduces tables).
  const queryAt = new Uint8Array(tokens.length);
  tokens.forEach((t, i) => {
    if (isPunct(t, '(')) queryAt[i] = ['select', 'with', 'values', 'table'].includes(lower(tokens[i + 1]) ?? '') ? 1 : 0;
  });
  const enclosing: number[] = [];
  const ctes = new Set<string>();
  const refs: TableReference[] = [];

  // CTE names: WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] ( … ) [, name …].
  tokens.forEach((t, i) => {
    if (!isName(t)) return;
    const prev = tokens[i - 1];
    const starts = lower(prev) === 'with' || lower(prev) === 'recursive' || (isPunct(prev, ',') && isPunct(tokens[i - 2], ')') && ctes.size > 0);
    if (!starts) return;
    let j = i + 1;
    if (isPunct(tokens[j], '(') && match[j] > 0) j = match[j] + 1;
    if (lower(tokens[j]) === 'as') ctes.add(namePart(t, dialect));
  });

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (isPunct(t, '(')) enclosing.push(i);
    else if (isPunct(t, ')')) enclosing.pop();
    const word = lower(t);
    if (!word || !TABLE_KEYWORDS.has(word)) continue;
    const inQuery = enclosing.length === 0 || queryAt[enclosing[enclosing.length - 1]] === 1;
    if (!inQuery) continue; // extract(year FROM x), substring(x FROM 1), trim(… FROM …)
    if (word === 'from' && lower(tokens[i - 1]) === 'distinct') continue; // IS [NOT] DISTINCT FROM
    if (word === 'using' && isPunct(tokens[i + 1], '(')) continue; // JOIN … USING (columns)
    let j = i + 1;
    while (true) {
      while (TABLE_PREFIXES.has(lower(tokens[j]) ?? '')) j++;
      if (isPunct(tokens[j], '(')) {
        // A subquery or bracketed join: its own FROMs are found as the scan walks through it.
        if (match[j] < 0) break;
        j = match[j] + 1;
      } else if (isName(tokens[j])) {
        const first = j;
        const parts = [namePart(tokens[j], dialect)];
        while (isPunct(tokens[j + 1], '.') && isName(tokens[j + 2])) {
          parts.push(namePart(tokens[j + 2], dialect));
          j += 2;
        }
        const last = tokens[j];
        j++;
        const isFunction = isPunct(tokens[j], '(') && word !== 'into';
        const system = SYSTEM_SCHEMAS.has(parts[0]) || (dialect === 'postgres' && parts.length === 1 && parts[0].startsWith('pg_')) || (parts.length === 1 && parts[0] === 'dual');
        const cte = parts.length === 1 && ctes.has(parts[0]);
        if (isFunction) j = match[j] < 0 ? j : match[j] + 1;
        else if (!system && !cte) refs.push({ parts, start: tokens[first].start, end: last.start + last.text.length });
      } else break;
      if (word === 'into' || word === 'update') break;
      // An alias: AS name, or a bare name that is not a keyword; then a column list.
      if (lower(tokens[j]) === 'as') j++;
      if (isName(tokens[j]) && !NOT_ALIAS.has(lower(tokens[j]) ?? '')) j++;
      if (isPunct(tokens[j], '(') && match[j] > 0 && isName(tokens[j + 1])) j = match[j] + 1;
      if ((word === 'from' || word === 'using') && isPunct(tokens[j], ',')) {
        j++;
        continue;
      }
      break;
    }
  }
  // A FROM list steps over its subqueries and the scan finds their tables later: put them back in order.
  return refs.sort((a, b) => a.start - b.start);
}

const BARE = /^[a-z_][a-z0-9_]*$/;

/** A name written so the dialect reads it back exactly. */
function quoteName(name: string, dialect: Dialect): string {
  if (BARE.test(name)) return name;
  return dialect === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}
const qualified = (parts: readonly string[], dialect: Dialect) => parts.map((p) => quoteName(p, dialect)).join('.');

/** Checks options; throws naming the option, its value and the rule. */
export function checkDatasetOptions(o: DatasetOptions): void {
  if (!(o.percent > 0 && o.percent <= 100)) throw new Error(`--sample (${o.percent}) must be a percentage > 0 and <= 100`);
  const parts = o.schema.split('.');
  if (parts.length > (o.dialect === 'trino' ? 2 : 1) || !parts.every((p) => BARE.test(p))) {
    throw new Error(`--schema (${JSON.stringify(o.schema)}) must be ${o.dialect === 'trino' ? 'schema or catalog.schema' : 'a schema name'} of lower-case letters, digits and _`);
  }
}

/** The copies, the statements that build them, and the plan rewritten to use them. */
export function buildDataset(plan: Plan, o: DatasetOptions): Dataset {
  checkDatasetOptions(o);
  const sources = new Map<string, { parts: readonly string[]; clusters: Set<string> }>();
  const perQuery: (TableReference[] | undefined)[] = [];
  const clusterTables = new Map<string, Set<string>>();
  let unreadable = 0;
  const keyOf = (parts: readonly string[]) => parts.join('\u0000');
  for (const q of plan.queries) {
    let refs: TableReference[];
    try {
      refs = tableReferences(q.sql, o.dialect);
    } catch (e) {
      if (!(e instanceof SqlSyntaxError)) throw e;
      unreadable++;
      perQuery.push(undefined);
      continue;
    }
    perQuery.push(refs);
    for (const r of refs) {
      const key = keyOf(r.parts);
      const source = sources.get(key) ?? { parts: r.parts, clusters: new Set<string>() };
      source.clusters.add(q.cluster);
      sources.set(key, source);
      const tables = clusterTables.get(q.cluster) ?? new Set<string>();
      tables.add(qualified(r.parts, o.dialect));
      clusterTables.set(q.cluster, tables);
    }
  }
  // A copy is named after the table; two tables of the same name in different schemas keep their path.
  const byLast = new Map<string, number>();
  for (const s of sources.values()) byLast.set(s.parts.at(-1)!, (byLast.get(s.parts.at(-1)!) ?? 0) + 1);
  const copyOf = new Map<string, string>();
  const schema = o.schema.split('.');
  for (const [key, s] of sources) {
    const base = byLast.get(s.parts.at(-1)!)! > 1 ? s.parts.join('_') : s.parts.at(-1)!;
    copyOf.set(key, qualified([...schema, base], o.dialect));
  }
  const statements: string[] = [`CREATE SCHEMA IF NOT EXISTS ${qualified(schema, o.dialect)}`];
  for (const [key, s] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const copy = copyOf.get(key)!;
    const source = qualified(s.parts, o.dialect);
    statements.push(`DROP TABLE IF EXISTS ${copy}`);
    if (o.dialect === 'trino') statements.push(`CREATE TABLE ${copy} AS SELECT * FROM ${source} TABLESAMPLE BERNOULLI (${o.percent})`);
    else if (o.dialect === 'postgres') statements.push(`CREATE TABLE ${copy} AS SELECT * FROM ${source} TABLESAMPLE BERNOULLI (${o.percent}) REPEATABLE (${o.seed})`);
    // MySQL has no TABLESAMPLE: a seeded RAND() keeps the same share of rows.
    else statements.push(`CREATE TABLE ${copy} AS SELECT * FROM ${source} WHERE RAND(${o.seed}) < ${o.percent / 100}`);
  }
  const queries: PlannedQuery[] = plan.queries.map((q, i) => {
    const refs = perQuery[i];
    if (!refs?.length) return q;
    // References come in order of their offsets: one pass of slices, linear however many a query has.
    const pieces: string[] = [];
    let at = 0;
    for (const r of refs) {
      pieces.push(q.sql.slice(at, r.start), copyOf.get(keyOf(r.parts))!);
      at = r.end;
    }
    pieces.push(q.sql.slice(at));
    return { ...q, sql: pieces.join('') };
  });
  return {
    tables: [...sources].map(([key, s]) => ({ source: qualified(s.parts, o.dialect), copy: copyOf.get(key)!, clusters: [...s.clusters].sort() })),
    clusters: [...clusterTables].map(([id, tables]) => ({ id, tables: [...tables].sort() })),
    statements,
    plan: { ...plan, queries },
    unreadable,
  };
}
