/**
 * The dependency directions of docs/architecture.md, as a test: every relative import in the tree is
 * listed, and the test fails on any import cycle and on any edge the table below does not allow. No
 * dependency-cruiser: a regex over specifiers and Node's own resolution rules (`.ts`, `/index.ts`) are
 * enough for a tree that only uses relative imports.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

const ROOT = join(__dirname, '..');
const DIRS = ['agent', 'bench', 'bin', 'config', 'core', 'examples', 'lambdas', 'lib', 'runtime', 'scripts', 'sim', 'test', 'testing', 'workload'];
const SPECIFIER = /(?:\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*|\bjest\.mock\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;

function sources(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'fixtures') return [];
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolve(from: string, specifier: string): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  return [target, `${target}.ts`, `${target}/index.ts`].find((c) => /\.tsx?$/.test(c) && existsSync(join(ROOT, c)));
}

/** Every file's relative imports, resolved to repository paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of DIRS.flatMap(sources)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      if (m[1].endsWith('.json')) continue; // data (cdk.json, package.json), not code
      const target = resolve(file, m[1]);
      if (target === undefined) throw new Error(`${file}: '${m[1]}' resolves to no file`);
      targets.push(target);
    }
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The layer a file belongs to. core/ is split three ways: util (small pure helpers) ◄ rules (the pure
 * decisions) ◄ contract and ports; a lambdas/ feature folder is its own layer.
 */
function layerOf(file: string): string {
  const [top, second] = file.split('/');
  if (top === 'core') {
    if (second === 'util') return 'core/util';
    if (second === 'contract' || second === 'ports.ts') return 'core/contract';
    // The cost model prices what the contract names (metrics, cadences): it sits above it.
    if (second === 'cost') return 'core/cost';
    return 'core/rules';
  }
  if (top === 'lambdas') return second === 'aws' || second === 'entry' ? `lambdas/${second}` : 'lambdas/feature';
  if (file === 'sim/trace.ts') return 'sim/trace';
  return top;
}

const CORE = ['core/util', 'core/rules', 'core/contract'];
const ANYTHING = ['*'];
/** An arrow means "may import" (docs/architecture.md); a layer may always import within itself. */
const ALLOWED: Record<string, readonly string[]> = {
  'core/util': ['core/util'],
  'core/rules': ['core/util', 'core/rules'],
  'core/contract': CORE,
  'lambdas/feature': CORE,
  'lambdas/aws': [...CORE, 'lambdas/aws', 'runtime'],
  // I/O helpers the runtimes share (HTTP to untrusted hosts): not pure, so not core.
  runtime: ['runtime', ...CORE],
  'core/cost': ['core/cost', ...CORE],
  // The signals function's entry signs statements with the workload's signature (its tokenizer and rules).
  'lambdas/entry': [...CORE, 'lambdas/aws', 'lambdas/feature', 'lambdas/entry', 'workload'],
  lib: ['lib', ...CORE],
  agent: ['agent', 'runtime', ...CORE],
  sim: ['sim', 'sim/trace', 'lambdas/feature', 'core/cost', ...CORE],
  'sim/trace': ['sim', ...CORE],
  workload: ['workload', 'sim/trace', ...CORE],
  // testing/sql-corpus.ts writes its statements with the workload's own tokenizer.
  testing: ['testing', 'sim', 'sim/trace', 'lambdas/feature', 'lambdas/aws', 'workload', ...CORE],
  // The environments file is the app's input: it is typed by lib/config.
  config: ['lib', ...CORE],
  bin: ANYTHING,
  scripts: ANYTHING,
  bench: ANYTHING,
  test: ANYTHING,
  examples: ANYTHING,
};

/** The lambdas/ feature a file belongs to: a feature imports no other feature. */
function featureOf(file: string): string | undefined {
  return layerOf(file) === 'lambdas/feature' ? file.split('/')[1] : undefined;
}

function forbidden(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const allowed = ALLOWED[layerOf(from)];
    if (!allowed) {
      out.push(`${from}: no layer for this file (add it to ALLOWED)`);
      continue;
    }
    for (const to of targets) {
      const ok = allowed.includes('*') || layerOf(to) === layerOf(from) || allowed.includes(layerOf(to));
      const crossFeature = featureOf(from) !== undefined && featureOf(to) !== undefined && featureOf(from) !== featureOf(to);
      if (!ok || crossFeature) out.push(`${from} -> ${to}`);
    }
  }
  return out;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

const graph = importGraph();

test('the import graph covers the tree: every top-level folder with TypeScript in it is read', () => {
  expect(graph.size).toBeGreaterThan(100);
  expect([...graph.keys()].some((f) => f.startsWith('core/'))).toBe(true);
  const skipped = new Set(['node_modules', 'cdk.out', 'dist', 'reports', 'scratch', 'coverage']);
  const withTypeScript = readdirSync(ROOT).filter((d) => !d.startsWith('.') && !skipped.has(d) && statSync(join(ROOT, d)).isDirectory() && sources(d).length > 0);
  expect(withTypeScript.filter((d) => !DIRS.includes(d))).toEqual([]);
});

test('no import cycles', () => {
  expect(cycles(graph)).toEqual([]);
});

test('every import follows the allowed directions', () => {
  expect(forbidden(graph)).toEqual([]);
});

test('core imports nothing outside core, and no package but its own files', () => {
  const outside = [...graph].filter(([f]) => f.startsWith('core/')).flatMap(([f, ts]) => ts.filter((t) => !t.startsWith('core/')).map((t) => `${f} -> ${t}`));
  expect(outside).toEqual([]);
  const packages = [...graph.keys()]
    .filter((f) => f.startsWith('core/'))
    .flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\bfrom\s+['"]([^.'"][^'"]*)['"]/g)].map((m) => `${f}: ${m[1]}`));
  expect(packages).toEqual([]);
});

test('the checker itself catches a cycle and a forbidden edge', () => {
  const bad = new Map([
    ['lib/a.ts', ['lib/b.ts', 'lambdas/aws/x.ts']],
    ['lib/b.ts', ['lib/a.ts']],
    ['lambdas/aws/x.ts', []],
  ]);
  expect(cycles(bad)).toEqual([['lib/a.ts', 'lib/b.ts']]);
  expect(forbidden(bad)).toEqual(['lib/a.ts -> lambdas/aws/x.ts']);
});

test('lib/config imports no construct library: resolving an environment file needs no CDK', () => {
  const cdk = [...graph.keys()]
    .filter((f) => f.startsWith('lib/config/'))
    .flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\bfrom\s+['"](aws-cdk-lib[^'"]*|constructs)['"]/g)].map((m) => `${f}: ${m[1]}`));
  expect(cdk).toEqual([]);
});
