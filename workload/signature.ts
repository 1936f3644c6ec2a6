/**
 * A query's signature: its shape with the values taken out. From the tokenizer's tokens, in one pass
 * with an explicit stack (no recursion, so no depth of nesting can overflow it, and linear time):
 * literals of every kind become `?`, lists of them collapse to one `?+`, comments and layout go,
 * keywords and identifiers are folded as the dialect folds them, equivalent operators are written one
 * way. ORDER BY and GROUP BY ordinals stay: they are positions, not values. Two queries that differ
 * only in values share a signature, and so a short id.
 */
import { createHash } from 'node:crypto';
import { Dialect, Scanned, SqlSyntaxError, TokenKind, scan } from './tokenizer';
import { quotedIdentifierName } from './quoted-identifiers';
import * as words from './signature-words';
import { Group, Item, Tok, render } from './signature-tree';

// Local bindings, read once: compiled to CommonJS (tsx, jest), every use of an imported binding is a
// getter call on the module object, and these are read several times per token.
const { TYPED_LITERAL_PREFIXES, TYPE_MODIFIERS, VALUE_WORDS, TYPE_WORDS, TYPE_SPELLINGS, INTERVAL_QUALIFIER, TYPE_NAME_TAILS, KEYWORDS, BY_LIST_END, ORDINAL_END_PUNCT, AFTER_ORDINAL, RESERVED, BARE_NAME, OPERATOR_SPELLINGS } = words;

export type { Dialect } from './tokenizer';

const VALUE: Tok = { k: '?', t: '?' };
/**
 * A string literal in PostgreSQL: `jsonb - 'a'` and `jsonb - 3` call different operators, so a string
 * is not a number there. Trino and MySQL read both as `?`, as their oracles do.
 */
const STRING: Tok = { k: '?', t: "'?'" };
/** A literal of a known type, `date ?`: a second cast of it stays (`'x'::date::timestamp` is two operations). */
const typedValue = (type: string): Tok => ({ k: '?', t: `${type} ?` });
/** The one spelling of a type name as written (lower case, words single-spaced). */
const spellType = (type: string) => {
  const bare = type.replace(/^pg_catalog\./, '');
  return TYPE_SPELLINGS[bare] ?? bare;
};
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
/** A value, a collapsed list, or a bracketed row of values, `(?+)` or `(?, ?)` (so lists of rows collapse too). */
const isValue = (item: Item | undefined): boolean => item !== undefined && (isTok(item) ? item.k === '?' || item.k === '?+' : item.open !== '{' && isValueRow(item.items));
function isValueRow(items: Item[]): boolean {
  if (items.length === 0) return false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (i % 2 === 0 ? !(isTok(item) && (item.k === '?' || item.k === '?+')) : !(isTok(item) && item.t === ',')) return false;
  }
  return items.length % 2 === 1;
}
const isRow = (item: Item | undefined) => item !== undefined && !isTok(item) && item.open === '(' && isValue(item);
/** Whether the item ends an operand, so a following sign subtracts rather than negates. */
const endsOperand = (item: Item | undefined) => item !== undefined && (!isTok(item) || item.k === '?' || item.k === '?+' || item.k === 'n' || (item.k === 'w' && !KEYWORDS.has(item.t)));

const OPEN_MARKS: Record<string, Tok> = { '(': { k: 'p', t: '(' }, '[': { k: 'p', t: '[' }, '{': { k: 'p', t: '{' } };

/**
 * A token's kind (undefined past the end) and its text in lower case, by index. One per query, shared
 * by build and the readers it calls. The newest lower-cased text is kept: build looks at the next word
 * before it reaches it, so most words would otherwise be sliced and lower-cased twice.
 */
/** Closures over one statement's tokens, so callers may take them apart (`const { kind, lower } = read`). */
interface Reader {
  readonly tokens: Scanned;
  readonly kind: (i: number) => TokenKind | undefined;
  readonly lower: (i: number) => string;
}

