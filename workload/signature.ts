/**
 * A query's signature: its shape with the values taken out. From the tokenizer's tokens, in one pass
 * with an explicit stack (no recursion, so no depth of nesting can overflow it, and linear time):
 * literals of every kind become `?`, lists of them collapse to one `?+`, comments and layout go,
 * keywords and identifiers are folded as the dialect folds them, equivalent operators are written one
 * way. ORDER BY and GROUP BY ordinals stay: they are positions, not values. Two queries that differ
 * only in values share a signature, and so a short id.
 */
import { createHash } from 'node:crypto';
import { Dialect, Scanned, SqlSyntaxError, TokenKind, quotedIdentifierName, scan } from './tokenizer';

export type { Dialect } from './tokenizer';

/** Type names that turn a following string literal into a typed literal: DATE '2024-01-01' is one value. */
const TYPED_LITERAL_PREFIXES = new Set([
  'date', 'time', 'timestamp', 'timestamptz', 'interval', 'decimal', 'numeric', 'real', 'double', 'char', 'varchar', 'json', 'jsonb', 'uuid', 'ipaddress', 'bigint', 'integer', 'int', 'smallint', 'tinyint', 'boolean', 'varbinary', 'text',
]);
const INTERVAL_UNITS = new Set(['year', 'month', 'week', 'day', 'hour', 'minute', 'second', 'years', 'months', 'days', 'hours', 'minutes', 'seconds']);
/** TIMESTAMP WITH TIME ZONE '…' and the like: type words that may sit between the type and the literal. */
const TYPE_MODIFIERS = new Set(['with', 'without', 'time', 'zone', 'local', 'precision']);
const VALUE_WORDS = new Set(['true', 'false', 'null']);
/** Words that continue a type name after its first: DOUBLE PRECISION, CHARACTER VARYING, WITH[OUT] TIME ZONE. */
const TYPE_NAME_TAILS = new Set(['precision', 'varying']);

/**
 * Words after which an operand starts: a sign after one of them belongs to its number
 * (`IS DISTINCT FROM -8639`, `LIMIT -1`), and a bracket after one is not a call.
 */
const KEYWORDS = new Set([
  'select', 'from', 'where', 'and', 'or', 'not', 'in', 'values', 'between', 'like', 'ilike', 'when', 'then', 'else', 'by', 'limit', 'offset', 'is', 'on', 'set', 'return', 'case',
  'having', 'as', 'distinct', 'all', 'any', 'some', 'exists', 'escape', 'similar', 'to', 'using', 'returning', 'fetch', 'first', 'next', 'with', 'union', 'except', 'intersect',
  'join', 'over', 'partition', 'rows', 'range', 'preceding', 'following', 'into', 'div', 'mod', 'xor', 'regexp', 'rlike', 'top', 'elseif', 'if', 'lateral', 'window', 'qualify',
]);
/** Words that end an ORDER BY / GROUP BY list at the same depth. */
const BY_LIST_END = new Set(['order', 'group', 'limit', 'offset', 'having', 'fetch', 'window', 'union', 'except', 'intersect', 'qualify', 'for', 'select', 'from', 'where', 'returning', 'into']);
/** Punctuation that may follow an ordinal. */
const ORDINAL_END_PUNCT = new Set([',', ')', ';']);
/** What may follow an ordinal in its list. */
const AFTER_ORDINAL = new Set(['asc', 'desc', 'nulls', 'with', ...BY_LIST_END]);
/** Quoted names that must stay quoted when rendered, so they never read as the keyword. */
const RESERVED = new Set([...KEYWORDS, ...VALUE_WORDS, 'order', 'group', 'insert', 'update', 'delete', 'create', 'table', 'cast', 'left', 'right', 'inner', 'outer', 'full', 'cross', 'natural']);
/** Names that need no quotes once folded. */
const BARE_NAME = /^[a-z_][a-z0-9_$]*$/;
const OPERATOR_SPELLINGS: Record<string, string> = { '!=': '<>' };

/** `?` a value, `?+` a list of values, `n` an ordinal, `w` a word or name, `o` an operator, `p` punctuation. */
type TokKind = '?' | '?+' | 'n' | 'w' | 'o' | 'p';
interface Tok {
  readonly k: TokKind;
  readonly t: string;
}
/** A closed bracket (one never closed stays a plain `(` token where it was opened). */
interface Group {
  readonly open: string;
  readonly close: string;
  readonly items: Item[];
}
type Item = Tok | Group;

