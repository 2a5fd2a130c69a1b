// data.fromRows: rows you already have (objects from a database query, or arrays) to tensors,
// through the same TableBuilder as the CSV loader.

import { ArgumentError } from '../errors.js';
import {
  TableBuilder, TABLE_OPTION_KEYS, checkOptionKeys, describe,
  type ColumnRef, type LabeledTableData, type TableData, type TableOptions,
} from './table.js';

/**
 * Tensors from rows you already have: objects from a database query (`{ age: 31, city: 'Oslo' }`,
 * keys of the first row are the columns) or arrays (columns by index). Cells may be numbers, numeric
 * strings (as database drivers return NUMERIC/BIGINT), booleans, bigints; null, undefined and NaN
 * are missing. Returns `[x, y, info]`: x float32 [rows, features], y [rows] or null (see loadCsv).
 * @example const { rows } = await pool.query('SELECT age, income, bought FROM visits'); // node-postgres
 *          const [x, y] = data.fromRows(rows, { label: 'bought' });
 */
export function fromRows(rows: readonly (Readonly<Record<string, unknown>> | readonly unknown[])[], opts: TableOptions & { label: ColumnRef }): LabeledTableData;
export function fromRows(rows: readonly (Readonly<Record<string, unknown>> | readonly unknown[])[], opts?: TableOptions): TableData;
export function fromRows(rows: readonly (Readonly<Record<string, unknown>> | readonly unknown[])[], opts: TableOptions = {}): TableData {
  const who = 'fromRows';
  checkOptionKeys(who, opts, TABLE_OPTION_KEYS);
  if (!Array.isArray(rows)) throw new ArgumentError(`${who}: expected an array of rows (objects or arrays), got ${describe(rows)}`);
  if (rows.length === 0) throw new ArgumentError(`${who}: no rows (an empty array)`);
  const first: unknown = rows[0];
  const argError = (m: string): Error => new ArgumentError(m);
  if (Array.isArray(first)) {
    const width = first.length;
    if (width === 0) throw new ArgumentError(`${who}: rows[0] is an empty array`);
    const b = new TableBuilder(who, null, width, opts, argError);
    rows.forEach((row, i) => {
      if (!Array.isArray(row)) throw new ArgumentError(`${who}: rows[${i}] is ${describe(row)}, but rows[0] is an array`);
      if (row.length !== width) throw new ArgumentError(`${who}: rows[${i}] has ${row.length} values, rows[0] has ${width}`);
      b.addRow(row, `rows[${i}]`);
    });
    return b.finish();
  }
  if (typeof first !== 'object' || first === null) {
    throw new ArgumentError(`${who}: rows[0] is ${describe(first)}; expected an object (one key per column) or an array`);
  }
  const names = Object.keys(first);
  if (names.length === 0) throw new ArgumentError(`${who}: rows[0] has no keys`);
  const known = new Set(names);
  const b = new TableBuilder(who, names, names.length, opts, argError);
  const cells: unknown[] = new Array(names.length);
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new ArgumentError(`${who}: rows[${i}] is ${describe(row)}, but rows[0] is an object`);
    }
    const rec = row as Readonly<Record<string, unknown>>;
    // Without an explicit column list the columns are rows[0]'s keys, so a key only later rows have
    // would be dropped unseen: refuse it instead.
    if (opts.columns === undefined) {
      for (const k of Object.keys(rec)) {
        if (!known.has(k)) throw new ArgumentError(`${who}: rows[${i}] has key "${k}", which rows[0] does not; pass columns to choose the features`);
      }
    }
    for (let c = 0; c < names.length; c++) cells[c] = rec[names[c]];
    b.addRow(cells, `rows[${i}]`);
  });
  return b.finish();
}
