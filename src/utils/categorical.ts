// utils.toCategorical: Keras' keras.utils.to_categorical, class ids to one-hot rows, on top of the
// oneHot op, with the checks oneHot leaves out (it turns an out-of-range id into an all-zero row).

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { tensor, oneHot, reshape } from '../ops/index.js';
import { ArgumentError, DtypeError } from '../errors.js';

function position(shape: readonly number[], flat: number): string {
  if (shape.length <= 1) return `index ${flat}`;
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `index [${idx.join(', ')}]`;
}

/**
 * Class ids to one-hot rows: y int [n] (or [n, 1], as Keras accepts) gives float32 [n, numClasses].
 * Any shape works: a last axis of size 1 is dropped, then one axis of numClasses is added.
 * `numClasses` defaults to the largest id + 1. Ids must be whole numbers in [0, numClasses).
 * @example utils.toCategorical([0, 2, 1]).toArray() // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 * @example model.fit(x, utils.toCategorical(y, 10), { epochs: 5 }); // with loss 'categoricalCrossentropy'
 */
export function toCategorical(y: TensorLike, numClasses?: number): Tensor {
  const who = 'toCategorical';
  const t = y instanceof Tensor ? y : tensor(y);
  if (t.dtype === 'bool') throw new DtypeError(`${who}: labels must be integer class ids, got a bool tensor`);
  if (numClasses !== undefined && (!Number.isInteger(numClasses) || numClasses < 1)) {
    throw new ArgumentError(`${who}: numClasses must be a whole number >= 1, got ${numClasses}`);
  }
  const v = t.values;
  let max = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (!Number.isInteger(c)) throw new DtypeError(`${who}: label ${c} at ${position(t.shape, i)} is not a whole number; labels are class ids 0, 1, 2 ...`);
    if (c < 0) throw new ArgumentError(`${who}: label ${c} at ${position(t.shape, i)} is negative; labels are class ids 0, 1, 2 ...`);
    if (numClasses !== undefined && c >= numClasses) {
      throw new ArgumentError(`${who}: label ${c} at ${position(t.shape, i)} is out of range for numClasses ${numClasses} (ids 0 to ${numClasses - 1})`);
    }
    if (c > max) max = c;
  }
  const k = numClasses ?? max + 1;
  if (k < 1) throw new ArgumentError(`${who}: no labels to count the classes from; pass numClasses`);
  // Keras drops a trailing axis of 1 so that [n, 1] labels give [n, k], not [n, 1, k].
  const ids = t.rank > 1 && t.shape[t.rank - 1] === 1 ? reshape(t, t.shape.slice(0, -1)) : t;
  return oneHot(ids, k, { dtype: 'float32' });
}
