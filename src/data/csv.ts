// data.loadCsv / loadCsvSync / parseCsv: a CSV file (or text) to x and y tensors. Parsing is
// csv-parse's (the node-csv project: RFC 4180 quoting, CRLF, BOM, no dependencies); this file
// turns its records into rows for the TableBuilder and names file lines in every error.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parse as parseStream, CsvError, type Options as CsvParseOptions } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { ArgumentError, FormatError, NervaError } from '../errors.js';
import { fileError, readFileBytes } from './files.js';
import {
  TableBuilder, TABLE_OPTION_KEYS, checkOptionKeys,
  type ColumnRef, type LabeledTableData, type TableData, type TableOptions,
} from './table.js';

/** Options of `data.loadCsv`: the table options plus how the file is split. */
export interface CsvOptions extends TableOptions {
  /** The first row names the columns (default true). Without a header, columns are chosen by 0-based index. */
  header?: boolean;
  /** Field separator, one character (default ','; ';' and '\t' are common). */
  delimiter?: string;
}

const CSV_OPTION_KEYS = [...TABLE_OPTION_KEYS, 'header', 'delimiter'];

function checkCsvOptions(who: string, opts: CsvOptions): void {
  checkOptionKeys(who, opts, CSV_OPTION_KEYS);
  if (opts.header !== undefined && typeof opts.header !== 'boolean') {
    throw new ArgumentError(`${who}: header must be true or false, got ${JSON.stringify(opts.header)}`);
  }
  const d = opts.delimiter;
  if (d !== undefined && (typeof d !== 'string' || d.length !== 1 || d === '"' || d === '\n' || d === '\r')) {
    throw new ArgumentError(`${who}: delimiter must be one character other than a quote or line break, got ${JSON.stringify(d)}`);
  }
}

function parserOptions(opts: CsvOptions): CsvParseOptions {
  return {
    delimiter: opts.delimiter ?? ',',
    bom: true,
    // Blank lines (a trailing newline, a gap between blocks) are not rows, as in pandas' read_csv.
    skip_empty_lines: true,
    // Spaces around a field are not part of it (so `a, "b"` parses); numbers are trimmed anyway.
    trim: true,
    // Ragged rows are checked by CsvRows, which can name the header's width.
    relax_column_count: true,
  };
}

/** How many line breaks a record's quoted fields hold, to find the line it started on. */
function breaksInside(record: readonly string[]): number {
  let n = 0;
  for (const f of record) {
    for (let i = 0; i < f.length; i++) {
      const c = f.charCodeAt(i);
      if (c === 10 || (c === 13 && f.charCodeAt(i + 1) !== 10)) n++;
    }
  }
  return n;
}

/** Receives csv-parse's records: the first is the header (or the width), the rest become rows. */
class CsvRows {
  private builder: TableBuilder | null = null;
  private width = 0;
  private firstLine = 0;

  constructor(private readonly who: string, private readonly opts: CsvOptions) {}

  onRecord(record: string[], endLine: number): void {
    const start = endLine - breaksInside(record);
    const where = start === endLine ? `row ${start}` : `row ${start} (lines ${start}-${endLine})`;
    if (!this.builder) {
      this.width = record.length;
      this.firstLine = start;
      const header = this.opts.header ?? true;
      const names = header ? record.map((s) => s.trim()) : null;
      if (names && names.length === 1 && this.opts.delimiter === undefined) {
        const sep = [';', '\t', '|'].find((c) => names[0].includes(c));
        if (sep) {
          throw new FormatError(
            `${this.who}: the header (row ${start}) is one column, ${JSON.stringify(names[0].slice(0, 60))}; ` +
              `the file looks ${JSON.stringify(sep)}-separated: pass delimiter: ${JSON.stringify(sep)}`,
          );
        }
      }
      // pandas' to_csv() writes its row index as a first column with an empty name; taken as a
      // feature it would teach the model the row order. Make the user choose.
      const unnamed = names ? names.findIndex((nm) => nm === '') : -1;
      if (unnamed >= 0 && this.opts.columns === undefined) {
        throw new FormatError(
          `${this.who}: column index ${unnamed} has no name in the header (row ${start}); pandas' to_csv() writes its row ` +
            'index that way: pick the features with columns: [...], or save with index=False',
        );
      }
      this.builder = new TableBuilder(this.who, names, this.width, this.opts);
      if (header) return;
    }
    if (record.length !== this.width) {
      const first = (this.opts.header ?? true) ? `the header (row ${this.firstLine})` : `the first row (row ${this.firstLine})`;
      const hint = record.length > this.width ? '; a delimiter inside an unquoted field? quote that field' : '';
      throw new FormatError(`${this.who}: ${where} has ${record.length} fields, but ${first} has ${this.width}${hint}`);
    }
    this.builder.addRow(record, where);
  }

