/**
 * Workload tables: CSV files with a header whose rows each carry a time (a trace's arrivals, a profile's
 * hours), read a record at a time. Columns are found by name in any order; a column the table does not
 * know is ignored and named. A problem with the file as a whole (no header, a wrong one) stops the
 * reading; a bad row is a problem named by its line, and the rows after it are still read.
 */
import { CsvCellError, CsvRecord, RecordSink, csvCells, shownText } from './csv-records';

export interface TraceProblem {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

/** Bad rows kept to be named; past them they are only counted, so a file of bad rows stays bounded. */
export const MAX_KEPT_PROBLEMS = 100;

/** Every problem counted, the MAX_KEPT_PROBLEMS with the lowest lines kept. */
export class ProblemLog {
  private kept: TraceProblem[] = [];
  private added = 0;

  add(p: TraceProblem): void {
    this.added++;
    this.kept.push(p);
    if (this.kept.length >= 2 * MAX_KEPT_PROBLEMS) this.trim();
  }

  get count(): number {
    return this.added;
  }

  /** The kept problems, by line. */
  list(): TraceProblem[] {
    this.trim();
    return this.kept;
  }

  private trim(): void {
    this.kept.sort((a, b) => a.line - b.line);
    if (this.kept.length > MAX_KEPT_PROBLEMS) this.kept.length = MAX_KEPT_PROBLEMS;
  }
}

/** Above this a number of seconds would be over 3,000 years: it is epoch milliseconds (Java's, Jackson's). */
export const EPOCH_MILLIS_ABOVE = 1e11;

/** Seconds from a number that is seconds, or epoch milliseconds when it is that large. */
export function secondsFromNumber(value: number): number {
  return value > EPOCH_MILLIS_ABOVE ? value / 1000 : value;
}

/** An ISO-8601 date and time with no zone: `T` or a space between them, seconds and fraction optional. */
const ZONELESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/**
 * Milliseconds since the epoch of a timestamp, or NaN. A date and time without a zone is UTC. JavaScript
 * reads it as the machine's local time (ECMA-262, Date Time String Format), so the same file would give
 * other gaps on another laptop, and hours that a daylight saving change skips or repeats. Anything else
 * is read as `Date.parse` reads it: a zone or offset it carries is kept.
 */
export function parseTimestamp(text: string): number {
  const zoneless = ZONELESS_DATE_TIME.exec(text.trim());
  return Date.parse(zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : text);
}

/** A kind of workload table: the columns it needs (its time first) and may have. */
export interface TableSpec {
  /** The kind, as a sentence starts with it: "A trace". */
  readonly what: string;
  readonly columns: readonly string[];
  readonly optional: readonly string[];
  /** The columns of another kind of file, and what to say when a header has them all. */
  readonly otherKind?: { readonly columns: readonly string[]; readonly hint: string };
}

/** One data row, with its time read. */
export interface TimedRow {
  /** The trimmed cells of the table's columns, in the spec's order; undefined for an optional one absent. */
  readonly cells: readonly (string | undefined)[];
  /** Seconds: from any origin, or since the epoch for a timestamp. */
  readonly time: number;
  readonly line: number;
  /** The record's text (its lines joined by `\n` when a quoted value holds a line end). */
  readonly text: string;
}

/** What reading a table gives besides its rows. */
export interface TableRead {
  /** A problem with the file as a whole (no header, a wrong one, too many rows): nothing is read past it. */
  readonly fileProblem?: TraceProblem;
  /** Bad rows, the first MAX_KEPT_PROBLEMS by line. */
  readonly problems: TraceProblem[];
  /** Every bad row. */
  readonly badRows: number;
  /** The header's line. */
  readonly headerLine?: number;
  /** Header names of the columns ignored, as written. */
  readonly ignoredColumns: string[];
  /** Whether the times were timestamps. */
  readonly timestamps: boolean;
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Cells that are all numbers or times: a data row where the header should be. */
const looksLikeData = (cells: readonly string[]) => cells.length > 0 && cells.every((c) => /\d/.test(c) && /^[-+\d.:tz ]+$/i.test(c));

/**
 * Reads a table's records: the first that is not blank or a comment is the header, the others rows (blank
 * and `#` lines skipped) whose time column is seconds (epoch milliseconds when over 10¹¹) or an ISO-8601
 * timestamp, the same kind in every row. A row with another column count or a bad time is a problem named
 * by its line; `visit` sees the others and may report one too, or `refuse` the file.
 */
export class TimedTableReader implements RecordSink {
  private stopped = false;
  private readonly problems = new ProblemLog();
  private fileProblem?: TraceProblem;
  /** Per column of the spec, its cell in a row; -1 when absent. Undefined until the header is read. */
  private index?: number[];
  private width = 0;
  private headerLine?: number;
  private ignored: string[] = [];
  private linesSeen = 0;
  private timestamps?: boolean;

  constructor(
    private readonly spec: TableSpec,
    private readonly visit: (row: TimedRow, bad: (reason: string) => void) => void,
  ) {}

  get done(): boolean {
    return this.stopped;
  }

