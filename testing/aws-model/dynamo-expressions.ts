/** DynamoDB's condition and update expressions, as far as the drain store writes them. */
import type { AttrValue, Item } from './types';

/** Evaluates the condition expressions the store uses: attribute_(not_)exists, <, AND, OR, parentheses. */
export function evaluateCondition(expression: string, item: Item | undefined, values: Record<string, AttrValue> = {}): boolean {
  const tokens = expression.match(/attribute_not_exists\(\w+\)|attribute_exists\(\w+\)|\(|\)|AND|OR|[\w:]+|</g) ?? [];
  let pos = 0;
  const atom = (): boolean => {
    const t = tokens[pos++];
    if (t === '(') {
      const v = or();
      pos++; // ')'
      return v;
    }
    const exists = /^attribute_(not_)?exists\((\w+)\)$/.exec(t);
    if (exists) return (item?.[exists[2]] !== undefined) !== (exists[1] !== undefined);
    if (tokens[pos] === '<') {
      pos++;
      const right = values[tokens[pos++]];
      const left = item?.[t];
      return left?.N !== undefined && right?.N !== undefined && Number(left.N) < Number(right.N);
    }
    throw new Error(`condition not modelled: ${expression}`);
  };
  const and = (): boolean => {
    let v = atom();
    while (tokens[pos] === 'AND') {
      pos++;
      v = atom() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (tokens[pos] === 'OR') {
      pos++;
      v = and() || v;
    }
    return v;
  };
  return or();
}

/** Applies the update expressions the store uses: SET a = :x, b = :y REMOVE c ADD d :n. */
export function applyUpdate(expression: string, item: Item, values: Record<string, AttrValue>): Item {
  const clauses = expression.split(/\b(?=SET |REMOVE |ADD )/);
  for (const clause of clauses) {
    const [verb, ...rest] = clause.trim().split(/\s+/);
    const body = rest.join(' ');
    if (verb === 'SET') for (const part of body.split(',')) {
      const [name, value] = part.split('=').map((s) => s.trim());
      item[name] = values[value];
    }
    else if (verb === 'REMOVE') for (const name of body.split(',')) delete item[name.trim()];
    else if (verb === 'ADD') {
      const [name, value] = body.split(/\s+/);
      item[name] = { N: String(Number(item[name]?.N ?? 0) + Number(values[value].N)) };
    }
  }
  return item;
}
