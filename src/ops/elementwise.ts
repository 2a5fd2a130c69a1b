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

/** @internal A broadcasting binary primitive: shapes, output dtype and allocation, dispatch, autograd record. */
export function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands(op, a, b);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const common = promoteTypes(x.dtype, y.dtype);
  const dtype: DType = COMPARISONS.has(op) ? 'bool' : op === 'div' ? floatResult(common) : common === 'bool' ? 'int32' : common;
  const out = empty(shape, dtype);
  getBackend().binary(op, x, y, out);
  return COMPARISONS.has(op) ? out : record(out, 'binary', [x, y], { op });
}

/** @internal An elementwise unary primitive with its output dtype rule. */
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

/** `a + b` elementwise, broadcasting as NumPy ([32, 10] + [10] adds the row to every sample). @example add(tensor([1, 2]), 1) // [2, 3] */
export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
/** `a - b` elementwise, broadcasting. @example sub(tensor([[1, 2], [3, 4]]), tensor([1, 2])) // [[0, 0], [2, 2]] */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
/** `a * b` elementwise, broadcasting. @example mul(tensor([1, 2]), tensor([3, 4])) // [3, 8] */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
/** `a / b` elementwise, broadcasting; always a float result (`xInt.div(255)` is float32). @example div(tensor([1, 2]), 2) // [0.5, 1] */
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
/** `a ** b` elementwise, broadcasting. @example pow(tensor([2, 3]), 2) // [4, 9] */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binaryOp('pow', a, b);
/** Elementwise max of two tensors, broadcasting (NaN wins). @example maximum(tensor([1, 5]), 3) // [3, 5] */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);
/** Elementwise min of two tensors, broadcasting (NaN wins). @example minimum(tensor([1, 5]), 3) // [1, 3] */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('minimum', a, b);
/** Remainder with the divisor's sign (Python's %). @example mod(tensor([-3, 3]), 2) // [1, 1] */
export const mod = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mod', a, b);
/** floor(a / b) (Python's //). @example floorDiv(tensor([-3, 3]), 2) // [-2, 1] */
export const floorDiv = (a: TensorLike, b: TensorLike): Tensor => binaryOp('floorDiv', a, b);
/** `a == b` elementwise, broadcasting, as a bool tensor. @example equal(predicted, yTest).cast('float32').mean() // accuracy */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binaryOp('equal', a, b);
/** `a != b` elementwise, broadcasting, as a bool tensor. @example notEqual(tensor([1, 2]), 1) // [false, true] */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('notEqual', a, b);
/** `a > b` elementwise, broadcasting, as a bool tensor. @example greater(tensor([1, 5]), 2) // [false, true] */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greater', a, b);
/** `a >= b` elementwise, broadcasting, as a bool tensor. @example greaterEqual(tensor([1, 2]), 2) // [false, true] */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greaterEqual', a, b);
/** `a < b` elementwise, broadcasting, as a bool tensor. @example less(tensor([1, 3]), 2) // [true, false] */
export const less = (a: TensorLike, b: TensorLike): Tensor => binaryOp('less', a, b);
/** `a <= b` elementwise, broadcasting, as a bool tensor. @example lessEqual(tensor([1, 3]), 1) // [true, false] */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binaryOp('lessEqual', a, b);
/** Elementwise AND (non-zero counts as true), broadcasting, as a bool tensor. @example logicalAnd(tensor([true, true]), tensor([true, false])) // [true, false] */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binaryOp('logicalAnd', a, b);
/** Elementwise OR (non-zero counts as true), broadcasting, as a bool tensor. @example logicalOr(tensor([true, false]), false) // [true, false] */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binaryOp('logicalOr', a, b);

// Unary ops keep the shape. exp, log, sqrt, reciprocal, sigmoid, tanh, softplus, erf, log1p, expm1,
// sin and cos give float32 for integer input; logicalNot, isNaN and isFinite give bool; otherwise
// bool input gives int32.

