/**
 * A query's signature: its shape with the values taken out. From the tokenizer's tokens: literals of
 * every kind become `?`, lists of them collapse to one `?+`, comments and layout go, keywords and
 * unquoted identifiers are case-folded, quoted identifiers stay as written. Two queries that differ
 * only in values share a signature, and so a short id.
 */
import { createHash } from 'node:crypto';
import { Token, tokenize } from './tokenizer';

/** Type names that turn a following string literal into a typed literal: DATE '2024-01-01' is one value. */
const TYPED_LITERAL_PREFIXES = new Set([
  'date', 'time', 'timestamp', 'interval', 'decimal', 'numeric', 'real', 'double', 'char', 'varchar', 'json', 'uuid', 'ipaddress', 'bigint', 'integer', 'int', 'smallint', 'tinyint', 'boolean', 'varbinary',
]);
const INTERVAL_UNITS = new Set(['year', 'month', 'week', 'day', 'hour', 'minute', 'second', 'years', 'months', 'days', 'hours', 'minutes', 'seconds']);
/** TIMESTAMP WITH TIME ZONE '…' and the like: type words that may sit between the type and the literal. */
const TYPE_MODIFIERS = new Set(['with', 'without', 'time', 'zone', 'local']);
const VALUE_WORDS = new Set(['true', 'false', 'null']);

type Node = { t: 'tok'; kind: Token['kind'] | 'value'; text: string } | { t: 'group'; open: string; close: string; items: Node[] };

export interface Signature {
  readonly signature: string;
  readonly id: string;
}

export function signatureOf(sql: string): Signature {
  const tokens = foldValues(tokenize(sql));
  const tree = collapse(group(tokens));
  const text = render(tree);
  return { signature: text, id: shortId(text) };
}

/** 12 hex digits of SHA-256: stable across runs and machines. */
export function shortId(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 12);
}

/** Literals, typed literals and signed numbers become single `?` value tokens; words are case-folded. */
function foldValues(tokens: Token[]): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const lower = tok.kind === 'word' ? tok.text.toLowerCase() : tok.text;
    if (tok.kind === 'word' && TYPED_LITERAL_PREFIXES.has(lower)) {
      // DATE '…', TIMESTAMP WITH TIME ZONE '…', INTERVAL '1' DAY [TO SECOND]: one value.
      let j = i + 1;
      while (j < tokens.length && tokens[j].kind === 'word' && TYPE_MODIFIERS.has(tokens[j].text.toLowerCase())) j++;
      if (j < tokens.length && tokens[j].kind === 'string') {
        if (lower === 'interval') {
          while (j + 1 < tokens.length && tokens[j + 1].kind === 'word' && (INTERVAL_UNITS.has(tokens[j + 1].text.toLowerCase()) || tokens[j + 1].text.toLowerCase() === 'to')) j++;
        }
        out.push({ t: 'tok', kind: 'value', text: '?' });
        i = j;
        continue;
      }
    }
    if (tok.kind === 'string' || tok.kind === 'number' || tok.kind === 'param' || (tok.kind === 'word' && VALUE_WORDS.has(lower))) {
      // A sign in front of a number is part of the value when it cannot be a binary operator.
      const prev = out[out.length - 1];
      if (tok.kind === 'number' && prev?.t === 'tok' && prev.kind === 'op' && (prev.text === '-' || prev.text === '+')) {
        const before = out[out.length - 2];
        const binary = before && ((before.t === 'tok' && (before.kind === 'value' || before.kind === 'quoted' || (before.kind === 'word' && !isKeyword(before.text)))) || (before.t === 'tok' && (before.text === ')' || before.text === ']')));
        if (!binary) out.pop();
      }
      out.push({ t: 'tok', kind: 'value', text: '?' });
      continue;
    }
    out.push({ t: 'tok', kind: tok.kind, text: tok.kind === 'word' ? lower : tok.text });
  }
  return out;
}

