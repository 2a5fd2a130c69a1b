// Reads the arrays the charts take: plain number arrays, typed arrays, nested arrays or anything
// tensor-like (a `shape` plus a synchronous `data()`), without importing nerva's tensor types.

import { ArgumentError, ShapeError, fmtShape } from '../errors.js';

/** Something tensor-like: nerva's Tensor fits (row-major `data()`), so does a TF.js tensor. */
export interface TensorLike {
  readonly shape: readonly number[];
  data(): unknown;
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

/** Integer class labels; one-hot rows ([N, C] with C > 1) are turned into their argmax. */
export function readLabels(x: ArrayInput, who: string): number[] {
  const { data, shape } = flat(x, who);
  if (shape && shape.length === 2 && shape[1] > 1) {
    return Array.from({ length: shape[0] }, (_, i) => argmax(data, i * shape[1], shape[1]));
  }
  return Array.from(data, (v) => Math.round(v));
}

/** Class probabilities, one row of `classes` values per example. */
export interface Probabilities {
  readonly data: ArrayLike<number>;
  readonly count: number;
  readonly classes: number;
}

/** Reads predictions of shape [N, C]; a flat array is split into `count` rows. */
export function readProbabilities(x: ArrayInput, count: number | null, who: string): Probabilities {
  const { data, shape } = flat(x, who);
  if (shape && shape.length === 2) return { data, count: shape[0], classes: shape[1] };
  if (shape && shape.length !== 1) {
    throw new ShapeError(`${who}: predictions must be [N, classes], got ${fmtShape(shape)}`);
  }
  if (count === null || count === 0 || data.length % count !== 0) {
    throw new ShapeError(`${who}: cannot split ${data.length} prediction values into ${count} rows; pass [N, classes]`);
  }
  return { data, count, classes: data.length / count };
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
