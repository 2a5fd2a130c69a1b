// Reads the arrays the charts take: plain number arrays, typed arrays, nested arrays or anything
// tensor-like (a `shape` plus a synchronous `data()`), without importing nerva's tensor types.

import { ArgumentError, ShapeError, fmtShape } from '../errors.js';

/** Something tensor-like: nerva's Tensor fits (row-major `data()`), so does a TF.js tensor. */
export interface TensorLike {
  /** The dims, outermost first. */
  readonly shape: readonly number[];
  /** The values, row-major (a Promise, as TF.js's async `data()` gives, is refused: pass `dataSync()`'s). */
  data(): unknown;
  /** The values, row-major, synchronously; used instead of `data()` when present. */
  dataSync?(): ArrayLike<number>;
}

/** Nested JS arrays such as `[[0.1, 0.9], [0.8, 0.2]]`. */
export type NestedNumbers = readonly (number | NestedNumbers)[];

/** What the charts accept for numbers: flat or nested arrays, typed arrays, or a tensor. */
export type ArrayInput = ArrayLike<number> | NestedNumbers | TensorLike;

/** A flat row-major view of an input, with its shape when the input tells it. */
export interface Flat {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[] | null;
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === 'object' && x !== null && 'shape' in x && typeof (x as TensorLike).data === 'function';
}

function flattenNested(x: NestedNumbers, who: string): Flat {
  const shape: number[] = [];
  for (let level: unknown = x; Array.isArray(level); level = level[0]) shape.push(level.length);
  const out: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new ArgumentError(`${who}: nested array is ragged or not numeric`);
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ArgumentError(`${who}: nested array is ragged: expected ${shape[depth]} items at depth ${depth}`);
    }
    for (const item of v) walk(item, depth + 1);
  };
  walk(x, 0);
  return { data: out, shape };
}

/** Turns any ArrayInput into flat data (and its shape, when known). */
export function flat(x: ArrayInput, who: string): Flat {
  if (isTensorLike(x)) {
    const data = typeof x.dataSync === 'function' ? x.dataSync() : x.data();
    if (data !== null && typeof data === 'object' && typeof (data as Promise<unknown>).then === 'function') {
      throw new ArgumentError(`${who}: the tensor's data() returned a Promise; pass the awaited data instead`);
    }
    return { data: data as ArrayLike<number>, shape: [...x.shape] };
  }
  if (Array.isArray(x) && x.length > 0 && Array.isArray(x[0])) return flattenNested(x as NestedNumbers, who);
  if (typeof x !== 'object' || x === null || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new ArgumentError(`${who}: expected an array, typed array or tensor, got ${typeof x}`);
  }
  return { data: x as ArrayLike<number>, shape: null };
}

/** Whose numbers readLabels reads: true labels must be one-hot if 2-D; predictions may be scores. */
export type LabelRole = 'labels' | 'predictions';

const ARGUMENT_ORDER: Record<string, string> = {
  'viz.displayPrediction': 'displayPrediction(index, predictions, labels, images)',
  'viz.predictionGrid': 'predictionGrid(images, labels, predictions)',
  'viz.confusionMatrix': 'confusionMatrix(labels, predicted)',
};

/** ` (the order is f(a, b, c))`, for messages about arguments that look swapped. */
export function orderHint(who: string): string {
  const order = ARGUMENT_ORDER[who];
  return order ? `; check the order of the arguments: ${order}` : '';
}

function fmtRow(data: ArrayLike<number>, offset: number, length: number): string {
  const shown = Array.from({ length: Math.min(length, 6) }, (_, k) => Number(data[offset + k].toPrecision(3)));
  return `[${shown.join(', ')}${length > 6 ? ', ...' : ''}]`;
}

/**
 * Class numbers, one per example: whole numbers >= 0, or [N, C] rows. True labels (`role`
 * 'labels') given as rows must be one-hot; predictions given as rows may be any finite scores and
 * their argmax is taken. Anything else is refused, naming the example.
 */
export function readLabels(x: ArrayInput, who: string, role: LabelRole = 'labels'): number[] {
  const { data, shape } = flat(x, who);
  if (shape && shape.length === 2 && shape[1] > 1) {
    const [n, c] = shape;
    for (let i = 0; i < n; i++) {
      let ones = 0;
      for (let k = 0; k < c; k++) {
        const v = data[i * c + k];
        if (!Number.isFinite(v)) throw new ArgumentError(`${who}: ${role} row ${i} holds ${v}: ${fmtRow(data, i * c, c)}`);
        if (v === 1) ones++;
        else if (role === 'labels' && v !== 0) ones = -Infinity;
      }
      if (role === 'labels' && ones !== 1) {
        throw new ArgumentError(
          `${who}: labels given as [N, classes] rows must be one-hot, but row ${i} is ${fmtRow(data, i * c, c)} ` +
            `(these look like predicted probabilities)${orderHint(who)}`,
        );
      }
    }
    return Array.from({ length: n }, (_, i) => argmax(data, i * c, c));
  }
  if (shape && shape.length > 1 && !(shape.length === 2 && shape[1] === 1)) {
    throw new ShapeError(`${who}: ${role} must be class numbers [N] or rows [N, classes], got ${fmtShape(shape)}`);
  }
  const out = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new ArgumentError(`${who}: ${role} must be class numbers (whole numbers >= 0), got ${v} at index ${i}${orderHint(who)}`);
    }
    out[i] = v;
  }
  return out;
}

