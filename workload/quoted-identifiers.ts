/**
 * What a quoted identifier names, as each dialect resolves it: quotes off, doubled quotes undone,
 * PostgreSQL's Unicode escapes (U&"…" [UESCAPE 'c']) decoded, case folded where the dialect folds it.
 */
import { Dialect, SqlSyntaxError } from './tokenizer';

/**
 * A quoted identifier's name (quotes off, doubled quotes undone) as the dialect resolves it: Trino and
 * MySQL fold case, PostgreSQL keeps it exact.
 */
export function quotedIdentifierName(text: string, dialect: Dialect): string {
  if ((text.charCodeAt(0) | 0x20) === 117 /* u */ && text.charCodeAt(1) === 38 /* & */) return unicodeIdentifierName(text, dialect);
  const quote = text[0];
  // Most names hold no doubled quote: the closing quote is the first one after the opening.
  const name = text.indexOf(quote, 1) === text.length - 1 ? text.slice(1, -1) : text.slice(1, -1).split(quote + quote).join(quote);
  return dialect === 'postgres' ? name : name.toLowerCase();
}

/**
 * The character of a Unicode escape's hex digits. Beyond U+10FFFF, or a lone surrogate half, is no
 * character: PostgreSQL refuses it ("invalid Unicode escape value"), and String.fromCodePoint would throw.
 */
function escapedCodePoint(hex: string): string {
  const code = parseInt(hex, 16);
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new SqlSyntaxError(`invalid Unicode escape value ${hex}`);
  return String.fromCodePoint(code);
}

/** U&"d\0061t\+000061" [UESCAPE '!'] is "data": escapes of 4 or 6 hex digits, the escape character doubled for itself. */
function unicodeIdentifierName(text: string, dialect: Dialect): string {
  const close = text.lastIndexOf('"');
  const escape = /uescape\s*'(''|[^'])'$/i.exec(text.slice(close + 1))?.[1]?.[0] ?? '\\';
  const body = text.slice(3, close).split('""').join('"');
  let name = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== escape) name += body[i];
    else if (body[i + 1] === escape) name += body[++i];
    else if (body[i + 1] === '+' && /^[0-9a-f]{6}$/i.test(body.slice(i + 2, i + 8))) {
      name += escapedCodePoint(body.slice(i + 2, i + 8));
      i += 7;
    } else if (/^[0-9a-f]{4}$/i.test(body.slice(i + 1, i + 5))) {
      name += escapedCodePoint(body.slice(i + 1, i + 5));
      i += 4;
    }
    else name += body[i];
  }
  return dialect === 'postgres' ? name : name.toLowerCase();
}
