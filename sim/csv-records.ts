/**
 * CSV files read a record at a time, so that a workload file of any size is read in bounded memory: its
 * text is never held whole (a 2 GB trace read whole failed with ERR_STRING_TOO_LONG, past V8's longest
 * string). A record is one line, or several when a quoted value holds a line end, as RFC 4180 allows and
 * a query log's SQL often does. LF and CRLF both end a line; a byte order mark before the first line is
 * dropped. The cells of a record are read by `csvCells`.
 */
import { createReadStream } from 'node:fs';

/**
 * The longest record read, in characters: ten times Trino's default `query.max-length` (1,000,000), so a
 * query log's longest SQL fits. A longer line, or a quoted value still open after this many characters,
 * is a bad row, and what it held is dropped or read again: memory stays bounded by it.
 */
export const MAX_RECORD_CHARS = 10_000_000;

/** How much of a bad row a problem shows. */
const SHOWN_CHARS = 200;

export interface CsvRecord {
  /** Its lines joined by `\n`, without their line ends. */
  readonly text: string;
  /** The 1-based line it starts on. */
  readonly line: number;
  /** How many lines it spans: more than 1 when a quoted value holds a line end. */
  readonly lines: number;
  /** Why it is not a whole record (a quote never closed, a line over the limit); `text` is then its start as a problem shows it. */
  readonly error?: string;
}

/** Takes records as they are read; `done` set stops the reading. */
export interface RecordSink {
  record(r: CsvRecord): void;
  readonly done: boolean;
}

/**
 * A bad row's text as a problem shows it: its first line, cut at 200 characters. A copy: a slice would
 * keep the whole chunk it was cut from alive (V8 shares a sliced string's parent).
 */
export function shownText(text: string): string {
  const end = text.indexOf('\n');
  const first = end < 0 ? text : text.slice(0, end);
  const shown = first.length > SHOWN_CHARS ? `${first.slice(0, SHOWN_CHARS)}…` : end < 0 ? first : `${first}…`;
  return Buffer.from(shown, 'utf8').toString('utf8');
}

function oddQuotes(line: string): boolean {
  let odd = false;
  for (let k = line.indexOf('"'); k >= 0; k = line.indexOf('"', k + 1)) odd = !odd;
  return odd;
}

/**
 * Cuts text, pushed in chunks of any size, into records. A line with an odd number of quotes opens a
 * quoted value that the next line with an odd number closes (a doubled quote inside a value counts two).
 * A comment line (`#`) is a record of its own whatever it holds.
 */
export class CsvRecordSplitter {
  private carry = '';
  private started = false;
  private lineNumber = 0;
  /** A line longer than the limit, whose rest is being dropped: its start. */
  private overlong?: string;
  private pending: string[] = [];
  private pendingLine = 0;
  private pendingChars = 0;

  constructor(
    private readonly sink: RecordSink,
    private readonly maxChars = MAX_RECORD_CHARS,
  ) {}

  push(chunk: string): void {
    if (chunk.length === 0 || this.sink.done) return;
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let from = 0;
    for (let end = chunk.indexOf('\n'); end >= 0 && !this.sink.done; end = chunk.indexOf('\n', from)) {
      const piece = chunk.slice(from, end);
      from = end + 1;
      if (this.overlong !== undefined) this.endOverlong(this.overlong);
      else this.line(this.carry.length > 0 ? this.carry + piece : piece);
      this.carry = '';
    }
    if (this.overlong !== undefined || this.sink.done) return;
    const rest = chunk.slice(from);
    this.carry = this.carry.length > 0 ? this.carry + rest : rest;
    // Past the limit with no line end yet: keep only what a problem shows, and drop the rest of the line.
    if (this.carry.length > this.maxChars) {
      this.overlong = Buffer.from(this.carry.slice(0, SHOWN_CHARS), 'utf8').toString('utf8');
      this.carry = '';
    }
  }

  /** The end of the text: a last line without a line end is a line, and a quote still open is reported. */
  end(): void {
    if (this.sink.done) return;
    if (this.overlong !== undefined) this.endOverlong(this.overlong);
    else if (this.carry.length > 0) this.line(this.carry);
    this.carry = '';
    while (this.pending.length > 0 && !this.sink.done) this.unclosed('by the end of the file');
  }

  private line(text: string): void {
    if (text.length > this.maxChars) return this.endOverlong(text);
    this.lineNumber++;
    this.take(text.endsWith('\r') ? text.slice(0, -1) : text, this.lineNumber);
  }

  /** A line over the limit: a bad record of its own, which also ends a quoted value left open before it. */
  private endOverlong(start: string): void {
    this.overlong = undefined;
    this.lineNumber++;
    const line = this.lineNumber;
    const limit = this.maxChars.toLocaleString('en-US');
    if (this.pending.length > 0) this.unclosed(`within ${limit} characters`);
    this.sink.record({ text: shownText(`${start.slice(0, Math.min(SHOWN_CHARS, this.maxChars))}…`), line, lines: 1, error: `line over ${limit} characters` });
  }

