// Turns rows of cells (CSV records, or objects from a database query) into tensors: x float32
// [rows, features] and y [rows]. Numbers are parsed strictly, categorical columns are mapped only when
// asked, and every bad or missing cell is refused with its row and column named.

import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, FormatError } from '../errors.js';

/** A column, by its header name (or object key) or by its 0-based index. */
export type ColumnRef = string | number;

/** A categorical column's values in index order, or 'auto': the distinct values found, sorted. */
export type CategoryList = readonly string[] | 'auto';

/** Options shared by `data.loadCsv`, `data.parseCsv` and `data.fromRows`. */
export interface TableOptions {
  /** The label column (name or 0-based index); omitted or null: no label, y is null. */
  label?: ColumnRef | null;
  /** The feature columns, in this order (default: every column but the label). */
  columns?: readonly ColumnRef[];
  /**
   * Text columns mapped to integers, keyed by column name (or index): a list fixes the order (the
   * value at position i becomes i), 'auto' takes the distinct values sorted. A mapped feature gives
   * one column of indices unless it is also in `oneHot`; a mapped label gives int32 class ids.
   */
  categories?: Readonly<Record<string, CategoryList>>;
  /** Categorical feature columns expanded to one 0/1 column per category (pandas' get_dummies). */
  oneHot?: readonly ColumnRef[];
  /** Value for missing numeric feature cells (empty, NA, N/A, NaN, null, None, ?); default: refuse them. */
  fillNa?: number;
}

/** What the loader found: names of x's columns, the label's name, each categorical column's values. */
export interface TableInfo {
  /** One name per column of x; a one-hot column gives `name_value` per category, as pandas does. */
  featureNames: string[];
  /** The label column's name, or null when no label was asked for (then y is null). */
  labelName: string | null;
  /** Each categorical column's values in index order (keep them to map new data the same way). */
  categories: Record<string, string[]>;
}

/** `[x, y, info]`: x float32 [rows, features], y [rows] (int32 when every label is an integer, else float32). */
export type TableData = [x: Tensor, y: Tensor | null, info: TableInfo];
/** `TableData` when a label column was given, so y is not null. */
export type LabeledTableData = [x: Tensor, y: Tensor, info: TableInfo];

export const TABLE_OPTION_KEYS = ['label', 'columns', 'categories', 'oneHot', 'fillNa'] as const;

// The strings pandas' read_csv treats as missing by default (the common ones), plus '?', which the
// UCI repository's classic tables use. Only numeric columns read them as missing: in a categorical
// column "NA" is a value like any other.
const NA_STRINGS: ReadonlySet<string> = new Set(['NA', 'N/A', 'n/a', 'NaN', 'nan', '-NaN', '-nan', 'null', 'NULL', 'None', '#N/A', '?']);

// A plain decimal literal: no hex, no thousands separators, no 'Infinity' (Number() would take
// ' ', '0x1A' and 'Infinity'; none of them is a measurement a model should silently see).
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// An 'auto' one-hot column with more distinct values than this is almost surely an id or free
// text: its one-hot block would be rows x categories floats. An explicit list lifts the limit.
const MAX_AUTO_ONE_HOT = 1024;

const MISSING = Symbol('missing');
type Parsed = number | typeof MISSING | { bad: string };

/** A cell or option value as messages show it. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v instanceof Date) return `a Date (${v.toISOString()})`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** Reads one cell as a number; strings are trimmed and must be plain decimals. */
function parseNumber(v: unknown): Parsed {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return MISSING;
    return Number.isFinite(v) ? v : { bad: `${v} is not finite` };
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '' || NA_STRINGS.has(s)) return MISSING;
    if (!NUMBER_RE.test(s)) return { bad: `${describe(v)} is not a number` };
    const n = Number(s);
    return Number.isFinite(n) ? n : { bad: `${describe(v)} is out of the float range` };
  }
  if (v === null || v === undefined) return MISSING;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : { bad: `${v}n is too large to be exact as a float` };
  }
  return { bad: `${describe(v)} is not a number` };
}

/** The category key of a cell: trimmed text; '' for an empty cell, null, undefined or NaN. */
function categoryKey(v: unknown): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
  return typeof v === 'string' ? v.trim() : String(v);
}

