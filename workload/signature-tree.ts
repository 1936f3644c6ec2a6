/**
 * A signature as a tree: tokens (`?` values, words, operators, punctuation) and closed brackets holding
 * their items, built by signature.ts; and its one rendering to text.
 */
import * as words from './signature-words';

// Local bindings, as in signature.ts: an imported binding read through the module object is a getter call.
const { BARE_NAME, KEYWORDS } = words;

/** `?` a value, `?+` a list of values, `n` an ordinal, `w` a word or name, `o` an operator, `p` punctuation. */
export type TokKind = '?' | '?+' | 'n' | 'w' | 'o' | 'p';
export interface Tok {
  readonly k: TokKind;
  readonly t: string;
}
/** A closed bracket (one never closed stays a plain `(` token where it was opened). */
export interface Group {
  readonly open: string;
  readonly close: string;
  readonly items: Item[];
}
export type Item = Tok | Group;

/** One space between tokens, none inside brackets' edges, before , . or after . — written without recursion. */
export function render(root: Item[]): string {
  let s = '';
  let prev: string | undefined;
  const write = (p: string) => {
    const glue =
      prev === undefined ||
      p === ',' || p === ')' || p === ']' || p === '}' || p === '.' ||
      prev === '(' || prev === '[' || prev === '{' || prev === '.' ||
      (p === '(' && isCallee(prev)) ||
      p === '[';
    s += glue ? p : ` ${p}`;
    prev = p;
  };
  const stack: { items: Item[]; index: number; close: string }[] = [{ items: root, index: 0, close: '' }];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.items.length) {
      stack.pop();
      if (frame.close) write(frame.close);
      continue;
    }
    const item = frame.items[frame.index++];
    if ('k' in item) write(item.t);
    else {
      write(item.open);
      stack.push({ items: item.items, index: 0, close: item.close });
    }
  }
  return s;
}

/** `count(` is a call; `in (` is not. */
const isCallee = (prev: string) => (BARE_NAME.test(prev) || prev.endsWith('"')) && !KEYWORDS.has(prev);