/** `-x`; uint8 and bool give int32, so the negatives fit. @example neg(tensor([1, -2])) // [-1, 2] */
export const neg = (x: TensorLike): Tensor => unaryOp('neg', x);
/** Absolute value, elementwise. @example abs(tensor([-1, 2])) // [1, 2] */
export const abs = (x: TensorLike): Tensor => unaryOp('abs', x);
/** `e^x`, elementwise. @example exp(tensor([0, 1])) // [1, 2.7183] */
export const exp = (x: TensorLike): Tensor => unaryOp('exp', x);
/** Natural logarithm, elementwise (-Infinity at 0, NaN below). @example log(tensor([1, Math.E])) // [0, 1] */
export const log = (x: TensorLike): Tensor => unaryOp('log', x);
/** Square root, elementwise (NaN below 0). @example sqrt(tensor([4, 9])) // [2, 3] */
export const sqrt = (x: TensorLike): Tensor => unaryOp('sqrt', x);
/** `x * x`, elementwise. @example square(tensor([-2, 3])) // [4, 9] */
export const square = (x: TensorLike): Tensor => unaryOp('square', x);
/** `1 / x`, elementwise. @example reciprocal(tensor([2, 4])) // [0.5, 0.25] */
export const reciprocal = (x: TensorLike): Tensor => unaryOp('reciprocal', x);
/** -1, 0 or 1 by the sign of x, elementwise. @example sign(tensor([-2, 0, 3])) // [-1, 0, 1] */
export const sign = (x: TensorLike): Tensor => unaryOp('sign', x);
/** `log(1 + x)`, accurate for x near 0 where `log(add(1, x))` loses digits. @example log1p(tensor([1e-10])) // [1e-10] (log(1 + 1e-10) in float32 gives 0) */
export const log1p = (x: TensorLike): Tensor => unaryOp('log1p', x);
/** `e^x - 1`, accurate for x near 0 where `sub(exp(x), 1)` loses digits. @example expm1(tensor([1e-10])) // [1e-10] */
export const expm1 = (x: TensorLike): Tensor => unaryOp('expm1', x);
/** Sine (radians), elementwise. @example sin(tensor([Math.PI / 2])) // [1] */
export const sin = (x: TensorLike): Tensor => unaryOp('sin', x);
/** Cosine (radians), elementwise. @example cos(tensor([0])) // [1] */
export const cos = (x: TensorLike): Tensor => unaryOp('cos', x);
/** Rounds down, elementwise. @example floor(tensor([1.7, -1.2])) // [1, -2] */
export const floor = (x: TensorLike): Tensor => unaryOp('floor', x);
/** Rounds up, elementwise. @example ceil(tensor([1.2, -1.7])) // [2, -1] */
export const ceil = (x: TensorLike): Tensor => unaryOp('ceil', x);
/** Rounds half to even, as NumPy. @example round(tensor([0.5, 1.5, 2.5])) // [0, 2, 2] */
export const round = (x: TensorLike): Tensor => unaryOp('round', x);
/** The Gauss error function, elementwise (the exact GELU is built on it). @example erf(tensor([0, 1])) // [0, 0.8427] */
export const erf = (x: TensorLike): Tensor => unaryOp('erf', x);
/** Elementwise NOT (non-zero counts as true), as a bool tensor. @example logicalNot(tensor([true, false])) // [false, true] */
export const logicalNot = (x: TensorLike): Tensor => unaryOp('logicalNot', x);
/** True where x is NaN, as a bool tensor. @example isNaN(tensor([NaN, 1])) // [true, false] */
export const isNaN = (x: TensorLike): Tensor => unaryOp('isNaN', x);
/** True where x is neither NaN nor ±Infinity, as a bool tensor. @example isFinite(tensor([1, Infinity, NaN])) // [true, false, false] */
export const isFinite = (x: TensorLike): Tensor => unaryOp('isFinite', x);

/** max(x, 0). @example relu(tensor([-1, 2])) // [0, 2] */
export const relu = (x: TensorLike): Tensor => unaryOp('relu', x);
/** 1 / (1 + e^-x), computed without overflow. @example sigmoid(tensor([0])) // [0.5] */
export const sigmoid = (x: TensorLike): Tensor => unaryOp('sigmoid', x);
/** Hyperbolic tangent, elementwise: values in (-1, 1). @example tanh(tensor([0])) // [0] */
export const tanh = (x: TensorLike): Tensor => unaryOp('tanh', x);
/** log(1 + e^x), computed without overflow. @example softplus(tensor([0])) // [0.6931] */
export const softplus = (x: TensorLike): Tensor => unaryOp('softplus', x);

/**
 * x where x > 0, alpha * x elsewhere (default alpha 0.2, as Keras 3's LeakyReLU; legacy Keras used 0.3).
 * @example leakyRelu(tensor([-1, 2])) // [-0.2, 2]
 */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  const t = toTensor(x, 'leakyRelu');
  return where(greater(t, 0), t, mul(t, alpha));
}
/** x where x > 0, alpha * (e^x - 1) elsewhere (default alpha 1). @example elu(tensor([-1, 2])) // [-0.6321, 2] */
export function elu(x: TensorLike, alpha = 1): Tensor {
  const t = toTensor(x, 'elu');
  return where(greater(t, 0), t, mul(expm1(minimum(t, 0)), alpha));
}
/** x * sigmoid(x), also called swish. @example silu(tensor([0, 1])) // [0, 0.7311] */
export function silu(x: TensorLike): Tensor {
  const t = toTensor(x, 'silu');
  return mul(t, sigmoid(t));
}
/**
 * Gaussian error linear unit: x * Φ(x) in the exact (erf) form by default, as Keras 3; the tanh
 * approximation with `approximate = true`.
 * @example gelu(tensor([1])) // [0.8413]
 */
export function gelu(x: TensorLike, approximate = false): Tensor {
  const t = toTensor(x, 'gelu');
  if (approximate) {
    const inner = mul(add(t, mul(pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(t, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
}

/**
 * Limits values to [min, max] (ArgumentError if min > max); the gradient is 1 inside, 0 outside.
 * @example clip(tensor([-2, 0.5, 3]), 0, 1) // [0, 0.5, 1]
 */
export function clip(x: TensorLike, min: number, max: number): Tensor {
  if (!(min <= max)) throw new ArgumentError(`clip: min (${min}) must be <= max (${max})`);
  return minimum(maximum(x, min), max);
}

/**
 * Picks from a where cond is true, else from b; all three broadcast together and the result has
 * a and b's common dtype.
 * @example where(greater(x, 0), x, 0) // relu by hand
 */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = toTensor(cond, 'where');
  const [x, y] = operands('where', a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, x.shape), y.shape);
  const out = empty(shape, promoteTypes(x.dtype, y.dtype));
  getBackend().where(c, x, y, out);
  return record(out, 'where', [c, x, y], {});
}