/** Words after which a sign starts a value rather than subtracting. */
const KEYWORDS = new Set(['select', 'where', 'and', 'or', 'not', 'in', 'values', 'between', 'like', 'when', 'then', 'else', 'by', 'limit', 'offset', 'is', 'on', 'set', 'return', 'case', 'having', 'as']);
function isKeyword(word: string): boolean {
  return KEYWORDS.has(word);
}

const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Nests bracketed runs so lists can be seen whole. Unbalanced brackets stay as plain tokens. */
function group(nodes: Node[]): Node[] {
  const root: Node[] = [];
  const stack: { open: string; items: Node[] }[] = [];
  const top = () => (stack.length ? stack[stack.length - 1].items : root);
  for (const node of nodes) {
    if (node.t === 'tok' && node.kind === 'punct' && PAIRS[node.text]) {
      stack.push({ open: node.text, items: [] });
    } else if (node.t === 'tok' && node.kind === 'punct' && stack.length && PAIRS[stack[stack.length - 1].open] === node.text) {
      const g = stack.pop()!;
      top().push({ t: 'group', open: g.open, close: node.text, items: g.items });
    } else {
      top().push(node);
    }
  }
  // Unclosed groups: flatten back in order.
  while (stack.length) {
    const g = stack.pop()!;
    top().push({ t: 'tok', kind: 'punct', text: g.open }, ...g.items);
  }
  return root;
}

/** A value, or a bracketed list already collapsed to `?+` (so lists of lists collapse too). */
const isValue = (n: Node): boolean => (n.t === 'tok' && n.kind === 'value') || (n.t === 'group' && n.items.length === 1 && n.items[0].t === 'tok' && n.items[0].text === '?+');

/** A bracketed list of values (or of such lists) becomes one `?+`; VALUES (…), (…) keeps a single row. */
function collapse(nodes: Node[]): Node[] {
  const out: Node[] = [];
  for (const node of nodes) {
    if (node.t === 'group') {
      const items = collapse(node.items);
      const elements = splitCommas(items);
      const allValues = elements.length > 0 && elements.every((e) => e.length === 1 && isValue(e[0]));
      out.push({ t: 'group', open: node.open, close: node.close, items: allValues ? [{ t: 'tok', kind: 'value', text: '?+' }] : items });
    } else {
      out.push(node);
    }
  }
  // VALUES (?+), (?+), ... → VALUES (?+): the number of rows is a value too.
  for (let i = 0; i < out.length; i++) {
    const a = out[i];
    if (a.t === 'group' && isValuesRow(a) && out[i + 1]?.t === 'tok' && (out[i + 1] as { text: string }).text === ',' && out[i + 2] && isValuesRow(out[i + 2])) {
      out.splice(i + 1, 2);
      i--;
    }
  }
  return out;
}

const isValuesRow = (n: Node) => n.t === 'group' && n.open === '(' && n.items.length === 1 && n.items[0].t === 'tok' && n.items[0].text === '?+';

function splitCommas(items: Node[]): Node[][] {
  const parts: Node[][] = [[]];
  for (const n of items) {
    if (n.t === 'tok' && n.text === ',') parts.push([]);
    else parts[parts.length - 1].push(n);
  }
  return parts[0].length === 0 && parts.length === 1 ? [] : parts;
}

/** One space between tokens, none inside brackets' edges, before , . or after . */
function render(nodes: Node[]): string {
  const parts: string[] = [];
  const emit = (list: Node[]) => {
    for (const n of list) {
      if (n.t === 'group') {
        parts.push(n.open);
        emit(n.items);
        parts.push(n.close);
      } else if (n.text !== ';') {
        parts.push(n.text);
      }
    }
  };
  emit(nodes);
  let s = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const prev = parts[i - 1];
    const glue = i === 0 || p === ',' || p === ')' || p === ']' || p === '}' || p === '.' || prev === '(' || prev === '[' || prev === '{' || prev === '.' || (p === '(' && prev !== undefined && /^[\w"`]+$/.test(prev) && !isKeyword(prev)) || (p === '[' && prev !== undefined);
    s += (glue ? '' : ' ') + p;
  }
  return s;
}