  record(r: CsvRecord): void {
    this.linesSeen = r.line + r.lines - 1;
    const trimmed = r.text.trim();
    if (r.error === undefined && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (this.index === undefined) return this.header(r, trimmed);
    const bad = (reason: string) => this.problems.add({ line: r.line, text: r.error === undefined ? shownText(trimmed) : r.text, reason });
    if (r.error !== undefined) return bad(`not valid CSV: ${r.error}`);
    let cells: string[];
    try {
      cells = csvCells(trimmed);
    } catch (e) {
      if (!(e instanceof CsvCellError)) throw e;
      return bad(`not valid CSV: ${e.message}`);
    }
    if (cells.length !== this.width) {
      return bad(`expected ${this.width} columns, found ${cells.length}${r.lines > 1 ? ` (a quoted value carries this row over lines ${r.line} to ${r.line + r.lines - 1})` : ''}`);
    }
    const row = this.index.map((k) => (k < 0 ? undefined : cells[k]));
    const name = this.spec.columns[0];
    const value = row[0]!;
    const isNumber = /^-?\d+(\.\d+)?$/.test(value);
    const time = isNumber ? secondsFromNumber(Number(value)) : parseTimestamp(value) / 1000;
    if (!Number.isFinite(time)) return bad(`${name} ${JSON.stringify(value)} is neither seconds nor an ISO-8601 time`);
    if (this.timestamps !== undefined && this.timestamps !== !isNumber) return bad(`${name} mixes seconds and timestamps`);
    this.timestamps = !isNumber;
    this.visit({ cells: row, time, line: r.line, text: trimmed }, bad);
  }

  /** Stops the reading: the file as a whole is refused, for this reason, at this line. */
  refuse(line: number, text: string, reason: string): void {
    this.fileProblem = { line, text: shownText(text), reason };
    this.stopped = true;
  }

  finish(): TableRead {
    if (!this.fileProblem && this.index === undefined) {
      this.fileProblem = { line: 1, text: '', reason: this.linesSeen === 0 ? 'empty file: no header line' : `no header line: the file holds only blank or comment lines (${this.linesSeen} lines)` };
    }
    if (this.fileProblem) return { fileProblem: this.fileProblem, problems: [], badRows: 0, ignoredColumns: [], timestamps: false };
    return { problems: this.problems.list(), badRows: this.problems.count, headerLine: this.headerLine, ignoredColumns: this.ignored, timestamps: this.timestamps ?? false };
  }

  private header(r: CsvRecord, trimmed: string): void {
    if (r.error !== undefined) return this.refuse(r.line, r.text, `header is not valid CSV: ${r.error}`);
    let cells: string[];
    try {
      cells = csvCells(trimmed);
    } catch (e) {
      if (!(e instanceof CsvCellError)) throw e;
      return this.refuse(r.line, trimmed, `header is not valid CSV: ${e.message}`);
    }
    const wanted = [...this.spec.columns, ...this.spec.optional];
    const index = wanted.map(() => -1);
    const ignored: string[] = [];
    for (let k = 0; k < cells.length; k++) {
      const name = cells[k].toLowerCase();
      const w = wanted.indexOf(name);
      if (w < 0) {
        const shown = cells[k] === '' ? `(column ${k + 1}, unnamed)` : cells[k];
        if (!ignored.includes(shown)) ignored.push(shown);
      } else if (index[w] >= 0) {
        return this.refuse(r.line, trimmed, `column "${name}" appears twice in the header (columns ${index[w] + 1} and ${k + 1})`);
      } else {
        index[w] = k;
      }
    }
    const missing = this.spec.columns.filter((_, w) => index[w] < 0);
    if (missing.length > 0) {
      const names = cells.map((c) => c.toLowerCase());
      const { what, columns, optional, otherKind } = this.spec;
      const hint = looksLikeData(cells)
        ? `; line ${r.line} looks like a data row: is the header line missing?`
        : otherKind && otherKind.columns.every((c) => names.includes(c))
          ? `; ${otherKind.hint}`
          : '';
      return this.refuse(
        r.line,
        trimmed,
        `header has no ${missing.join(', ')} column: found ${cells.map((c) => JSON.stringify(c)).join(', ')}. ${what} needs ${listed(columns)}${optional.length > 0 ? `, may have ${listed(optional)}` : ''}, and ignores other columns${hint}`,
      );
    }
    this.index = index;
    this.width = cells.length;
    this.headerLine = r.line;
    this.ignored = ignored;
  }
}

/**
 * A RecordSink that reads one kind of timed table: each row whose time reads well goes to `row`, and
 * `finish` builds the result from what `row` kept and the table's own reading.
 */
export abstract class TimedTableSink<T> implements RecordSink {
  protected readonly table: TimedTableReader;

  constructor(spec: TableSpec) {
    this.table = new TimedTableReader(spec, (row, bad) => this.row(row, bad));
  }

  get done(): boolean {
    return this.table.done;
  }

  record(r: CsvRecord): void {
    this.table.record(r);
  }

  /** One row: keep it, call it `bad` (a row problem), or `this.table.refuse` the whole file. */
  protected abstract row(row: TimedRow, bad: (reason: string) => void): void;

  abstract finish(): T;
}
