#!/usr/bin/env node
/**
 * Query simulation: `npm run workload -- <command>`
 *
 *   signature [--dialect D]         JSON lines with a "query" field on stdin → one JSON line out per line in, with
 *                                   "signature" and "id", or "line" and "error"
 *   analyze HISTORY [--dialect D] [--plan FILE] [--queries N] [--compress F] [--json]
 *                                   cluster summary of a query history; writes a plan (default workload-plan.json)
 *   trace PLAN [--out FILE]         the plan as a simulator trace (CSV arrival,duration_s,slots)
 *   dataset PLAN [--schema S] [--sample PERCENT] [--seed N] [--out FILE] [--plan-out FILE] [--json]
 *                                   SQL that builds sampled copies of the tables the plan uses, and the
 *                                   plan rewritten to use them
 *   replay PLAN --target trino|postgres --url URL [--user U] [--concurrency N] [--speed F] [--json]
 *
 * D is the SQL dialect: trino (default), postgres or mysql. `--help` (or `COMMAND --help`) prints every
 * option with its default and meaning.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ParseArgsConfig, parseArgs } from 'node:util';
import { formatTrace, longSpanProblem, spanOf } from '../sim/trace';
import { parseHistory } from '../workload/history';
import { buildDataset } from '../workload/dataset';
import { Plan, buildPlan, clusterHistory, planToTrace, validatePlan } from '../workload/plan';
import { PostgresTarget, ReplayTarget, TrinoTarget, replay } from '../workload/replay';
import { signatureOf } from '../workload/signature';
import { Dialect, checkDialect } from '../workload/tokenizer';
import { OptionHelp, parseArgsOptions } from './args';

function fail(message: string, code = 2): never {
  console.error(`workload: ${message}`);
  process.exit(code);
}

interface CommandHelp {
  readonly synopsis: string;
  readonly what: string;
  readonly options: Readonly<Record<string, OptionHelp>>;
}

const DIALECT: OptionHelp = { type: 'string', value: 'D', default: 'trino', meaning: 'SQL dialect: trino, postgres or mysql' };
const JSON_OUT: OptionHelp = { type: 'boolean', default: 'off', meaning: 'one JSON object on stdout instead of the summary' };

/** Every command and option, its default and meaning: each command's parseArgs reads these, and --help prints them. */
const COMMANDS = {
  signature: { synopsis: 'signature [--dialect D]', what: 'JSON lines with a "query" field on stdin; one JSON line out per line in, with "signature" and "id", or "line" and "error"', options: { dialect: DIALECT } },
  analyze: {
    synopsis: 'analyze HISTORY [options]',
    what: 'cluster summary of a query history (CSV or JSON lines); writes a plan',
    options: {
      dialect: DIALECT,
      plan: { type: 'string', value: 'FILE', default: 'workload-plan.json', meaning: 'where the plan goes' },
      queries: { type: 'string', value: 'N', default: "the history's count", meaning: 'queries in the plan, drawn from the clusters' },
      compress: { type: 'string', value: 'F', default: '1', meaning: 'divide the time between arrivals by F' },
      json: JSON_OUT,
    },
  },
  trace: { synopsis: 'trace PLAN [--out FILE]', what: 'the plan as a simulator trace (CSV arrival,duration_s,slots)', options: { out: { type: 'string', value: 'FILE', default: 'workload-trace.csv', meaning: 'where the trace goes' } } },
  dataset: {
    synopsis: 'dataset PLAN [options]',
    what: 'SQL that builds sampled copies of the tables the plan uses, and the plan rewritten to use them',
    options: {
      schema: { type: 'string', value: 'S', default: 'loadtest', meaning: 'the schema the copies go to' },
      sample: { type: 'string', value: 'PERCENT', default: '10', meaning: "share of each table's rows copied" },
      seed: { type: 'string', value: 'N', default: '1', meaning: 'sampling seed' },
      out: { type: 'string', value: 'FILE', default: 'workload-dataset.sql', meaning: 'where the SQL goes' },
      'plan-out': { type: 'string', value: 'FILE', default: 'PLAN with .dataset.json', meaning: 'where the rewritten plan goes' },
      json: JSON_OUT,
    },
  },
  replay: {
    synopsis: 'replay PLAN --target trino|postgres --url URL [options]',
    what: 'runs the plan against a database at its recorded pace; exit 1 if any query failed',
    options: {
      target: { type: 'string', value: 'trino|postgres', default: 'required', meaning: 'what to replay against' },
      url: { type: 'string', value: 'URL', default: 'required', meaning: 'http://host:8080 for trino, postgres://user@host/db for postgres' },
      user: { type: 'string', value: 'U', default: 'graceful-autoscaler', meaning: 'the Trino user' },
      concurrency: { type: 'string', value: 'N', default: '8', meaning: 'queries in flight at most' },
      speed: { type: 'string', value: 'F', default: '1', meaning: 'replay F times faster than recorded' },
      json: JSON_OUT,
    },
  },
} as const satisfies Record<string, CommandHelp>;

