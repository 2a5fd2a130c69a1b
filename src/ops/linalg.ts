// Matrix product, batched over leading dims with broadcasting (as np.matmul).

import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { promoteTypes } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { operands } from './convert.js';
import { empty } from './elementwise.js';
import { ShapeError, fmtShape } from '../errors.js';

/** Options of matMul: use a operand transposed (its last two dims swapped) without copying it. */
export interface MatMulOptions {
  /** Multiply by a's transpose: a [..., k, m] (default false). */
  transposeA?: boolean;
  /** Multiply by b's transpose: b [..., n, k] (default false). */
  transposeB?: boolean;
}

/**
 * a x b over the last two dims: a [..., m, k] x b [..., k, n] -> [..., m, n]; rank > 2 inputs are
 * batches whose leading dims broadcast. ShapeError when a rank is below 2 or the k's differ.
 * @example matMul(zeros([32, 784]), zeros([784, 128])).shape // [32, 128]
 */
export function matMul(a: TensorLike, b: TensorLike, opts: MatMulOptions = {}): Tensor {
  const [x, y] = operands('matMul', a, b);
  const tA = opts.transposeA ?? false;
  const tB = opts.transposeB ?? false;
  if (x.rank < 2 || y.rank < 2) {
    throw new ShapeError(`matMul: both inputs must have rank >= 2, got ${fmtShape(x.shape)} x ${fmtShape(y.shape)}`);
  }
  const k1 = tA ? x.shape[x.rank - 2] : x.shape[x.rank - 1];
  const k2 = tB ? y.shape[y.rank - 1] : y.shape[y.rank - 2];
  if (k1 !== k2) {
    const t = (tA ? ' (transposeA)' : '') + (tB ? ' (transposeB)' : '');
    throw new ShapeError(`matMul: inner dimensions differ: ${fmtShape(x.shape)} x ${fmtShape(y.shape)}${t}`);
  }
  const m = tA ? x.shape[x.rank - 1] : x.shape[x.rank - 2];
  const n = tB ? y.shape[y.rank - 2] : y.shape[y.rank - 1];
  const batch = broadcastShapes('matMul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  const dtype = promoteTypes(x.dtype, y.dtype);
  const out = empty([...batch, m, n], dtype === 'bool' || dtype === 'uint8' ? 'int32' : dtype);
  getBackend().matMul(x, y, tA, tB, out);
  return record(out, 'matMul', [x, y], { transposeA: tA, transposeB: tB });
}