/** Throws unless every label is a class of `classes` (0..classes-1). */
export function checkLabelRange(labels: readonly number[], classes: number, who: string): void {
  const bad = labels.findIndex((v) => v >= classes);
  if (bad >= 0) {
    throw new ArgumentError(`${who}: label ${labels[bad]} at index ${bad} is not one of the ${classes} classes the predictions have (0..${classes - 1})`);
  }
}

/** Class probabilities, one row of `classes` values per example. */
export interface Probabilities {
  readonly data: ArrayLike<number>;
  readonly count: number;
  readonly classes: number;
}

/**
 * Reads predictions of shape [N, C]; a flat array is split into `count` rows. NaN or infinite
 * values are refused (their argmax would be a class nobody predicted).
 */
export function readProbabilities(x: ArrayInput, count: number | null, who: string): Probabilities {
  const { data, shape } = flat(x, who);
  let p: Probabilities;
  if (shape && shape.length === 2) p = { data, count: shape[0], classes: shape[1] };
  else if (shape && shape.length !== 1) {
    throw new ShapeError(`${who}: predictions must be [N, classes], got ${fmtShape(shape)}`);
  } else if (count === null || count === 0 || data.length % count !== 0) {
    throw new ShapeError(`${who}: cannot split ${data.length} prediction values into ${count} rows; pass [N, classes]`);
  } else {
    if (count > 1 && data.length === count && Array.from(data).every(Number.isInteger)) {
      throw new ArgumentError(
        `${who}: predictions hold one whole number per example (class numbers?); expected [N, classes] probabilities${orderHint(who)}`,
      );
    }
    p = { data, count, classes: data.length / count };
  }
  for (let i = 0; i < p.data.length; i++) {
    if (!Number.isFinite(p.data[i])) {
      const row = Math.floor(i / p.classes);
      throw new ArgumentError(`${who}: predictions row ${row} holds ${p.data[i]}: ${fmtRow(p.data, row * p.classes, p.classes)}`);
    }
  }
  return p;
}

/** How far a probability row may sum from 1 (float32 softmax rows are within ~1e-6). */
export const SUM_TOLERANCE = 1e-3;

/**
 * Throws unless every row is a probability distribution (values in 0..1 summing to 1 within
 * SUM_TOLERANCE), saying to apply softmax when the rows look like logits.
 */
export function checkDistributions(p: Probabilities, who: string): void {
  for (let i = 0; i < p.count; i++) {
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < p.classes; k++) {
      const v = p.data[i * p.classes + k];
      sum += v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (lo < 0 || hi > 1 || Math.abs(sum - 1) > SUM_TOLERANCE) {
      const row = fmtRow(p.data, i * p.classes, p.classes);
      throw new ArgumentError(
        `${who}: predictions row ${i} is not a probability distribution (values in 0..1 summing to 1): ` +
          `${row} sums to ${Number(sum.toPrecision(4))}; if the model outputs logits, apply softmax first ` +
          `(e.g. predictions.softmax(), or a softmax activation on the last layer)`,
      );
    }
  }
}

/** Greyscale images, read as values 0..1. */
export interface Images {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** The i-th image as rows*cols values in 0..1. */
  at(i: number): Float32Array;
}

/**
 * Reads images of shape [N, H, W], [N, H, W, 1] or [N, H*W] (square), or flat data holding
 * `count` square images. Pixels 0..255 are told from 0..1 by the largest value being above 1.
 */
export function readImages(x: ArrayInput, count: number | null, who: string): Images {
  const { data, shape } = flat(x, who);
  let n: number;
  let rows: number;
  let cols: number;
  if (shape && (shape.length === 3 || (shape.length === 4 && shape[3] === 1))) {
    [n, rows, cols] = shape;
  } else if (shape && shape.length === 2 && Number.isInteger(Math.sqrt(shape[1]))) {
    n = shape[0];
    rows = cols = Math.sqrt(shape[1]);
  } else if (shape && shape.length > 1) {
    throw new ShapeError(`${who}: images must be [N, H, W], [N, H, W, 1] or [N, H*W], got ${fmtShape(shape)}`);
  } else {
    const side = count ? Math.sqrt(data.length / count) : NaN;
    if (!Number.isInteger(side)) {
      throw new ShapeError(`${who}: cannot split ${data.length} pixels into ${count} square images; pass [N, H, W]`);
    }
    n = count as number;
    rows = cols = side;
  }
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  const scale = max > 1 ? 255 : 1;
  const size = rows * cols;
  return {
    count: n,
    rows,
    cols,
    at(i: number): Float32Array {
      const out = new Float32Array(size);
      for (let k = 0; k < size; k++) out[k] = data[i * size + k] / scale;
      return out;
    },
  };
}

/** Index of the largest of `length` values starting at `offset` (the first one on ties). */
export function argmax(data: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (data[offset + k] > data[offset + best]) best = k;
  return best;
}

/** Throws unless 0 <= index < count. */
export function checkIndex(index: number, count: number, who: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new ArgumentError(`${who}: index must be an integer in 0..${count - 1}, got ${index}`);
  }
}
