/**
 * A query's signature: its shape with the values taken out. From the tokenizer's tokens, in one pass
 * with an explicit stack (no recursion, so no depth of nesting can overflow it, and linear time):
 * literals of every kind become `?`, lists of them collapse to one `?+`, comments and layout go,
 * keywords and identifiers are folded as the dialect folds them, equivalent operators are written one
 * way. ORDER BY and GROUP BY ordinals stay: they are positions, not values. Two queries that differ
 * only in values share a signature, and so a short id.
 */
import { createHash } from 'node:crypto';
import { Dialect, SqlSyntaxError, Token, tokenize } from './tokenizer';

export type { Dialect } from './tokenizer';

/** Type names that turn a following string literal into a typed literal: DATE '2024-01-01' is one value. */
const TYPED_LITERAL_PREFIXES = new Set([
  'date', 'time', 'timestamp', 'timestamptz', 'interval', 'decimal', 'numeric', 'real', 'double', 'char', 'varchar', 'json', 'jsonb', 'uuid', 'ipaddress', 'bigint', 'integer', 'int', 'smallint', 'tinyint', 'boolean', 'varbinary', 'text',
]);
const INTERVAL_UNITS = new Set(['year', 'month', 'week', 'day', 'hour', 'minute', 'second', 'years', 'months', 'days', 'hours', 'minutes', 'seconds']);
/** TIMESTAMP WITH TIME ZONE '…' and the like: type words that may sit between the type and the literal. */
const TYPE_MODIFIERS = new Set(['with', 'without', 'time', 'zone', 'local', 'precision']);
const VALUE_WORDS = new Set(['true', 'false', 'null']);

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
interface Group {
  readonly open: string;
  /** '' when the input never closed it. */
  readonly close: string;
  readonly items: Item[];
}
type Item = Tok | Group;

const VALUE: Tok = { k: '?', t: '?' };
const LIST: Tok = { k: '?+', t: '?+' };
const COMMA: Tok = { k: 'p', t: ',' };
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

export interface Signature {
  readonly signature: string;
  readonly id: string;
}

/** The signature of one query in a dialect (default Trino). Throws SqlSyntaxError when it does not tokenize or holds no statement. */
export function signatureOf(sql: string, dialect: Dialect = 'trino'): Signature {
  const text = render(build(tokenize(sql, dialect), dialect));
  if (text === '') throw new SqlSyntaxError('empty query: nothing but comments, whitespace or semicolons');
  return { signature: text, id: shortId(text) };
}

/** 12 hex digits of SHA-256: stable across runs and machines. */
export function shortId(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 12);
}

/** A quoted identifier's name as the dialect resolves it: Trino and MySQL fold case; PostgreSQL keeps it exact. */
function quotedName(text: string, dialect: Dialect): string {
  const quote = text[0];
  const name = text.slice(1, -1).split(quote + quote).join(quote);
  return dialect === 'postgres' ? name : name.toLowerCase();
}

