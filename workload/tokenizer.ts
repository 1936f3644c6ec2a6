/**
 * A SQL tokenizer for Trino/Presto (and PostgreSQL) text: comments, string literals with '' escapes,
 * quoted identifiers with "" escapes, numbers, identifiers, parameters and operators. Signatures are
 * built from its tokens, never from regular expressions over the raw text.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'op' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

export class SqlSyntaxError extends Error {}

const OPERATORS = ['<>', '<=', '>=', '!=', '||', '::', '->', '=>', '=', '<', '>', '+', '-', '*', '/', '%', '^', '~', '&', '|', '!', '?'];
/** Operators by first character, longest first: one lookup instead of a scan. */
const OPERATORS_BY_FIRST = new Map<string, string[]>();
for (const op of OPERATORS) OPERATORS_BY_FIRST.set(op[0], [...(OPERATORS_BY_FIRST.get(op[0]) ?? []), op].sort((a, b) => b.length - a.length));
const PUNCT = new Set(['(', ')', ',', ';', '.', '[', ']', '{', '}', ':']);

// Character classes by code: this loop runs once per character of every query (bench:signature).
const isWordStartCode = (x: number) => (x >= 97 && x <= 122) || (x >= 65 && x <= 90) || x === 95 || x >= 0xc0;
const isWordCode = (x: number) => isWordStartCode(x) || (x >= 48 && x <= 57) || x === 36;
const isWordStart = (c: string) => c !== undefined && isWordStartCode(c.charCodeAt(0));
const isDigit = (c: string) => c >= '0' && c <= '9';

/** Splits SQL into tokens; comments and whitespace are dropped. Throws on an unterminated literal or comment. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const code = sql.charCodeAt(i);
    // Whitespace (space, \t, \n, \f, \r) and plain words first: most of any query.
    if (code === 32 || (code >= 9 && code <= 13)) {
      i++;
      continue;
    }
    const c = sql[i];
    if (isWordStartCode(code) && sql.charCodeAt(i + 1) !== 39 && !((code === 85 || code === 117) && sql[i + 1] === '&')) {
      const start = i;
      while (i < n && isWordCode(sql.charCodeAt(i))) i++;
      out.push({ kind: 'word', text: sql.slice(start, i) });
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new SqlSyntaxError(`unterminated /* comment at offset ${i}`);
      i = end + 2;
    } else if (c === "'" || ((c === 'E' || c === 'e' || c === 'X' || c === 'x' || c === 'B' || c === 'b') && sql[i + 1] === "'") || ((c === 'U' || c === 'u') && sql[i + 1] === '&' && sql[i + 2] === "'")) {
      // '...' with '' as an escaped quote; E'..' (PostgreSQL escapes), X'..' (binary), U&'..' (unicode).
      const start = i;
      i = sql.indexOf("'", i);
      const backslashEscapes = c === 'E' || c === 'e';
      i++;
      while (true) {
        if (i >= n) throw new SqlSyntaxError(`unterminated string literal at offset ${start}`);
        if (backslashEscapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      out.push({ kind: 'string', text: sql.slice(start, i) });
    } else if (c === '"' || c === '`') {
      const start = i;
      i++;
      while (true) {
        if (i >= n) throw new SqlSyntaxError(`unterminated quoted identifier at offset ${start}`);
        if (sql[i] === c && sql[i + 1] === c) i += 2;
        else if (sql[i] === c) break;
        else i++;
      }
      i++;
      out.push({ kind: 'quoted', text: sql.slice(start, i) });
    } else if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      const start = i;
      if (c === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
        i += 2;
        while (i < n && /[0-9A-Fa-f_]/.test(sql[i])) i++;
      } else {
        while (i < n && (isDigit(sql[i]) || sql[i] === '_')) i++;
        if (sql[i] === '.' && sql[i + 1] !== '.') {
          i++;
          while (i < n && isDigit(sql[i])) i++;
        }
        if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1] ?? '') || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql[i + 2] ?? '')))) {
          i += 2;
          while (i < n && isDigit(sql[i])) i++;
        }
      }
      out.push({ kind: 'number', text: sql.slice(start, i) });
    } else if (c === '$' && isDigit(sql[i + 1] ?? '')) {
      const start = i++;
      while (i < n && isDigit(sql[i])) i++;
      out.push({ kind: 'param', text: sql.slice(start, i) });
    } else if (isWordStart(c)) {
      const start = i;
      while (i < n && isWordCode(sql.charCodeAt(i))) i++;
      out.push({ kind: 'word', text: sql.slice(start, i) });
    } else if (PUNCT.has(c) && !(c === ':' && sql[i + 1] === ':')) {
      out.push({ kind: 'punct', text: c });
      i++;
    } else {
      const op = OPERATORS_BY_FIRST.get(c)?.find((o) => sql.startsWith(o, i));
      if (!op) throw new SqlSyntaxError(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
      out.push({ kind: op === '?' ? 'param' : 'op', text: op });
      i += op.length;
    }
  }
  return out;
}