const VALUE: Tok = { k: '?', t: '?' };
/**
 * A value that was a cast literal: it reads as a value, but a second cast of it stays (`'x'::date::
 * timestamp` is two operations, and both PostgreSQL oracles keep it apart from one).
 */
const CAST_VALUE: Tok = { k: '?', t: '?' };
const LIST: Tok = { k: '?+', t: '?+' };
const COMMA: Tok = { k: 'p', t: ',' };
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

export interface Signature {
  readonly signature: string;
  readonly id: string;
}

/** The signature of one query in a dialect (default Trino). Throws SqlSyntaxError when it does not tokenize or holds no statement. */
export function signatureOf(sql: string, dialect: Dialect = 'trino'): Signature {
  const text = render(build(scan(sql, dialect), dialect));
  if (text === '') throw new SqlSyntaxError('empty query: nothing but comments, whitespace or semicolons');
  return { signature: text, id: shortId(text) };
}

/** 12 hex digits of SHA-256: stable across runs and machines. */
export function shortId(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 12);
}

function renderName(name: string): string {
  return BARE_NAME.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

const isTok = (item: Item | undefined): item is Tok => item !== undefined && 'k' in item;
const isWord = (item: Item | undefined, word: string) => isTok(item) && item.k === 'w' && item.t === word;
/** A value, a collapsed list, or a bracketed list already collapsed to `(?+)` (so lists of lists collapse too). */
const isValue = (item: Item | undefined) => item !== undefined && (isTok(item) ? item.k === '?' || item.k === '?+' : item.items.length === 1 && isTok(item.items[0]) && item.items[0].k === '?+');
const isRow = (item: Item | undefined) => item !== undefined && !isTok(item) && item.open === '(' && isValue(item);
/** Whether the item ends an operand, so a following sign subtracts rather than negates. */
const endsOperand = (item: Item | undefined) => item !== undefined && (!isTok(item) || item.k === '?' || item.k === '?+' || item.k === 'n' || (item.k === 'w' && !KEYWORDS.has(item.t)));

const OPEN_MARKS: Record<string, Tok> = { '(': { k: 'p', t: '(' }, '[': { k: 'p', t: '[' }, '{': { k: 'p', t: '{' } };

/** A token's kind (undefined past the end) and its text in lower case, by index. */
function reader(tokens: Scanned) {
  return {
    kind: (i: number): TokenKind | undefined => (i < tokens.count ? tokens.kind(i) : undefined),
    lower: (i: number) => tokens.text(i).toLowerCase(),
  };
}

/**
 * Tokens to a tree of groups, values folded and lists collapsed as each group closes. Every item goes
 * on one array; an opening bracket leaves a mark there, and its closing one moves what follows the
 * mark into a group (each item is moved once, at its own depth: linear). A bracket never closed keeps
 * its mark, which is the bracket as written. Open brackets are three parallel stacks, not objects.
 */
function build(tokens: Scanned, dialect: Dialect): Item[] {
  const n = tokens.count;
  const { kind, lower } = reader(tokens);
  const items: Item[] = [];
  const starts: number[] = [];
  const opens: string[] = [];
  /** Inside an ORDER BY or GROUP BY list at this depth (index 0 is the top level). */
  const byList: boolean[] = [false];
  for (let i = 0; i < n; i++) {
    const last = items[items.length - 1];
    const depth = starts.length;
    switch (tokens.kind(i)) {
      case 'punct': {
        const c = tokens.text(i);
        if (PAIRS[c]) {
          starts.push(items.length);
          opens.push(c);
          byList.push(false);
          items.push(OPEN_MARKS[c]);
        } else if (depth > 0 && PAIRS[opens[depth - 1]] === c) {
          const start = starts.pop()!;
          const open = opens.pop()!;
          byList.pop();
          const group = closeGroup(open, items.slice(start + 1), c);
          items.length = start;
          // CAST('2024-01-01' AS date) is DATE '2024-01-01' too; not in MySQL, where pt-fingerprint
          // keeps `cast(? as date)` apart (a split at worst, never a merge).
          if (dialect !== 'mysql' && isWord(items[start - 1], 'cast') && isCastOfLiteral(group)) items[start - 1] = CAST_VALUE;
          else items.push(group);
        } else if (c !== ';') {
          items.push(c === ',' ? COMMA : { k: 'p', t: c });
        }
        break;
      }
      case 'string':
      case 'param':
        items.push(VALUE);
        break;
      case 'number': {
        const next = kind(i + 1);
        const ordinal =
          byList[depth] &&
          (isWord(last, 'by') || (isTok(last) && last.t === ',')) &&
          (next === undefined || (next === 'punct' && ORDINAL_END_PUNCT.has(tokens.text(i + 1))) || (next === 'word' && AFTER_ORDINAL.has(lower(i + 1))));
        if (ordinal) {
          items.push({ k: 'n', t: String(Number(tokens.text(i).replace(/_/g, ''))) });
          break;
        }
        // A sign in front of a number is part of the value when it cannot be a binary operator.
        if (isTok(last) && last.k === 'o' && (last.t === '-' || last.t === '+') && !endsOperand(items[items.length - 2])) items.pop();
        items.push(VALUE);
        break;
      }
      case 'quoted': {
        const text = tokens.text(i);
        // MySQL: a backticked name stays apart from the bare one, case folded, as pt-fingerprint (and so
        // pt-query-digest) groups them: a split at worst, never a merge.
        items.push({ k: 'w', t: dialect === 'mysql' && text[0] === '`' ? text.toLowerCase() : renderName(quotedIdentifierName(text, dialect)) });
        break;
      }
      case 'op': {
        const text = tokens.text(i);
        // '2024-01-01'::date is DATE '2024-01-01': one value (see castType).
        if (text === '::' && last === VALUE) {
          const end = castType(tokens, i + 1);
          if (end !== undefined) {
            items[items.length - 1] = CAST_VALUE;
            i = end - 1;
            break;
          }
        }
        items.push({ k: 'o', t: OPERATOR_SPELLINGS[text] ?? text });
        break;
      }
      case 'word': {
        const word = lower(i);
        if (TYPED_LITERAL_PREFIXES.has(word)) {
          // DATE '…', TIMESTAMP WITH TIME ZONE '…', INTERVAL '1' DAY [TO SECOND]: one value.
          let j = i + 1;
          while (kind(j) === 'word' && TYPE_MODIFIERS.has(lower(j))) j++;
          if (kind(j) === 'string') {
            if (word === 'interval') {
              while (kind(j + 1) === 'word' && (INTERVAL_UNITS.has(lower(j + 1)) || lower(j + 1) === 'to')) j++;
            }
            items.push(VALUE);
            i = j;
            break;
          }
        }
        // TRUE, FALSE and NULL are values, except in IS [NOT] NULL/TRUE/FALSE and NOT NULL, where they are the test.
        if (VALUE_WORDS.has(word) && !isWord(last, 'is') && !isWord(last, 'not')) {
          items.push(VALUE);
          break;
        }
        // INNER JOIN is JOIN; LEFT OUTER JOIN is LEFT JOIN.
        if ((word === 'inner' || word === 'outer') && kind(i + 1) === 'word' && lower(i + 1) === 'join') break;
        if (word === 'by' && (isWord(last, 'order') || isWord(last, 'group'))) byList[depth] = true;
        else if (BY_LIST_END.has(word)) byList[depth] = false;
        items.push({ k: 'w', t: word });
        break;
      }
    }
  }
  return collapseValuesRuns(items);
}

/**
 * A literal cast to a type is a typed literal, however it is spelled: PostgreSQL's parser reads
 * `'x'::date`, `CAST('x' AS date)` and `DATE 'x'` as one TypeCast of a constant, and pg_stat_statements
 * and libpg-query's fingerprint give the three one id. The type is a name (schema-qualified or not, with
 * PRECISION, VARYING or WITH[OUT] TIME ZONE after it) and any number of array brackets. A type modifier,
 * `varchar(10)` or `numeric(12, 2)`, is not taken: the server adds a length coercion, so its id differs
 * from the bare literal's, and such a cast keeps its shape.
 *
 * castType reads the type in the raw tokens from index `from` and returns the index after it, or
 * undefined when what follows `::` is not such a type.
 */
function castType(tokens: Scanned, from: number): number | undefined {
  const { kind, lower } = reader(tokens);
  const isName = (i: number) => kind(i) === 'word' || kind(i) === 'quoted';
  const isPunct = (i: number, c: string) => kind(i) === 'punct' && tokens.text(i) === c;
  if (!isName(from)) return undefined;
  let i = from + 1;
  if (isPunct(i, '.') && isName(i + 1)) i += 2;
  while (kind(i) === 'word' && TYPE_NAME_TAILS.has(lower(i))) i++;
  if (kind(i) === 'word' && (lower(i) === 'with' || lower(i) === 'without') && kind(i + 1) === 'word' && lower(i + 1) === 'time' && kind(i + 2) === 'word' && lower(i + 2) === 'zone') i += 3;
  if (isPunct(i, '(')) return undefined;
  while (isPunct(i, '[')) {
    const close = kind(i + 1) === 'number' ? i + 2 : i + 1;
    if (!isPunct(close, ']')) return undefined;
    i = close + 1;
  }
  return i;
}

/** `(? AS type)` after CAST, the type as castType takes it, already built into items. */
function isCastOfLiteral(group: Group): boolean {
  const [value, as, ...type] = group.items;
  if (group.open !== '(' || value !== VALUE || !isWord(as, 'as') || type.length === 0) return false;
  let expectName = true;
  for (let i = 0; i < type.length; i++) {
    const item = type[i];
    if (expectName) {
      if (!isTok(item) || item.k !== 'w' || KEYWORDS.has(item.t)) return false;
      expectName = false;
    } else if (isTok(item) && item.t === '.') expectName = true;
    else if (isTok(item) && item.k === 'w' && (TYPE_NAME_TAILS.has(item.t) || TYPE_MODIFIERS.has(item.t))) continue;
    // int[] and int[3]: an array bracket, empty or with a bound (collapsed to ?+). Never a type modifier.
    else if (!isTok(item) && item.open === '[' && (item.items.length === 0 || (item.items.length === 1 && item.items[0] === LIST))) continue;
    else return false;
  }
  return !expectName;
}

/** A closed bracket: a list of values (or of such lists) becomes one `?+`. */
function closeGroup(open: string, inner: Item[], close: string): Group {
  const items = collapseValuesRuns(inner);
  let allValues = items.length > 0;
  let expectValue = true;
  for (const item of items) {
    if (expectValue ? !isValue(item) : !(isTok(item) && item.t === ',')) {
      allValues = false;
      break;
    }
    expectValue = !expectValue;
  }
  if (allValues && expectValue) allValues = false; // a trailing comma
  return { open, close, items: allValues ? [LIST] : items };
}

/**
 * VALUES (?+), (?+), … → VALUES (?+) and VALUES 27, 61 → VALUES ?+: the number of rows is a value
 * too. Only a run that ends the clause collapses (`VALUES 1 + 2` keeps its shape). Linear.
 */
function collapseValuesRuns(items: Item[]): Item[] {
  let hasValues = false;
  for (const item of items) if (isWord(item, 'values')) hasValues = true;
  if (!hasValues) return items;
  const out: Item[] = [];
  for (let i = 0; i < items.length; i++) {
    out.push(items[i]);
    if (!isWord(items[i], 'values')) continue;
    const rows = isRow(items[i + 1]);
    const scalar = !rows && isTok(items[i + 1]) && isValue(items[i + 1]);
    if (!rows && !scalar) continue;
    let end = i + 1;
    while (isTok(items[end + 1]) && (items[end + 1] as Tok).t === ',' && (rows ? isRow(items[end + 2]) : isTok(items[end + 2]) && isValue(items[end + 2]))) end += 2;
    const after = items[end + 1];
    if (after !== undefined && !(isTok(after) && after.k === 'w')) continue;
    out.push(rows ? items[i + 1] : LIST);
    i = end;
  }
  return out;
}

/** One space between tokens, none inside brackets' edges, before , . or after . — written without recursion. */
function render(root: Item[]): string {
  const parts: string[] = [];
  const stack: { items: Item[]; index: number; close: string }[] = [{ items: root, index: 0, close: '' }];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.items.length) {
      stack.pop();
      if (frame.close) parts.push(frame.close);
      continue;
    }
    const item = frame.items[frame.index++];
    if (isTok(item)) parts.push(item.t);
    else {
      parts.push(item.open);
      stack.push({ items: item.items, index: 0, close: item.close });
    }
  }
  let s = '';
  let prev: string | undefined;
  for (const p of parts) {
    const glue =
      prev === undefined ||
      p === ',' || p === ')' || p === ']' || p === '}' || p === '.' ||
      prev === '(' || prev === '[' || prev === '{' || prev === '.' ||
      (p === '(' && isCallee(prev)) ||
      p === '[';
    s += (glue ? '' : ' ') + p;
    prev = p;
  }
  return s;
}

/** `count(` is a call; `in (` is not. */
const isCallee = (prev: string) => (BARE_NAME.test(prev) || prev.endsWith('"')) && !KEYWORDS.has(prev);