function reader(tokens: Scanned): Reader {
  let lastIndex = -1;
  let lastLower = '';
  return {
    tokens,
    kind: (i: number): TokenKind | undefined => (i < tokens.count ? tokens.kind(i) : undefined),
    lower: (i: number) => {
      if (i !== lastIndex) {
        lastLower = tokens.text(i).toLowerCase();
        lastIndex = i;
      }
      return lastLower;
    },
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
  const read = reader(tokens);
  const { kind, lower } = read;
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
          // Only IN, VALUES and ARRAY lists collapse: a call keeps its arity (round(?, ?) is not round(?)).
          const before = items[start - 1];
          const list = isWord(before, 'in') || isWord(before, 'values') || (open === '[' && isWord(before, 'array'));
          const group = closeGroup(open, items.slice(start + 1), c, list);
          items.length = start;
          // CAST('2024-01-01' AS date) is DATE '2024-01-01' too; not in MySQL, where the server's digest
          // keeps `CAST (? AS DATE)` apart (a split at worst, never a merge).
          const castType = dialect !== 'mysql' && isWord(items[start - 1], 'cast') ? castOfLiteralType(group) : undefined;
          if (castType !== undefined) items[start - 1] = typedValue(castType);
          else items.push(group);
        } else if (c !== ';') {
          items.push(c === ',' ? COMMA : { k: 'p', t: c });
        }
        break;
      }
      case 'string':
        // MySQL's charset introducer, _utf8mb4'…', is part of the literal.
        if (dialect === 'mysql' && isTok(last) && last.k === 'w' && last.t.startsWith('_')) items.pop();
        items.push(dialect === 'postgres' ? STRING : VALUE);
        break;
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
        // MySQL: backticks only quote, so `sbtest1` is sbtest1, as the server's digest reads it.
        items.push({ k: 'w', t: renderName(quotedIdentifierName(text, dialect)) });
        break;
      }
      case 'op': {
        const text = tokens.text(i);
        // '2024-01-01'::date is DATE '2024-01-01': one value (see castType).
        if (text === '::' && (last === VALUE || last === STRING)) {
          const type = castType(read, i + 1);
          if (type !== undefined) {
            items[items.length - 1] = typedValue(type.name);
            i = type.end - 1;
            break;
          }
        }
        items.push({ k: 'o', t: OPERATOR_SPELLINGS[text] ?? text });
        break;
      }
      case 'word': {
        const word = lower(i);
        // Hot path: only a word followed by a string, a type word or a precision can lead a typed literal.
        const nextKind = kind(i + 1);
        const mayBeTyped = nextKind === 'string' || (nextKind === 'word' && TYPE_WORDS.has(lower(i + 1))) || (nextKind === 'punct' && TYPED_LITERAL_PREFIXES.has(word));
        const typed = mayBeTyped ? typedLiteral(read, i, dialect, last) : undefined;
        if (typed) {
          items.push(typedValue(typed.name));
          i = typed.end - 1;
          break;
        }
        // PostgreSQL: EXTRACT(CENTURY FROM …) is extract(? FROM …); the field is a constant there, and
        // pg_stat_statements and libpg-query give every field one id.
        if (last === OPEN_MARKS['('] && dialect === 'postgres' && isWord(items[items.length - 2], 'extract') && kind(i + 1) === 'word' && lower(i + 1) === 'from') {
          items.push(VALUE);
          break;
        }
        // PostgreSQL: an output column's name (AS name) is not part of the query; pg_stat_statements
        // and libpg-query leave it out. A CAST's AS, a CTE's and a column list's stay.
        if (dialect === 'postgres' && word === 'as' && isColumnAlias(read, i + 1) && !(depth > 0 && isWord(items[starts[depth - 1] - 1], 'cast'))) {
          i++;
          break;
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
function castType(read: Reader, from: number): { name: string; end: number } | undefined {
  const { tokens, kind, lower } = read;
  const isName = (i: number) => kind(i) === 'word' || kind(i) === 'quoted';
  const isPunct = (i: number, c: string) => kind(i) === 'punct' && tokens.text(i) === c;
  const nameAt = (i: number) => (kind(i) === 'quoted' ? renderName(quotedIdentifierName(tokens.text(i), 'postgres')) : lower(i));
  if (!isName(from)) return undefined;
  const words = [nameAt(from)];
  let i = from + 1;
  if (isPunct(i, '.') && isName(i + 1)) {
    words[0] += `.${nameAt(i + 1)}`;
    i += 2;
  }
  while (kind(i) === 'word' && TYPE_NAME_TAILS.has(lower(i))) words.push(lower(i++));
  if (kind(i) === 'word' && (lower(i) === 'with' || lower(i) === 'without') && kind(i + 1) === 'word' && lower(i + 1) === 'time' && kind(i + 2) === 'word' && lower(i + 2) === 'zone') {
    words.push(lower(i), 'time', 'zone');
    i += 3;
  }
  if (isPunct(i, '(')) return undefined;
  let brackets = '';
  while (isPunct(i, '[')) {
    const close = kind(i + 1) === 'number' ? i + 2 : i + 1;
    if (!isPunct(close, ']')) return undefined;
    brackets += '[]';
    i = close + 1;
  }
  return { name: spellType(words.join(' ')) + brackets, end: i };
}

/**
 * A typed literal from the word at `at`: DATE '…', TIMESTAMP(3) WITH TIME ZONE '…', INTERVAL '1'
 * MINUTE TO SECOND(2) and INTERVAL(2) '…' (the qualifier and precision belong to the literal). In
 * PostgreSQL any type name may lead a string (`point '(1,2)'`, `int2 '0'`); elsewhere the known ones.
 * Returns the type's one spelling and the index after the literal.
 */
function typedLiteral(read: Reader, at: number, dialect: Dialect, last: Item | undefined): { name: string; end: number } | undefined {
  const { tokens, kind, lower } = read;
  const word = lower(at);
  if (isWord(last, 'at') || (isTok(last) && last.t === '.')) return undefined; // AT TIME ZONE '…'; a qualified name
  if (!(TYPED_LITERAL_PREFIXES.has(word) || (dialect === 'postgres' && !KEYWORDS.has(word) && !RESERVED.has(word) && !TYPE_MODIFIERS.has(word)))) return undefined;
  const isPunct = (i: number, c: string) => kind(i) === 'punct' && tokens.text(i) === c;
  const precision = (i: number) => (isPunct(i, '(') && kind(i + 1) === 'number' && isPunct(i + 2, ')') ? i + 3 : i);
  const words = [word];
  let j = precision(at + 1);
  while (kind(j) === 'word' && (TYPE_MODIFIERS.has(lower(j)) || TYPE_NAME_TAILS.has(lower(j)))) words.push(lower(j++));
  if (kind(j) !== 'string') return undefined;
  if (dialect === 'postgres' && !TYPED_LITERAL_PREFIXES.has(word) && words.length > 1) return undefined;
  if (word === 'interval') {
    while (kind(j + 1) === 'word' && INTERVAL_QUALIFIER.has(lower(j + 1))) j = precision(j + 2) - 1;
    return { name: 'interval', end: j + 1 };
  }
  return { name: spellType(words.join(' ')), end: j + 1 };
}

/** After AS: a name that ends a select-list entry (a comma, a bracket, the end, or the next clause). */
function isColumnAlias(read: Reader, at: number): boolean {
  const { tokens, kind, lower } = read;
  if (!(kind(at) === 'quoted' || (kind(at) === 'word' && !RESERVED.has(lower(at))))) return false;
  const next = kind(at + 1);
  if (next === undefined) return true;
  if (next === 'punct') return ORDINAL_END_PUNCT.has(tokens.text(at + 1));
  return next === 'word' && (BY_LIST_END.has(lower(at + 1)) || lower(at + 1) === 'from');
}

/** `(? AS type)` after CAST, the type as castType takes it, already built into items: its one spelling, or undefined. */
function castOfLiteralType(group: Group): string | undefined {
  const [value, as, ...type] = group.items;
  if (group.open !== '(' || (value !== VALUE && value !== STRING) || !isWord(as, 'as') || type.length === 0) return undefined;
  let expectName = true;
  let name = '';
  let brackets = '';
  for (let i = 0; i < type.length; i++) {
    const item = type[i];
    if (expectName) {
      if (!isTok(item) || item.k !== 'w' || KEYWORDS.has(item.t) || brackets) return undefined;
      name += item.t;
      expectName = false;
    } else if (isTok(item) && item.t === '.') {
      name += '.';
      expectName = true;
    } else if (isTok(item) && item.k === 'w' && (TYPE_NAME_TAILS.has(item.t) || TYPE_MODIFIERS.has(item.t))) name += ` ${item.t}`;
    // int[] and int[3]: an array bracket, empty or with a bound. Never a type modifier.
    else if (!isTok(item) && item.open === '[' && (item.items.length === 0 || (item.items.length === 1 && isTok(item.items[0]) && item.items[0].k === '?'))) brackets += '[]';
    else return undefined;
  }
  return expectName ? undefined : spellType(name) + brackets;
}

/** A closed bracket: an IN, VALUES or ARRAY list of values (or of rows of values) becomes one `?+`. */
function closeGroup(open: string, inner: Item[], close: string, list: boolean): Group {
  const items = collapseValuesRuns(inner);
  if (!list) return { open, close, items };
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
    out.push(rows ? { open: '(', close: ')', items: [LIST] } : LIST);
    i = end;
  }
  return out;
}
