/**
 * Issue 36: every field of the construct library's exported props is documented, and every optional one
 * says with `@default` what its absence means (aws-cdk's lifecycle-hook.ts is the model). Read from the
 * source, as the architecture test reads imports: TypeScript 7 has no compiler API to ask.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `export interface` of lib/ and core/: its body, between its braces. */
function interfaces(): Map<string, { file: string; body: string }> {
  const found = new Map<string, { file: string; body: string }>();
  for (const file of [...sources('lib'), ...sources('core')]) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/export interface (\w+)(?:<[^>]*>)?(?: extends [^{]+)?\s*\{/g)) {
      let depth = 1;
      let i = m.index + m[0].length;
      while (depth > 0) {
        const c = text[i++];
        if (c === '{') depth++;
        else if (c === '}') depth--;
      }
      found.set(m[1], { file, body: text.slice(m.index + m[0].length, i - 1) });
    }
  }
  return found;
}

interface Field {
  readonly name: string;
  readonly optional: boolean;
  /** The JSDoc just above it, if any. */
  readonly doc: string;
}

/** An interface's own fields (not those of an inline object type inside one), each with its JSDoc. */
function fieldsOf(body: string): Field[] {
  const fields: Field[] = [];
  let depth = 0;
  let doc = '';
  let open: string | undefined;
  for (const line of body.split('\n')) {
    const t = line.trim();
    if (depth === 0) {
      if (open !== undefined || t.startsWith('/**')) {
        open = `${open ?? ''}${t}\n`;
        if (t.endsWith('*/')) {
          doc = open;
          open = undefined;
        }
        continue;
      }
      const field = /^(?:readonly\s+)?(\w+)(\??):/.exec(t);
      if (field) {
        fields.push({ name: field[1], optional: field[2] === '?', doc });
        doc = '';
      } else if (t !== '' && !t.startsWith('//')) doc = '';
    }
    for (const c of line) {
      if ('{(['.includes(c)) depth++;
      else if ('})]'.includes(c)) depth--;
    }
  }
  return fields;
}

/**
 * The interfaces the library exports whose fields a user writes: construct props and their options and
 * list elements, and the environment file's input types. Left out: the resolved configuration
 * (`…Config`, what resolveEnvironment returns with every default applied) except AgentFileConfig, which
 * WorkerAgentProps takes as written; and AgentFile, the file format (core/contract/agent-file.ts).
 */
function checked(): string[] {
  const index = readFileSync(join(ROOT, 'lib/index.ts'), 'utf8');
  const names = [...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()));
  return names.filter((n) => n !== 'AgentFile' && (!n.endsWith('Config') || n === 'AgentFileConfig'));
}

const declared = interfaces();
const exported = checked().filter((n) => declared.has(n));

test('the check sees the construct props and the environment input', () => {
  expect(exported).toEqual(expect.arrayContaining(['WorkerFleetProps', 'DrainControllerProps', 'ManagedFleet', 'OperationsProps', 'ScalingSignalsProps', 'StragglerDetectionProps', 'ControllerFunctionProps', 'EnvironmentInput', 'FleetCommonInput', 'AgentFileConfig']));
  expect(fieldsOf(declared.get('WorkerFleetProps')!.body).length).toBeGreaterThan(10);
});

test('every field of an exported props or input type has a JSDoc summary', () => {
  const undocumented = exported.flatMap((n) => fieldsOf(declared.get(n)!.body).filter((f) => f.doc === '').map((f) => `${declared.get(n)!.file} ${n}.${f.name}`));
  expect(undocumented).toEqual([]);
});

test('every optional field says what its absence means (@default)', () => {
  const silent = exported.flatMap((n) => fieldsOf(declared.get(n)!.body).filter((f) => f.optional && !/@default\b/.test(f.doc)).map((f) => `${declared.get(n)!.file} ${n}.${f.name}`));
  expect(silent).toEqual([]);
});

test('the field reader takes only an interface\'s own fields, with the JSDoc right above each', () => {
  const fields = fieldsOf(`
  /** Documented. @default 1 */
  readonly a?: number;
  readonly b: { readonly inner?: string };
  /**
   * Over lines.
   */
  readonly c: (x: { readonly y: number }) => void;
`);
  expect(fields).toEqual([
    { name: 'a', optional: true, doc: '/** Documented. @default 1 */\n' },
    { name: 'b', optional: false, doc: '' },
    { name: 'c', optional: false, doc: '/**\n* Over lines.\n*/\n' },
  ]);
});
