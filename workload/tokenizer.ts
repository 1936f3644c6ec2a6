/**
 * A SQL tokenizer for three dialects: Trino/Presto, PostgreSQL and MySQL. Comments, string literals,
 * quoted identifiers, numbers, parameters and operators are read by each dialect's own lexical rules;
 * signatures and table references are built from its tokens, never from regular expressions over the
 * raw text. One pass, no recursion, no backtracking: linear in the input.
 */

export type Dialect = 'trino' | 'postgres' | 'mysql';
export const DIALECTS: readonly Dialect[] = ['trino', 'postgres', 'mysql'];

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'op' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** As written (a quoted identifier keeps its quotes). */
  readonly text: string;
  /** Offset of the first character in the SQL. */
  readonly start: number;
}

export class SqlSyntaxError extends Error {}

const KINDS: readonly TokenKind[] = ['word', 'quoted', 'string', 'number', 'param', 'op', 'punct'];
const KIND_CODE: Readonly<Record<TokenKind, number>> = { word: 0, quoted: 1, string: 2, number: 3, param: 4, op: 5, punct: 6 };

/**
 * Tokens without an object each: kinds and offsets in typed arrays, text sliced on demand. A 10 MB
 * query is millions of tokens; this keeps them to 9 bytes apiece and the garbage collector idle.
 */