  private take(text: string, line: number): void {
    if (this.pending.length > 0) {
      this.pending.push(text);
      this.pendingChars += text.length + 1;
      if (oddQuotes(text)) {
        const lines = this.pending;
        this.pending = [];
        this.sink.record({ text: lines.join('\n'), line: this.pendingLine, lines: lines.length });
      } else if (this.pendingChars > this.maxChars) {
        this.unclosed(`within ${this.maxChars.toLocaleString('en-US')} characters`);
      }
      return;
    }
    if (!text.trimStart().startsWith('#') && oddQuotes(text)) {
      this.pending = [text];
      this.pendingLine = line;
      this.pendingChars = text.length;
      return;
    }
    this.sink.record({ text, line, lines: 1 });
  }

  /**
   * A quoted value that never closed: its first line is the bad record, and the lines after it are read
   * again as records of their own. None of them has an odd number of quotes (it would have closed the
   * value), so none opens another.
   */
  private unclosed(where: string): void {
    const lines = this.pending;
    const first = this.pendingLine;
    this.pending = [];
    this.sink.record({ text: shownText(lines[0]), line: first, lines: 1, error: `a quoted value opened on this line is not closed ${where}` });
    for (let k = 1; k < lines.length && !this.sink.done; k++) this.take(lines[k], first + k);
  }
}

/** Feeds a whole text to a sink. */
export function splitText(text: string, sink: RecordSink, maxChars?: number): void {
  const splitter = new CsvRecordSplitter(sink, maxChars);
  splitter.push(text);
  splitter.end();
}

export interface ReadOptions {
  /** Bytes read at a time. @default 1 MiB */
  readonly chunkBytes?: number;
  /** The longest record. @default MAX_RECORD_CHARS */
  readonly maxRecordChars?: number;
  /** Told the bytes read so far after each chunk. */
  readonly onBytes?: (bytesRead: number) => void;
}

/**
 * Streams a UTF-8 file to a sink a chunk at a time (a character split across two chunks is decoded
 * whole). Stops reading when the sink is done. Rejects with the file system's error (`code` set) when
 * the file cannot be read.
 */
export async function streamFile(path: string, sink: RecordSink, o: ReadOptions = {}): Promise<void> {
  const splitter = new CsvRecordSplitter(sink, o.maxRecordChars);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: o.chunkBytes ?? 1 << 20 });
  for await (const chunk of stream) {
    splitter.push(chunk as string);
    o.onBytes?.(stream.bytesRead);
    if (sink.done) break;
  }
  splitter.end();
}

/** A record that is not valid CSV: a quote inside an unquoted value, text after a closing quote, a quote never closed. */
export class CsvCellError extends Error {}

const QUOTE = 0x22;
const isBlank = (c: number) => c === 0x20 || c === 0x09;

/**
 * The trimmed cells of one CSV record, read as RFC 4180 says: a quoted value may hold commas, line ends and
 * doubled quotes, as the Trino CLI's CSV formats and query logs write them; spaces around a value are
 * trimmed, those inside quotes kept (as csv-parse's `trim` reads them). Our own reader, not csv-parse:
 * called once per record, csv-parse's set-up made reading a query log 5 times slower. Throws CsvCellError
 * on a record that is not valid CSV.
 */
export function csvCells(record: string): string[] {
  if (!record.includes('"')) return record.split(',').map((c) => c.trim());
  const cells: string[] = [];
  const n = record.length;
  let k = 0;
  for (;;) {
    while (k < n && isBlank(record.charCodeAt(k))) k++;
    if (record.charCodeAt(k) !== QUOTE) {
      const comma = record.indexOf(',', k);
      const value = record.slice(k, comma < 0 ? n : comma);
      if (value.includes('"')) throw new CsvCellError(`a quote inside an unquoted value (column ${cells.length + 1})`);
      cells.push(value.trim());
      if (comma < 0) return cells;
      k = comma + 1;
      continue;
    }
    let value = '';
    let from = k + 1;
    for (;;) {
      const q = record.indexOf('"', from);
      if (q < 0) throw new CsvCellError(`a quoted value is not closed (column ${cells.length + 1})`);
      if (record.charCodeAt(q + 1) === QUOTE) {
        value += record.slice(from, q + 1);
        from = q + 2;
        continue;
      }
      value += record.slice(from, q);
      k = q + 1;
      break;
    }
    cells.push(value);
    while (k < n && isBlank(record.charCodeAt(k))) k++;
    if (k >= n) return cells;
    if (record[k] !== ',') throw new CsvCellError(`${JSON.stringify(record[k])} after a closing quote, where a comma or the line's end belongs (column ${cells.length})`);
    k++;
  }
}