/** Refuses option keys nerva does not know, so that `{ labels: 'y' }` is not silently no label. */
export function checkOptionKeys(who: string, opts: object, allowed: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new ArgumentError(`${who}: options must be an object, got ${describe(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw new ArgumentError(`${who}: unknown option "${k}"; the options are ${allowed.join(', ')}`);
  }
}

interface Column {
  index: number;
  name: string;
  /** How messages name it: `column "age"` or `column index 4`. */
  ref: string;
  categories: Map<string, number> | null;
  /** The given list is fixed; 'auto' grows (first-seen order, sorted in finish()). */
  auto: boolean;
  oneHot: boolean;
  numericSeen: number;
}

/** Builds x and y row by row; the CSV reader and fromRows feed it. */
export class TableBuilder {
  private readonly features: Column[];
  private readonly label: Column | null;
  private readonly fillNa: number | undefined;
  private raw: Float32Array;
  private labels: Float64Array;
  private rows = 0;

  /**
   * @param who names the caller and source in messages (`loadCsv "iris.csv"`).
   * @param names header names / object keys, or null for index-only columns.
   * @param makeError FormatError for files, ArgumentError for rows passed in.
   */
  constructor(
    private readonly who: string,
    names: readonly string[] | null,
    width: number,
    opts: TableOptions,
    private readonly makeError: (msg: string) => Error = (m) => new FormatError(m),
  ) {
    const colName = (i: number): string => (names ? names[i] : String(i));
    const colRef = (i: number): string => (names ? `column ${JSON.stringify(names[i])}` : `column index ${i}`);
    const resolve = (ref: ColumnRef, what: string, numericStringIsIndex = false): number => {
      if (typeof ref === 'number') {
        if (!Number.isInteger(ref) || ref < 0 || ref >= width) {
          throw new ArgumentError(`${who}: ${what} index ${ref} is out of range: there are ${width} columns (0 to ${width - 1})`);
        }
        return ref;
      }
      if (typeof ref !== 'string') throw new ArgumentError(`${who}: ${what} must be a column name or index, got ${describe(ref)}`);
      if (names) {
        const hits = names.flatMap((n, i) => (n === ref ? [i] : []));
        if (hits.length === 1) return hits[0];
        if (hits.length > 1) {
          throw new ArgumentError(`${who}: ${what} "${ref}" is ambiguous: columns ${hits.join(' and ')} share that name; choose by index`);
        }
      }
      if ((numericStringIsIndex || !names) && /^\d+$/.test(ref)) return resolve(Number(ref), what);
      if (!names) {
        throw new ArgumentError(`${who}: ${what} "${ref}": the data has no column names (header: false), so choose columns by 0-based index`);
      }
      const near = names.find((n) => n.trim().toLowerCase() === ref.trim().toLowerCase());
      const hint = near !== undefined ? ` (did you mean ${JSON.stringify(near)}?)` : '';
      const shown = names.length > 30 ? `${names.slice(0, 30).map((n) => JSON.stringify(n)).join(', ')} ...` : names.map((n) => JSON.stringify(n)).join(', ');
      throw new ArgumentError(`${who}: no column "${ref}" (${what})${hint}; the columns are ${shown}`);
    };
    const make = (i: number): Column => ({ index: i, name: colName(i), ref: colRef(i), categories: null, auto: false, oneHot: false, numericSeen: 0 });

    const labelIndex = opts.label === undefined || opts.label === null ? -1 : resolve(opts.label, 'label');
    let featureIdx: number[];
    if (opts.columns !== undefined) {
      if (!Array.isArray(opts.columns) || opts.columns.length === 0) {
        throw new ArgumentError(`${who}: columns must be a non-empty array of column names or indices`);
      }
      featureIdx = opts.columns.map((c) => resolve(c, 'columns entry'));
      const dup = featureIdx.find((c, k) => featureIdx.indexOf(c) !== k);
      if (dup !== undefined) throw new ArgumentError(`${who}: columns lists ${colRef(dup)} twice`);
      if (featureIdx.includes(labelIndex)) {
        throw new ArgumentError(`${who}: the label ${colRef(labelIndex)} is also in columns; a label cannot be a feature`);
      }
    } else {
      featureIdx = [];
      for (let i = 0; i < width; i++) if (i !== labelIndex) featureIdx.push(i);
    }
    if (featureIdx.length === 0) throw new ArgumentError(`${who}: no feature columns: the only column is the label ${colRef(labelIndex)}`);
    this.features = featureIdx.map(make);
    this.label = labelIndex >= 0 ? make(labelIndex) : null;

    const all = this.label ? [...this.features, this.label] : this.features;
    const byIndex = (i: number): Column | undefined => all.find((c) => c.index === i);
    for (const [key, list] of Object.entries(opts.categories ?? {})) {
      const index = resolve(key, 'categories key', true);
      const col = byIndex(index);
      if (!col) throw new ArgumentError(`${who}: categories names ${colRef(index)}, which is neither a feature nor the label`);
      if (list === 'auto') {
        col.categories = new Map();
        col.auto = true;
      } else if (Array.isArray(list) && list.length > 0 && list.every((v) => typeof v === 'string')) {
        const seen = new Map<string, number>();
        list.forEach((v: string, k: number) => {
          const key2 = v.trim();
          if (seen.has(key2)) throw new ArgumentError(`${who}: categories for ${col.ref} list ${JSON.stringify(v)} twice`);
          seen.set(key2, k);
        });
        col.categories = seen;
      } else {
        throw new ArgumentError(`${who}: categories for ${col.ref} must be 'auto' or a non-empty array of strings, got ${describe(list)}`);
      }
    }
    for (const ref of opts.oneHot ?? []) {
      const i = resolve(ref, 'oneHot entry');
      const col = this.features.find((c) => c.index === i);
      if (!col) {
        const why = i === labelIndex ? 'the label (labels stay class ids; use utils.toCategorical for one-hot labels)' : 'not a feature column';
        throw new ArgumentError(`${who}: oneHot names ${colRef(i)}, which is ${why}`);
      }
      col.oneHot = true;
      // A one-hot column without an explicit list takes its values as found.
      if (!col.categories) {
        col.categories = new Map();
        col.auto = true;
      }
    }
    if (opts.fillNa !== undefined && typeof opts.fillNa !== 'number') {
      throw new ArgumentError(`${who}: fillNa must be a number, got ${describe(opts.fillNa)}`);
    }
    this.fillNa = opts.fillNa;
    this.raw = new Float32Array(64 * this.features.length);
    this.labels = new Float64Array(64);
  }

  get rowCount(): number {
    return this.rows;
  }

  private fail(where: string, col: Column, what: string): never {
    throw this.makeError(`${this.who}: ${where}, ${col.ref}: ${what}`);
  }

  private category(where: string, col: Column, v: unknown): number {
    const cats = col.categories!;
    const key = categoryKey(v);
    const k = cats.get(key);
    if (k !== undefined) return k;
    // An empty cell is a category only when the given list names '' (never under 'auto').
    if (key === '') {
      this.fail(where, col, `missing value (${describe(v)}) in a categorical column (fillNa fills numeric columns only); fill the cell, or give the list of categories with "" in it`);
    }
    if (!col.auto) {
      const known = [...cats.keys()];
      const shown = known.length > 20 ? `${known.slice(0, 20).map((s) => JSON.stringify(s)).join(', ')} ...` : known.map((s) => JSON.stringify(s)).join(', ');
      this.fail(where, col, `${describe(v)} is not one of its categories (${shown})`);
    }
    if (col.oneHot && cats.size >= MAX_AUTO_ONE_HOT) {
      this.fail(where, col, `more than ${MAX_AUTO_ONE_HOT} distinct values for a one-hot column (an id or free text?); pass the list of categories if it really has that many`);
    }
    cats.set(key, cats.size);
    return cats.size - 1;
  }

  private number(where: string, col: Column, v: unknown, isLabel: boolean): number {
    const p = parseNumber(v);
    if (typeof p === 'number') {
      col.numericSeen++;
      return p;
    }
    if (p === MISSING) {
      if (isLabel) this.fail(where, col, `missing label (${describe(v)}); drop the row or fill the label`);
      if (this.fillNa !== undefined) return this.fillNa;
      this.fail(where, col, `missing value (${describe(v)}); pass fillNa: <number> to fill missing cells, or fix the data`);
    }
    // Text in a column that had no number before is most likely a category, not a typo.
    const key = /^[A-Za-z_$][\w$]*$/.test(col.name) ? col.name : JSON.stringify(col.name);
    const hint = col.numericSeen > 0
      ? 'the column holds numbers above this row: a bad cell?'
      : isLabel
        ? `if it is a class name, map the label: categories: { ${key}: 'auto' } (or the list of classes in index order)`
        : `if the column is categorical, map it: categories: { ${key}: 'auto' } for class indices, plus oneHot: [${JSON.stringify(col.name)}] for one 0/1 column per value; or leave it out with columns`;
    this.fail(where, col, `${p.bad}; ${hint}`);
  }

  /** Adds one row. `cells[i]` is column i; `where` names the row in messages (`row 7`). */
  addRow(cells: ArrayLike<unknown>, where: string): void {
    const nf = this.features.length;
    if (this.rows * nf >= this.raw.length) {
      const bigger = new Float32Array(this.raw.length * 2);
      bigger.set(this.raw);
      this.raw = bigger;
    }
    if (this.label && this.rows >= this.labels.length) {
      const bigger = new Float64Array(this.labels.length * 2);
      bigger.set(this.labels);
      this.labels = bigger;
    }
    const base = this.rows * nf;
    for (let j = 0; j < nf; j++) {
      const col = this.features[j];
      const v = cells[col.index];
      this.raw[base + j] = col.categories ? this.category(where, col, v) : this.number(where, col, v, false);
    }
    if (this.label) {
      const v = cells[this.label.index];
      this.labels[this.rows] = this.label.categories ? this.category(where, this.label, v) : this.number(where, this.label, v, true);
    }
    this.rows++;
  }

  /** The tensors; 'auto' categories are sorted here (code-point order, as sklearn's LabelEncoder). */
  finish(): TableData {
    const n = this.rows;
    if (n === 0) throw this.makeError(`${this.who}: no data rows`);
    const categories: Record<string, string[]> = {};
    const remaps = new Map<Column, Int32Array>();
    for (const col of this.label ? [...this.features, this.label] : this.features) {
      if (!col.categories) continue;
      const inOrder = [...col.categories.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
      if (col.auto) {
        const sorted = [...inOrder].sort();
        const rank = new Map(sorted.map((k, i) => [k, i]));
        const remap = Int32Array.from(inOrder, (k) => rank.get(k)!);
        remaps.set(col, remap);
        categories[col.name] = sorted;
      } else {
        categories[col.name] = inOrder;
      }
    }

    const nf = this.features.length;
    const widths = this.features.map((c) => (c.oneHot ? categories[c.name].length : 1));
    const featureNames = this.features.flatMap((c) => (c.oneHot ? categories[c.name].map((v) => `${c.name}_${v}`) : [c.name]));
    let x: Float32Array;
    if (remaps.size === 0 && widths.every((w) => w === 1)) {
      x = this.raw.slice(0, n * nf);
    } else {
      const total = featureNames.length;
      x = new Float32Array(n * total);
      for (let r = 0; r < n; r++) {
        let off = r * total;
        for (let j = 0; j < nf; j++) {
          const col = this.features[j];
          const remap = remaps.get(col);
          const v = this.raw[r * nf + j];
          const value = remap ? remap[v] : v;
          if (col.oneHot) x[off + value] = 1;
          else x[off] = value;
          off += widths[j];
        }
      }
    }
    const xt = new Tensor(x, [n, featureNames.length], 'float32');

    let yt: Tensor | null = null;
    if (this.label) {
      const remap = remaps.get(this.label);
      const ys = this.labels.subarray(0, n);
      if (remap) yt = new Tensor(Int32Array.from(ys, (v) => remap[v]), [n], 'int32');
      else if (this.label.categories || ys.every((v) => Number.isInteger(v) && Math.abs(v) <= 0x7fffffff)) {
        // Whole-number labels are class ids (Keras' sparse losses and toCategorical want integers).
        yt = new Tensor(Int32Array.from(ys), [n], 'int32');
      } else {
        yt = new Tensor(Float32Array.from(ys), [n], 'float32');
      }
    }
    return [xt, yt, { featureNames, labelName: this.label ? this.label.name : null, categories }];
  }
}