function renderName(name: string): string {
  return BARE_NAME.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

const isTok = (item: Item | undefined): item is Tok => item !== undefined && 'k' in item;
const isWord = (item: Item | undefined, word: string) => isTok(item) && item.k === 'w' && item.t === word;
/** A value, a collapsed list, or a bracketed list already collapsed to `(?+)` (so lists of lists collapse too). */
const isValue = (item: Item | undefined) => item !== undefined && (isTok(item) ? item.k === '?' || item.k === '?+' : item.close !== '' && item.items.length === 1 && isTok(item.items[0]) && item.items[0].k === '?+');
const isRow = (item: Item | undefined) => item !== undefined && !isTok(item) && item.open === '(' && isValue(item);
/** Whether the item ends an operand, so a following sign subtracts rather than negates. */
const endsOperand = (item: Item | undefined) => item !== undefined && (!isTok(item) || item.k === '?' || item.k === '?+' || item.k === 'n' || (item.k === 'w' && !KEYWORDS.has(item.t)));

interface Frame {
  readonly open: string;
  readonly items: Item[];
  /** Inside an ORDER BY or GROUP BY list at this depth. */
  byList: boolean;
}

/** Tokens to a tree of groups, values folded and lists collapsed as each group closes. */
function build(tokens: readonly Token[], dialect: Dialect): Item[] {
  const root: Frame = { open: '', items: [], byList: false };
  const stack: Frame[] = [root];
  let top = root;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const items = top.items;
    const last = items[items.length - 1];
    switch (tok.kind) {
      case 'punct': {
        const c = tok.text;
        if (PAIRS[c]) {
          top = { open: c, items: [], byList: false };
          stack.push(top);
        } else if (stack.length > 1 && PAIRS[top.open] === c) {
          const closed = stack.pop()!;
          top = stack[stack.length - 1];
          top.items.push(closeGroup(closed, c));
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
        const next = tokens[i + 1];
        const ordinal =
          top.byList &&
          (isWord(last, 'by') || (isTok(last) && last.t === ',')) &&
          (next === undefined || (next.kind === 'punct' && (next.text === ',' || next.text === ')' || next.text === ';')) || (next.kind === 'word' && AFTER_ORDINAL.has(next.text.toLowerCase())));
        if (ordinal) {
          items.push({ k: 'n', t: String(Number(tok.text.replace(/_/g, ''))) });
          break;
        }
        // A sign in front of a number is part of the value when it cannot be a binary operator.
        if (isTok(last) && last.k === 'o' && (last.t === '-' || last.t === '+') && !endsOperand(items[items.length - 2])) items.pop();
        items.push(VALUE);
        break;
      }
      case 'quoted':
        // MySQL: a backticked name stays apart from the bare one, case folded, as pt-fingerprint (and so
        // pt-query-digest) groups them: a split at worst, never a merge.
        items.push({ k: 'w', t: dialect === 'mysql' && tok.text[0] === '`' ? tok.text.toLowerCase() : renderName(quotedName(tok.text, dialect)) });
        break;
      case 'op':
        items.push({ k: 'o', t: OPERATOR_SPELLINGS[tok.text] ?? tok.text });
        break;
      case 'word': {
        const word = tok.text.toLowerCase();
        if (TYPED_LITERAL_PREFIXES.has(word)) {
          // DATE '…', TIMESTAMP WITH TIME ZONE '…', INTERVAL '1' DAY [TO SECOND]: one value.
          let j = i + 1;
          while (j < tokens.length && tokens[j].kind === 'word' && TYPE_MODIFIERS.has(tokens[j].text.toLowerCase())) j++;
          if (j < tokens.length && tokens[j].kind === 'string') {
            if (word === 'interval') {
              while (j + 1 < tokens.length && tokens[j + 1].kind === 'word' && (INTERVAL_UNITS.has(tokens[j + 1].text.toLowerCase()) || tokens[j + 1].text.toLowerCase() === 'to')) j++;
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
        if ((word === 'inner' || word === 'outer') && tokens[i + 1]?.kind === 'word' && tokens[i + 1].text.toLowerCase() === 'join') break;
        if (word === 'by' && (isWord(last, 'order') || isWord(last, 'group'))) top.byList = true;
        else if (BY_LIST_END.has(word)) top.byList = false;
        items.push({ k: 'w', t: word });
        break;
      }
    }
  }
  // Brackets never closed stay as written, innermost first, without collapsing.
  while (stack.length > 1) {
    const open = stack.pop()!;
    top = stack[stack.length - 1];
    top.items.push({ open: open.open, close: '', items: collapseValuesRuns(open.items) });
  }
  return collapseValuesRuns(root.items);
}

/** A closed bracket: a list of values (or of such lists) becomes one `?+`. */
function closeGroup(frame: Frame, close: string): Group {
  const items = collapseValuesRuns(frame.items);
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
  return { open: frame.open, close, items: allValues ? [LIST] : items };
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