  finish(): TableData {
    if (!this.builder) throw new FormatError(`${this.who}: no rows: the file is empty or holds only blank lines`);
    if (this.builder.rowCount === 0) {
      throw new FormatError(`${this.who}: has a header (row ${this.firstLine}) but no data rows`);
    }
    return this.builder.finish();
  }
}

/** Parser errors (unclosed quote, stray quote ...) as FormatErrors naming the source; ours pass through. */
function wrap(who: string, e: unknown): Error {
  if (e instanceof NervaError) return e;
  if (e instanceof CsvError) return new FormatError(`${who}: malformed CSV: ${e.message}`);
  return e instanceof Error ? e : new Error(String(e));
}

function parseWhole(who: string, input: string | Buffer, opts: CsvOptions): TableData {
  const rows = new CsvRows(who, opts);
  try {
    parseSync(input, {
      ...parserOptions(opts),
      // Each record is consumed as it is parsed and dropped (null), so strings never pile up.
      on_record: (record: string[], ctx) => {
        rows.onRecord(record, ctx.lines);
        return null;
      },
    });
  } catch (e) {
    throw wrap(who, e);
  }
  return rows.finish();
}

/**
 * Loads a CSV file into tensors: `[x, y, info]` with x float32 [rows, features] and y [rows] (int32
 * when every label is a whole number, e.g. class ids; else float32), or y null without `label`.
 * Reads the file as a stream, so a large file never sits in memory as text. Every non-numeric or
 * missing cell is refused with its row (the file line, 1-based, as an editor or spreadsheet shows
 * it) and column; text columns load only when mapped with `categories` (and `oneHot`).
 * @example const [x, y] = await data.loadCsv('houses.csv', { label: 'price' });
 * @example const [x, y, info] = await data.loadCsv('iris.csv', { label: 'species', categories: { species: 'auto' } });
 *          // info.categories.species = ['setosa', 'versicolor', 'virginica'], y int32 0..2
 */
export async function loadCsv(path: string, opts: CsvOptions & { label: ColumnRef }): Promise<LabeledTableData>;
export async function loadCsv(path: string, opts?: CsvOptions): Promise<TableData>;
export async function loadCsv(path: string, opts: CsvOptions = {}): Promise<TableData> {
  const who = `loadCsv "${path}"`;
  checkCsvOptions(who, opts);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new FormatError(`${who}: "${path}" is a directory, expected a CSV file`);
    size = st.size;
  } catch (e) {
    throw e instanceof NervaError ? e : fileError(path, e);
  }
  if (size === 0) throw new FormatError(`${who}: the file is empty (0 bytes)`);
  const rows = new CsvRows(who, opts);
  const parser = parseStream({
    ...parserOptions(opts),
    on_record: (record: string[], ctx) => {
      rows.onRecord(record, ctx.lines);
      return null;
    },
  });
  try {
    await pipeline(createReadStream(path), parser, async (source: AsyncIterable<unknown>) => {
      // on_record returns null, so nothing comes out; draining lets the pipeline finish.
      for await (const _ of source);
    });
  } catch (e) {
    if (e instanceof NervaError || e instanceof CsvError) throw wrap(who, e);
    throw fileError(path, e);
  }
  return rows.finish();
}

/**
 * `loadCsv` without the await, for scripts (reads the whole file first).
 * @example const [x, y] = data.loadCsvSync('houses.csv', { label: 'price' });
 */
export function loadCsvSync(path: string, opts: CsvOptions & { label: ColumnRef }): LabeledTableData;
export function loadCsvSync(path: string, opts?: CsvOptions): TableData;
export function loadCsvSync(path: string, opts: CsvOptions = {}): TableData {
  const who = `loadCsvSync "${path}"`;
  checkCsvOptions(who, opts);
  const bytes = readFileBytes(path);
  if (bytes.length === 0) throw new FormatError(`${who}: the file is empty (0 bytes)`);
  return parseWhole(who, bytes, opts);
}

/**
 * CSV text (an upload, a string in a test) to tensors, as `loadCsv` does for a file.
 * @example const [x, y] = data.parseCsv('x,y\n1,1\n2,3\n', { label: 'y' });
 */
export function parseCsv(text: string, opts: CsvOptions & { label: ColumnRef }): LabeledTableData;
export function parseCsv(text: string, opts?: CsvOptions): TableData;
export function parseCsv(text: string, opts: CsvOptions = {}): TableData {
  const who = 'parseCsv';
  checkCsvOptions(who, opts);
  if (typeof text !== 'string') throw new ArgumentError(`${who}: expected the CSV text as a string, got ${typeof text}`);
  if (text.length === 0) throw new FormatError(`${who}: the text is empty`);
  return parseWhole(who, text, opts);
}
