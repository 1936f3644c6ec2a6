/**
 * The words and spellings signatures are built from: type names that make a typed literal, interval
 * qualifiers, keywords, the ends of ORDER BY and GROUP BY lists, and operator spellings. Data only, for
 * signature.ts.
 */
/** Type names that turn a following string literal into a typed literal: DATE '2024-01-01' is one value. */
export const TYPED_LITERAL_PREFIXES = new Set([
  'date', 'time', 'timestamp', 'timestamptz', 'interval', 'decimal', 'numeric', 'real', 'double', 'char', 'varchar', 'json', 'jsonb', 'uuid', 'ipaddress', 'bigint', 'integer', 'int', 'smallint', 'tinyint', 'boolean', 'varbinary', 'text',
]);
/** TIMESTAMP WITH TIME ZONE '…' and the like: type words that may sit between the type and the literal. */
export const TYPE_MODIFIERS = new Set(['with', 'without', 'time', 'zone', 'local', 'precision']);
export const VALUE_WORDS = new Set(['true', 'false', 'null']);
/** Words that may sit between a type's first word and its literal. */
export const TYPE_WORDS = new Set(['with', 'without', 'time', 'zone', 'local', 'precision', 'varying']);
/**
 * One spelling per type, so `'x'::int4`, `CAST('x' AS integer)` and `int '1'` all read `integer ?`
 * (PostgreSQL's own names for its aliases; a `pg_catalog.` prefix goes).
 */
export const TYPE_SPELLINGS: Record<string, string> = {
  int: 'integer', int4: 'integer', int2: 'smallint', int8: 'bigint', float8: 'double precision', float: 'double precision', float4: 'real',
  bool: 'boolean', decimal: 'numeric', varchar: 'character varying', char: 'character', bpchar: 'character',
  timestamptz: 'timestamp with time zone', 'timestamp without time zone': 'timestamp', timetz: 'time with time zone', 'time without time zone': 'time',
};
/** Words that follow INTERVAL '…' as its qualifier: part of the literal (pg_stat_statements keeps one constant). */
export const INTERVAL_QUALIFIER = new Set(['year', 'month', 'week', 'day', 'hour', 'minute', 'second', 'years', 'months', 'days', 'hours', 'minutes', 'seconds', 'to']);
/** Words that continue a type name after its first: DOUBLE PRECISION, CHARACTER VARYING, WITH[OUT] TIME ZONE. */
export const TYPE_NAME_TAILS = new Set(['precision', 'varying']);

/**
 * Words after which an operand starts: a sign after one of them belongs to its number
 * (`IS DISTINCT FROM -8639`, `LIMIT -1`), and a bracket after one is not a call.
 */
export const KEYWORDS = new Set([
  'select', 'from', 'where', 'and', 'or', 'not', 'in', 'values', 'between', 'like', 'ilike', 'when', 'then', 'else', 'by', 'limit', 'offset', 'is', 'on', 'set', 'return', 'case',
  'having', 'as', 'distinct', 'all', 'any', 'some', 'exists', 'escape', 'similar', 'to', 'using', 'returning', 'fetch', 'first', 'next', 'with', 'union', 'except', 'intersect',
  'join', 'over', 'partition', 'rows', 'range', 'preceding', 'following', 'into', 'div', 'mod', 'xor', 'regexp', 'rlike', 'top', 'elseif', 'if', 'lateral', 'window', 'qualify',
]);
/** Words that end an ORDER BY / GROUP BY list at the same depth. */
export const BY_LIST_END = new Set(['order', 'group', 'limit', 'offset', 'having', 'fetch', 'window', 'union', 'except', 'intersect', 'qualify', 'for', 'select', 'from', 'where', 'returning', 'into']);
/** Punctuation that ends a list entry: it may follow an ordinal, or an output column's alias. */
export const ORDINAL_END_PUNCT = new Set([',', ')', ';']);
/** What may follow an ordinal in its list. */
export const AFTER_ORDINAL = new Set(['asc', 'desc', 'nulls', 'with', ...BY_LIST_END]);
/** Quoted names that must stay quoted when rendered, so they never read as the keyword. */
export const RESERVED = new Set([...KEYWORDS, ...VALUE_WORDS, 'order', 'group', 'insert', 'update', 'delete', 'create', 'table', 'cast', 'left', 'right', 'inner', 'outer', 'full', 'cross', 'natural']);
/** Names that need no quotes once folded. */
export const BARE_NAME = /^[a-z_][a-z0-9_$]*$/;
export const OPERATOR_SPELLINGS: Record<string, string> = { '!=': '<>' };