export class Scanned {
  count = 0;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** `capacity` is a guess at the token count; the arrays double past it. */
  constructor(readonly sql: string, capacity = 64) {
    this.kinds = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  push(kind: TokenKind, start: number, end: number): void {
    this.pushCode(KIND_CODE[kind], start, end);
  }

  /** `push` by the kind's index in KINDS, for the scanner's loop. */
  pushCode(code: number, start: number, end: number): void {
    if (this.count === this.kinds.length) this.grow();
    this.kinds[this.count] = code;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  private grow(): void {
    const kinds = new Uint8Array(this.kinds.length * 2);
    const starts = new Int32Array(this.kinds.length * 2);
    const ends = new Int32Array(this.kinds.length * 2);
    kinds.set(this.kinds);
    starts.set(this.starts);
    ends.set(this.ends);
    this.kinds = kinds;
    this.starts = starts;
    this.ends = ends;
  }

  kind(i: number): TokenKind {
    return KINDS[this.kinds[i]];
  }

  text(i: number): string {
    return this.sql.slice(this.starts[i], this.ends[i]);
  }
}

interface Lexical {
  /** PostgreSQL: block comments nest (docs, "Lexical Structure › Comments"). Trino and MySQL end at the first `*\/`. */
  readonly nestedComments: boolean;
  /** MySQL: `#` starts a comment to the end of the line (MySQL 8.4 manual, "Comments"). */
  readonly hashComments: boolean;
  /** MySQL: `--` starts a comment only when followed by whitespace or a control character. */
  readonly dashCommentNeedsSpace: boolean;
  /** MySQL: backslash escapes inside '…' and "…" (unless NO_BACKSLASH_ESCAPES). */
  readonly backslashEscapes: boolean;
  /** MySQL (without ANSI_QUOTES): "…" is a string, not an identifier. */
  readonly doubleQuotedStrings: boolean;
  /** PostgreSQL: $$…$$ and $tag$…$tag$ strings (docs, "Dollar-Quoted String Constants"). */
  readonly dollarQuoting: boolean;
  /** Operators by first character, longest first; PostgreSQL reads operators by its own rule instead. */
  readonly operators: ReadonlyMap<string, readonly string[]> | 'postgres';
  /** `?` is a positional parameter (Trino, MySQL prepared statements); in PostgreSQL it is an operator character. */
  readonly questionMarkParam: boolean;
}

const byFirstChar = (ops: string[]): ReadonlyMap<string, readonly string[]> => {
  const map = new Map<string, string[]>();
  for (const op of ops) map.set(op[0], [...(map.get(op[0]) ?? []), op].sort((a, b) => b.length - a.length));
  return map;
};

const LEXICAL: Readonly<Record<Dialect, Lexical>> = {
  trino: {
    nestedComments: false,
    hashComments: false,
    dashCommentNeedsSpace: false,
    backslashEscapes: false,
    doubleQuotedStrings: false,
    dollarQuoting: false,
    // Trino's SqlBase.g4 operators, plus the lambda and named-argument arrows.
    operators: byFirstChar(['<>', '<=', '>=', '!=', '||', '->', '=>', '::', '=', '<', '>', '+', '-', '*', '/', '%', '^', '~', '&', '|', '!']),
    questionMarkParam: true,
  },
  postgres: {
    nestedComments: true,
    hashComments: false,
    dashCommentNeedsSpace: false,
    backslashEscapes: false,
    doubleQuotedStrings: false,
    dollarQuoting: true,
    operators: 'postgres',
    questionMarkParam: false,
  },
  mysql: {
    nestedComments: false,
    hashComments: true,
    dashCommentNeedsSpace: true,
    backslashEscapes: true,
    doubleQuotedStrings: true,
    dollarQuoting: false,
    operators: byFirstChar(['<=>', '->>', '<>', '<=', '>=', '!=', '||', '&&', ':=', '<<', '>>', '->', '@@', '=', '<', '>', '+', '-', '*', '/', '%', '^', '~', '&', '|', '!', '@']),
    questionMarkParam: true,
  },
};

/** Checks a dialect name from a user; throws naming the choices. */
export function checkDialect(name: string): Dialect {
  if (!(DIALECTS as readonly string[]).includes(name)) throw new Error(`dialect "${name}" is not one of ${DIALECTS.join(', ')}`);
  return name as Dialect;
}

/** ( ) , ; . [ ] { } : by character code. */
const isPunctCode = (x: number) => x === 40 || x === 41 || x === 44 || x === 59 || x === 46 || x === 91 || x === 93 || x === 123 || x === 125 || x === 58;
/** PostgreSQL's operator characters (docs, "Operators": + - * / < > = ~ ! @ # % ^ & | ` ?). */
const PG_OPERATOR_CHARS = new Set('+-*/<>=~!@#%^&|`?');
/** A PostgreSQL operator may end in + or - only when it holds one of these. */
const PG_OPERATOR_SPECIAL = /[~!@#%^&|`?]/;

// Character classes by code: this loop runs once per character of every query (bench:signature).
const isWordStartCode = (x: number) => (x >= 97 && x <= 122) || (x >= 65 && x <= 90) || x === 95 || x >= 0xc0;
const isWordCode = (x: number) => isWordStartCode(x) || (x >= 48 && x <= 57) || x === 36;
const isDigitCode = (x: number) => x >= 48 && x <= 57;
const isHexCode = (x: number) => isDigitCode(x) || (x >= 97 && x <= 102) || (x >= 65 && x <= 70) || x === 95;
const isSpaceCode = (x: number) => x === 32 || (x >= 9 && x <= 13);

/** Splits SQL into tokens; comments and whitespace are dropped. Throws SqlSyntaxError on an unterminated literal or comment. */
export function tokenize(sql: string, dialect: Dialect = 'trino'): Token[] {
  const scanned = scan(sql, dialect);
  return Array.from({ length: scanned.count }, (_, i) => ({ kind: scanned.kind(i), text: scanned.text(i), start: scanned.starts[i] }));
}

/** `tokenize` without an object per token, for the signature's hot path. */
export function scan(sql: string, dialect: Dialect = 'trino'): Scanned {
  const lex = LEXICAL[dialect];
  if (!lex) checkDialect(dialect);
  const n = sql.length;
  // SQL as written averages about six characters a token (the test corpora); a quarter of its length
  // leaves room, so most queries never grow the arrays.
  const out = new Scanned(sql, (n >> 2) + 16);
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number) => out.pushCode(KIND_CODE[kind], start, end);

  /** From the opening quote at `open`, the offset after the closing one; doubled quotes (and backslashes where the dialect has them) escape. */
  const skipQuoted = (open: number, quote: number, backslash: boolean, what: string): number => {
    let j = open + 1;
    while (true) {
      if (j >= n) throw new SqlSyntaxError(`unterminated ${what} at offset ${open}`);
      const x = sql.charCodeAt(j);
      if (backslash && x === 92) j += 2;
      else if (x === quote && sql.charCodeAt(j + 1) === quote) j += 2;
      else if (x === quote) return j + 1;
      else j++;
    }
  };

  while (i < n) {
    const code = sql.charCodeAt(i);
    if (isSpaceCode(code)) {
      i++;
      continue;
    }
    const next = sql.charCodeAt(i + 1);
    // Strings with a prefix: E'…' (PostgreSQL escapes), X'…' / B'…' (binary, bits), N'…' (national), U&'…' (Unicode).
    if (isWordStartCode(code)) {
      const lower = code | 0x20;
      if (next === 39 && (lower === 101 || lower === 120 || lower === 98 || lower === 110)) {
        const end = skipQuoted(i + 1, 39, lower === 101 || lex.backslashEscapes, 'string literal');
        push('string', i, end);
        i = end;
        continue;
      }
      // U&'…' and U&"…" (PostgreSQL, Trino), with an optional UESCAPE '…' that belongs to the token.
      const unicodeQuote = sql.charCodeAt(i + 2);
      if (lower === 117 && next === 38 && (unicodeQuote === 39 || (unicodeQuote === 34 && !lex.doubleQuotedStrings))) {
        const end = uescapeEnd(sql, skipQuoted(i + 2, unicodeQuote, false, unicodeQuote === 39 ? 'string literal' : 'quoted identifier'));
        push(unicodeQuote === 39 ? 'string' : 'quoted', i, end);
        i = end;
        continue;
      }
      const start = i;
      while (i < n && isWordCode(sql.charCodeAt(i))) i++;
      push('word', start, i);
      continue;
    }
    if (code === 39) {
      const end = skipQuoted(i, 39, lex.backslashEscapes, 'string literal');
      push('string', i, end);
      i = end;
      continue;
    }
    if (code === 34) {
      const end = skipQuoted(i, 34, lex.doubleQuotedStrings && lex.backslashEscapes, lex.doubleQuotedStrings ? 'string literal' : 'quoted identifier');
      push(lex.doubleQuotedStrings ? 'string' : 'quoted', i, end);
      i = end;
      continue;
    }
    if (code === 96) {
      const end = skipQuoted(i, 96, false, 'quoted identifier');
      push('quoted', i, end);
      i = end;
      continue;
    }
    if (code === 45 && next === 45 && (!lex.dashCommentNeedsSpace || i + 2 >= n || sql.charCodeAt(i + 2) <= 32)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (code === 35 && lex.hashComments) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (code === 47 && next === 42) {
      i = skipBlockComment(sql, i, lex.nestedComments);
      continue;
    }
    if (isDigitCode(code) || (code === 46 && isDigitCode(next))) {
      const start = i;
      const radix = code === 48 ? next | 0x20 : 0;
      if (radix === 120 /* x */ || radix === 98 /* b */ || radix === 111 /* o */) {
        i += 2;
        while (i < n && isHexCode(sql.charCodeAt(i))) i++;
      } else {
        while (i < n && (isDigitCode(sql.charCodeAt(i)) || sql.charCodeAt(i) === 95)) i++;
        if (sql.charCodeAt(i) === 46 && sql.charCodeAt(i + 1) !== 46) {
          i++;
          while (i < n && isDigitCode(sql.charCodeAt(i))) i++;
        }
        const e = sql.charCodeAt(i) | 0x20;
        const sign = sql.charCodeAt(i + 1);
        if (e === 101 && (isDigitCode(sign) || ((sign === 43 || sign === 45) && isDigitCode(sql.charCodeAt(i + 2))))) {
          i += 2;
          while (i < n && isDigitCode(sql.charCodeAt(i))) i++;
        }
      }
      push('number', start, i);
      continue;
    }
    if (code === 36 /* $ */) {
      if (isDigitCode(next)) {
        const start = i++;
        while (i < n && isDigitCode(sql.charCodeAt(i))) i++;
        push('param', start, i);
        continue;
      }
      if (lex.dollarQuoting) {
        // $tag$: the tag is empty or an identifier without `$` (docs, "Dollar-Quoted String Constants").
        let j = i + 1;
        while (j < n && isWordCode(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j++;
        if (sql.charCodeAt(j) === 36 && !isDigitCode(next)) {
          const tag = sql.slice(i, j + 1);
          const close = sql.indexOf(tag, j + 1);
          if (close < 0) throw new SqlSyntaxError(`unterminated dollar-quoted string ${tag} at offset ${i}`);
          push('string', i, close + tag.length);
          i = close + tag.length;
          continue;
        }
      }
    }
    if (code === 63 /* ? */ && lex.questionMarkParam) {
      push('param', i, i + 1);
      i++;
      continue;
    }
    if (isPunctCode(code) && !(code === 58 && (next === 58 || (next === 61 && dialect === 'mysql')))) {
      push('punct', i, i + 1);
      i++;
      continue;
    }
    if (code === 58 && next === 58) {
      push('op', i, i + 2);
      i += 2;
      continue;
    }
    const end = lex.operators === 'postgres' ? postgresOperatorEnd(sql, i) : fixedOperatorEnd(sql, i, lex.operators);
    if (end <= i) throw new SqlSyntaxError(`unexpected character ${JSON.stringify(sql[i])} at offset ${i}`);
    push('op', i, end);
    i = end;
  }
  return out;
}

/** After a U& literal ending at `end`: the end of its `UESCAPE 'c'` clause when one follows, else `end`. */
function uescapeEnd(sql: string, end: number): number {
  const m = /^\s+uescape\s*'(?:[^']|'')'/i.exec(sql.slice(end, end + 40));
  return m ? end + m[0].length : end;
}

/** The offset after a block comment starting at `open`; nested ones counted where the dialect nests them. */
function skipBlockComment(sql: string, open: number, nested: boolean): number {
  if (!nested) {
    const end = sql.indexOf('*/', open + 2);
    if (end < 0) throw new SqlSyntaxError(`unterminated /* comment at offset ${open}`);
    return end + 2;
  }
  let depth = 1;
  let j = open + 2;
  while (depth > 0) {
    const close = sql.indexOf('*/', j);
    if (close < 0) throw new SqlSyntaxError(`unterminated /* comment at offset ${open}`);
    const inner = sql.indexOf('/*', j);
    if (inner >= 0 && inner < close) {
      depth++;
      j = inner + 2;
    } else {
      depth--;
      j = close + 2;
    }
  }
  return j;
}

function fixedOperatorEnd(sql: string, i: number, operators: ReadonlyMap<string, readonly string[]>): number {
  const op = operators.get(sql[i])?.find((o) => sql.startsWith(o, i));
  return op ? i + op.length : i;
}

/**
 * PostgreSQL's rule (docs, "Lexical Structure › Operators"): the longest run of operator characters,
 * never containing `--` or `/*`; a multi-character operator cannot end in + or - unless it also holds
 * one of ~ ! @ # % ^ & | ` ?.
 */
function postgresOperatorEnd(sql: string, i: number): number {
  let j = i;
  while (j < sql.length && PG_OPERATOR_CHARS.has(sql[j])) {
    if (j > i && ((sql[j] === '-' && sql[j - 1] === '-') || (sql[j] === '*' && sql[j - 1] === '/'))) {
      j--;
      break;
    }
    j++;
  }
  if (j - i > 1 && !PG_OPERATOR_SPECIAL.test(sql.slice(i, j))) {
    while (j - i > 1 && (sql[j - 1] === '+' || sql[j - 1] === '-')) j--;
  }
  return j;
}