type Command = keyof typeof COMMANDS;

function commandUsage(name: Command): string {
  const c: CommandHelp = COMMANDS[name];
  const rows = Object.entries(c.options).map(([o, h]) => [`--${o}${h.value ? ` ${h.value}` : ''}`, `${h.meaning} (default: ${h.default})`]);
  const width = Math.max(...rows.map((r) => r[0].length), 10);
  return [`  workload ${c.synopsis}`, `      ${c.what}`, ...rows.map(([f, m]) => `      ${f.padEnd(width)}  ${m}`)].join('\n');
}

function usage(only?: Command): string {
  const names = only ? [only] : (Object.keys(COMMANDS) as Command[]);
  return [
    'usage: npm run workload -- COMMAND [options]   (tsx bin/workload.ts COMMAND [options])',
    '',
    ...names.map(commandUsage),
    '',
    'Every command takes -h, --help. Exit 0; 2 on a usage error; 1 on a failure (replay: a query failed). docs/workload.md has the details.',
  ].join('\n');
}

/**
 * A command's options and positionals, from its entry in COMMANDS; `--help` prints its usage and exits
 * 0, an unknown or malformed option is a usage error (exit 2).
 */
function parse(name: Command, args: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const spec: CommandHelp = COMMANDS[name];
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' }, ...parseArgsOptions(spec.options) };
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    fail(`${name}: ${(e as Error).message}; see workload ${name} --help`);
  }
  if (parsed.values.help) {
    console.log(usage(name));
    process.exit(0);
  }
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    fail(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) fail(`--${name} (${value}) must be a positive number`);
  return n;
}

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value)) fail(`--${name} (${value}) must be a whole number >= 1`);
  return Number(value);
}

function dialectOption(value: string | undefined): Dialect {
  try {
    return checkDialect(value ?? 'trino');
  } catch (e) {
    fail(`--dialect: ${(e as Error).message}`);
  }
}

async function signature(args: string[]): Promise<void> {
  const { values, positionals } = parse('signature', args);
  if (positionals.length > 0) fail(`signature reads stdin and takes no ${positionals[0]}; see workload signature --help`);
  const dialect = dialectOption(values.dialect as string | undefined);
  let line = 0;
  let bad = 0;
  for await (const text of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    line++;
    let input: any;
    try {
      if (text.trim() === '') throw new Error('blank line: no query');
      input = JSON.parse(text);
      if (typeof input?.query !== 'string') throw new Error('no "query" string field');
      process.stdout.write(`${JSON.stringify({ ...input, ...signatureOf(input.query, dialect) })}\n`);
    } catch (e) {
      bad++;
      // One line out per line in, so outputs stay aligned with inputs.
      process.stdout.write(`${JSON.stringify({ line, error: (e as Error).message })}\n`);
    }
  }
  if (bad > 0) console.error(`workload signature: ${bad} of ${line} lines could not be read (see their "error")`);
}

