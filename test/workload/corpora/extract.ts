/**
 * Rebuilds the real-SQL agreement corpora in this folder from the Debian packages named in README.md:
 *
 *   npx tsx test/workload/corpora/extract.ts PG_SOURCE_DIR MARIADB_TEST_DIR SYSBENCH_LUA_DIR
 *
 * Each corpus is JSON lines `{"file": …, "sql": …}`, one statement a line, in the order the source
 * runs them (the agreement test executes them in that order, so a file's own CREATE TABLE comes first).
 * Statements are split with our own tokenizer, so a `;` inside a string or comment does not split.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dialect, scan } from '../../../workload/tokenizer';

/** PostgreSQL regression files, in parallel_schedule order (later files use earlier files' tables). */
const PG_REGRESS_FILES = ['int4', 'float8', 'text', 'date', 'timestamp', 'interval', 'horology', 'strings', 'select', 'json'];
/** MariaDB's own test suite (mysql-test/main), files whose SQL is mostly plain statements. */
const MARIADB_TEST_FILES = ['insert', 'update', 'delete', 'type_date', 'func_str', 'group_by'];
/** pgbench's builtin scripts (src/bin/pgbench/pgbench.c), as pgbench sends them. */
const PGBENCH_STATEMENTS = [
  'UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid',
  'SELECT abalance FROM pgbench_accounts WHERE aid = :aid',
  'UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid',
  'UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP)',
];

/** Statements of a script, split at top-level `;` by the dialect's tokenizer; a script that does not tokenize is split per line group. */
function split(text: string, dialect: Dialect): string[] {
  let tokens;
  try {
    tokens = scan(text, dialect);
  } catch {
    return [];
  }
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < tokens.count; i++) {
    if (tokens.kind(i) === 'punct' && tokens.text(i) === ';') {
      const sql = text.slice(start, tokens.starts[i]).trim();
      if (sql) out.push(sql);
      start = tokens.ends[i];
    }
  }
  return out;
}

/** psql's meta-commands and COPY data are not SQL: `\gset`-ended queries end there, other `\` lines go. */
function stripPsql(text: string): string {
  const lines: string[] = [];
  let inCopyData = false;
  for (const line of text.split('\n')) {
    if (inCopyData) {
      if (line.startsWith('\\.')) inCopyData = false;
      continue;
    }
    if (/^\s*\\/.test(line)) continue;
    if (/\bfrom\s+stdin\b/i.test(line) && /^\s*copy\b/i.test(line)) {
      inCopyData = true;
      continue;
    }
    lines.push(line.replace(/\\g\w*\s*$/, ';'));
  }
  return lines.join('\n');
}

/** mysqltest's own commands (`--x`, `let`, `eval`, …) go; a changed delimiter's block goes whole. */
const MYSQLTEST_COMMAND = /^\s*(let|eval|echo|source|connect|connection|disconnect|if\s*\(|while\s*\(|\}|inc|dec|sleep|real_sleep|query_vertical|replace_result|replace_column|replace_regex|error|disable_\w+|enable_\w+|send|reap|exec|perl|end|die|exit|write_file|append_file|cat_file|remove_file|vertical_results|horizontal_results|sorted_result|file_exists|copy_file|shutdown_server|dirty_close|change_user|save_master_pos|sync_slave_with_master|character_set|ping|lowercase_result|skip|require|result|start_timer|end_timer|output|list_files|mkdir|rmdir|send_eval|chmod|move_file|query_get_value|EOF)\b/i;
const MYSQL_KEPT = /^(select|insert|update|delete|replace|with|create\s+table|drop\s+table|alter\s+table|truncate)\b/i;

function stripMysqltest(text: string): string {
  const lines: string[] = [];
  let delimiter = ';';
  let heredoc = false;
  for (const line of text.split('\n')) {
    if (heredoc) {
      if (/^\s*EOF\b/.test(line)) heredoc = false;
      continue;
    }
    if (/<<\s*EOF\s*;?\s*$/.test(line)) {
      heredoc = true;
      continue;
    }
    const d = /^\s*(?:--\s*)?delimiter\s+(\S+?)\s*(?:;|\/\/|\||\$\$)?\s*$/i.exec(line);
    if (d) {
      delimiter = d[1].replace(/;$/, '') || ';';
      continue;
    }
    if (delimiter !== ';') continue;
    if (/^\s*(--|#)/.test(line) || MYSQLTEST_COMMAND.test(line)) continue;
    lines.push(line);
  }
  return lines.join('\n');
}

function writeCorpus(name: string, rows: { file: string; sql: string }[]): void {
  writeFileSync(join(__dirname, `${name}.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`${name}: ${rows.length} statements`);
}

function main([pgSource, mariadbTest, sysbenchLua]: string[]): void {
  if (!pgSource || !mariadbTest || !sysbenchLua) throw new Error('usage: extract.ts PG_SOURCE_DIR MARIADB_TEST_DIR SYSBENCH_LUA_DIR (see README.md)');
  writeCorpus(
    'postgres-regress',
    PG_REGRESS_FILES.flatMap((f) => {
      const file = `src/test/regress/sql/${f}.sql`;
      return split(stripPsql(readFileSync(join(pgSource, file), 'utf8')), 'postgres')
        .filter((sql) => !/(^|[^:]):['"]?\w/.test(sql.replace(/'[^']*'/g, "''").replace(/::/g, '')))
        .map((sql) => ({ file, sql }));
    }),
  );
  writeCorpus('pgbench', PGBENCH_STATEMENTS.map((sql) => ({ file: 'src/bin/pgbench/pgbench.c (tpcb-like)', sql })));
  writeCorpus(
    'mariadb-test',
    MARIADB_TEST_FILES.flatMap((f) => {
      const file = `mysql-test/main/${f}.test`;
      return split(stripMysqltest(readFileSync(join(mariadbTest, 'main', `${f}.test`), 'utf8')), 'mysql')
        .filter((sql) => MYSQL_KEPT.test(sql) && !/\$\w/.test(sql))
        .map((sql) => ({ file, sql }));
    }),
  );
  const lua = readFileSync(join(sysbenchLua, 'oltp_common.lua'), 'utf8');
  const statements = [...lua.matchAll(/"((?:SELECT|UPDATE|DELETE|INSERT)[^"]*sbtest%u[^"]*)"/g)].map((m) => m[1]);
  writeCorpus('sysbench', statements.map((sql) => ({ file: 'oltp_common.lua', sql })));
}

main(process.argv.slice(2));
