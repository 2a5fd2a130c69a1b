// Elementwise ops: arithmetic and comparisons with broadcasting, unary maths, activations, where.

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { allocate, floatResult, isFloat, promoteTypes, type DType } from '../tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { operands, toTensor } from './convert.js';
import { ArgumentError } from '../errors.js';

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd', 'logicalOr']);
// Ops whose result is fractional even for integer inputs.
const FLOAT_UNARY: ReadonlySet<UnaryOp> = new Set(['exp', 'log', 'sqrt', 'reciprocal', 'sigmoid', 'tanh', 'softplus', 'erf', 'log1p', 'expm1', 'sin', 'cos']);

/** @internal Allocates an output tensor. */
export function empty(shape: number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape, dtype);
}

export function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(op, a, b);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const common = promoteTypes(x.dtype, y.dtype);
  const dtype: DType = COMPARISONS.has(op) ? 'bool' : op === 'div' ? floatResult(common) : common === 'bool' ? 'int32' : common;
  const out = empty(shape, dtype);
  getBackend().binary(op, x, y, out);
  return COMPARISONS.has(op) ? out : record(out, 'binary', [x, y], { op });
}

export function unaryOp(op: UnaryOp, a: TensorLike): Tensor {
  const x = toTensor(a, op);
  let dtype: DType = x.dtype;
  if (op === 'logicalNot' || op === 'isNaN' || op === 'isFinite') dtype = 'bool';
  else if (FLOAT_UNARY.has(op) && !isFloat(x.dtype)) dtype = 'float32';
  else if (x.dtype === 'bool' || (op === 'neg' && x.dtype === 'uint8')) dtype = 'int32';
  const out = empty([...x.shape], dtype);
  getBackend().unary(op, x, out);
  return record(out, 'unary', [x], { op });
}

/** a + b with broadcasting. @example add(tensor([1, 2]), 1) // [2, 3] */
export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
/** a - b with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
/** a * b with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
/** a / b with broadcasting; always a float result (`xInt.div(255)` is float32). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
/** a ** b with broadcasting. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binaryOp('pow', a, b);
/** Elementwise max of two tensors (NaN wins). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);
/** Elementwise min of two tensors (NaN wins). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('minimum', a, b);
/** Remainder with the divisor's sign (Python's %). */
export const mod = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mod', a, b);
/** floor(a / b). */
export const floorDiv = (a: TensorLike, b: TensorLike): Tensor => binaryOp('floorDiv', a, b);
export const equal = (a: TensorLike, b: TensorLike): Tensor => binaryOp('equal', a, b);
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('notEqual', a, b);
export const greater = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greater', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greaterEqual', a, b);
export const less = (a: TensorLike, b: TensorLike): Tensor => binaryOp('less', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('lessEqual', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binaryOp('logicalAnd', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binaryOp('logicalOr', a, b);

export const neg = (x: TensorLike): Tensor => unaryOp('neg', x);
export const abs = (x: TensorLike): Tensor => unaryOp('abs', x);
export const exp = (x: TensorLike): Tensor => unaryOp('exp', x);
export const log = (x: TensorLike): Tensor => unaryOp('log', x);
export const sqrt = (x: TensorLike): Tensor => unaryOp('sqrt', x);
export const square = (x: TensorLike): Tensor => unaryOp('square', x);
export const reciprocal = (x: TensorLike): Tensor => unaryOp('reciprocal', x);
export const sign = (x: TensorLike): Tensor => unaryOp('sign', x);
export const log1p = (x: TensorLike): Tensor => unaryOp('log1p', x);
export const expm1 = (x: TensorLike): Tensor => unaryOp('expm1', x);
export const sin = (x: TensorLike): Tensor => unaryOp('sin', x);
export const cos = (x: TensorLike): Tensor => unaryOp('cos', x);
export const floor = (x: TensorLike): Tensor => unaryOp('floor', x);
export const ceil = (x: TensorLike): Tensor => unaryOp('ceil', x);
/** Rounds half to even, as NumPy. */
export const round = (x: TensorLike): Tensor => unaryOp('round', x);
export const erf = (x: TensorLike): Tensor => unaryOp('erf', x);
export const logicalNot = (x: TensorLike): Tensor => unaryOp('logicalNot', x);
export const isNaN = (x: TensorLike): Tensor => unaryOp('isNaN', x);
export const isFinite = (x: TensorLike): Tensor => unaryOp('isFinite', x);

/** max(x, 0). */
export const relu = (x: TensorLike): Tensor => unaryOp('relu', x);
/** 1 / (1 + e^-x), computed without overflow. */
export const sigmoid = (x: TensorLike): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: TensorLike): Tensor => unaryOp('tanh', x);
/** log(1 + e^x), computed without overflow. */
export const softplus = (x: TensorLike): Tensor => unaryOp('softplus', x);

/** x where x > 0, alpha * x elsewhere (Keras default alpha 0.2 for the layer, 0.3 legacy). */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  const t = toTensor(x, 'leakyRelu');
  return where(greater(t, 0), t, mul(t, alpha));
}
/** x where x > 0, alpha * (e^x - 1) elsewhere. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  const t = toTensor(x, 'elu');
  return where(greater(t, 0), t, mul(expm1(minimum(t, 0)), alpha));
}
/** x * sigmoid(x), also called swish. */
export function silu(x: TensorLike): Tensor {
  const t = toTensor(x, 'silu');
  return mul(t, sigmoid(t));
}
/** Gaussian error linear unit; exact (erf) form by default as Keras 3, tanh form with approximate. */
export function gelu(x: TensorLike, approximate = false): Tensor {
  const t = toTensor(x, 'gelu');
  if (approximate) {
    const inner = mul(add(t, mul(pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(t, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
}

/** Limits values to [min, max]; the gradient is 1 inside, 0 outside. */
export function clip(x: TensorLike, min: number, max: number): Tensor {
  if (!(min <= max)) throw new ArgumentError(`clip: min (${min}) must be <= max (${max})`);
  return minimum(maximum(x, min), max);
}

/** Picks from a where cond is true, else from b; all three broadcast together. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = toTensor(cond, 'where');
  const [x, y] = operands('where', a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, x.shape), y.shape);
  const out = empty(shape, promoteTypes(x.dtype, y.dtype));
  getBackend().where(c, x, y, out);
  return record(out, 'where', [c, x, y], {});
}