function analyze(args: string[]): void {
  const { values: v, positionals } = parse('analyze', args);
  const values = { dialect: v.dialect as string | undefined, plan: (v.plan as string | undefined) ?? COMMANDS.analyze.options.plan.default, queries: v.queries as string | undefined, compress: v.compress as string | undefined, json: v.json === true };
  const path = positionals[0] ?? fail(`usage:\n${commandUsage('analyze')}`);
  const dialect = dialectOption(values.dialect);
  const history = parseHistory(read(path));
  for (const p of history.problems) console.error(`${path}:${p.line}: ${p.reason}`);
  if (history.records.length === 0) fail(`${path}: no query could be read`);
  // A plan keeps the history's real gaps: one stray time would schedule a query decades away.
  const spanProblem = longSpanProblem(path, spanOf(history.records, (r) => r.arrival, (r) => r.arrival + r.durationS, (r) => r.line ?? 0));
  if (spanProblem) fail(spanProblem);
  const clustered = clusterHistory(history.records, dialect);
  for (const u of clustered.firstUnparseable) console.error(`${path}:${u.line}: SQL left out (${dialect}): ${u.reason}`);
  if (clustered.unparseable > clustered.firstUnparseable.length) console.error(`${path}: … and ${clustered.unparseable - clustered.firstUnparseable.length} more queries whose SQL does not tokenize as ${dialect}`);
  const n = wholeNumber('queries', values.queries, history.records.length);
  const compress = positiveNumber('compress', values.compress, 1);
  const plan = buildPlan(history.records, clustered, n, compress, path);
  writeFileSync(values.plan!, JSON.stringify(plan, null, 1));
  const summary = { history: path, format: history.format, dialect, records: history.records.length + history.problems.length, read: history.records.length, skipped: history.problems.length, unparseableSql: clustered.unparseable, clusters: clustered.clusters.length, plan: { file: values.plan, queries: plan.queries.length, compress } };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, topClusters: clustered.clusters.slice(0, 20) })}\n`);
    return;
  }
  console.log(`${path} (${history.format}): ${summary.read} queries read, ${summary.skipped} records skipped, ${summary.unparseableSql} with SQL that does not tokenize; ${summary.clusters} clusters`);
  console.log('');
  console.log(`${'cluster'.padEnd(14)}${'count'.padStart(8)}${'share'.padStart(8)}${'p50 s'.padStart(9)}${'p95 s'.padStart(9)}${'cpu s'.padStart(10)}  signature`);
  for (const c of clustered.clusters.slice(0, 20)) {
    console.log(`${c.id.padEnd(14)}${String(c.count).padStart(8)}${(c.share * 100).toFixed(1).padStart(7)}%${c.durationP50S.toFixed(2).padStart(9)}${c.durationP95S.toFixed(2).padStart(9)}${c.cpuSecondsTotal.toFixed(0).padStart(10)}  ${c.signature.length > 90 ? `${c.signature.slice(0, 89)}…` : c.signature}`);
  }
  if (clustered.clusters.length > 20) console.log(`… and ${clustered.clusters.length - 20} more clusters`);
  console.log(`\nPlan: ${plan.queries.length} queries over ${(plan.queries[plan.queries.length - 1]?.at ?? 0).toFixed(0)} s (compress ${compress}) written to ${values.plan}`);
}

/** A plan file, validated; a bad one is one message and exit 2. */
function readPlan(path: string): Plan {
  try {
    return validatePlan(JSON.parse(read(path)));
  } catch (e) {
    fail(`${path}: ${(e as Error).message}`);
  }
}

function trace(args: string[]): void {
  const { values: v, positionals } = parse('trace', args);
  const values = { out: (v.out as string | undefined) ?? COMMANDS.trace.options.out.default };
  const plan = readPlan(positionals[0] ?? fail(`usage:\n${commandUsage('trace')}`));
  writeFileSync(values.out!, formatTrace(planToTrace(plan)));
  console.log(`${values.out} (${plan.queries.length} queries): run it with npm start -- --trace ${values.out}`);
}

function dataset(args: string[]): void {
  const { values: v, positionals } = parse('dataset', args);
  const o = COMMANDS.dataset.options;
  const values = {
    schema: (v.schema as string | undefined) ?? o.schema.default,
    sample: (v.sample as string | undefined) ?? o.sample.default,
    seed: (v.seed as string | undefined) ?? o.seed.default,
    out: (v.out as string | undefined) ?? o.out.default,
    'plan-out': v['plan-out'] as string | undefined,
    json: v.json === true,
  };
  const path = positionals[0] ?? fail(`usage:\n${commandUsage('dataset')}`);
  const plan = readPlan(path);
  const percent = positiveNumber('sample', values.sample, 10);
  const seed = wholeNumber('seed', values.seed, 1);
  let built;
  try {
    built = buildDataset(plan, { dialect: plan.dialect, schema: values.schema!, percent, seed });
  } catch (e) {
    fail((e as Error).message);
  }
  const planOut = values['plan-out'] ?? path.replace(/(\.json)?$/, '.dataset.json');
  if (planOut === path) fail(`--plan-out must differ from the plan it rewrites (${path})`);
  writeFileSync(values.out!, `${built.statements.join(';\n')};\n`);
  writeFileSync(planOut, JSON.stringify(built.plan, null, 1));
  const summary = { plan: path, dialect: plan.dialect, schema: values.schema, samplePercent: percent, tables: built.tables, clusters: built.clusters, unreadableQueries: built.unreadable, sql: values.out, rewrittenPlan: planOut };
  if (values.json) return void process.stdout.write(`${JSON.stringify(summary)}\n`);
  console.log(`${built.tables.length} tables used by ${built.clusters.length} clusters (${plan.dialect}); copies of ${percent}% of their rows go to ${values.schema}:`);
  for (const t of built.tables) console.log(`  ${t.source.padEnd(40)} → ${t.copy}   (${t.clusters.length} clusters)`);
  if (built.unreadable > 0) console.error(`workload dataset: ${built.unreadable} queries do not tokenize as ${plan.dialect}; left as they were`);
  console.log(`\nRun ${values.out} against the source, then replay ${planOut}: it reads and writes only the copies.`);
}

async function replayCommand(args: string[]): Promise<void> {
  const { values: v, positionals } = parse('replay', args);
  const values = { target: v.target as string | undefined, url: v.url as string | undefined, user: (v.user as string | undefined) ?? COMMANDS.replay.options.user.default, concurrency: v.concurrency as string | undefined, speed: v.speed as string | undefined, json: v.json === true };
  const plan = readPlan(positionals[0] ?? fail(`usage:\n${commandUsage('replay')}`));
  if (!values.url) fail('--url is required (http://host:8080 for trino, postgres://user@host/db for postgres)');
  const concurrency = wholeNumber('concurrency', values.concurrency, 8);
  const speed = positiveNumber('speed', values.speed, 1);
  let target: ReplayTarget;
  if (values.target === 'trino') target = new TrinoTarget(values.url, values.user!);
  else if (values.target === 'postgres') target = new PostgresTarget(values.url, concurrency);
  else fail(`--target (${values.target}) must be trino or postgres`);
  const tty = process.stderr.isTTY;
  let report;
  try {
    report = await replay(plan, target, {
      concurrency,
      speed,
      onProgress: tty ? (done, total) => process.stderr.write(`\rreplaying ${done}/${total}${done === total ? '\n' : ''}`) : undefined,
    });
  } finally {
    await target.close();
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    console.log(`${report.queries} queries against ${report.target} in ${report.wallS} s, ${report.errors} errors, start lag p95 ${report.startLagP95S} s`);
    console.log(`${'cluster'.padEnd(14)}${'queries'.padStart(9)}${'errors'.padStart(8)}${'p50 s'.padStart(9)}${'p95 s'.padStart(9)}${'history p50 s'.padStart(15)}`);
    for (const c of report.clusters) console.log(`${c.cluster.padEnd(14)}${String(c.queries).padStart(9)}${String(c.errors).padStart(8)}${c.latencyP50S.toFixed(3).padStart(9)}${c.latencyP95S.toFixed(3).padStart(9)}${c.plannedP50S.toFixed(2).padStart(15)}`);
    for (const e of report.firstErrors) console.log(`error (${e.cluster}): ${e.error}`);
  }
  if (report.errors > 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'signature':
      return signature(rest);
    case 'analyze':
      return analyze(rest);
    case 'trace':
      return trace(rest);
    case 'dataset':
      return dataset(rest);
    case 'replay':
      return replayCommand(rest);
    case '--help':
    case '-h':
    case 'help':
      console.log(usage());
      return;
    default:
      fail(`${command === undefined ? 'no command' : `unknown command ${command}`}\n${usage()}`);
  }
}

main().catch((e) => fail(String(e?.stack ?? e), 1));
