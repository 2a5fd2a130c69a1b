// The Tensor: an immutable n-d array (shape, dtype, one typed array, row-major) that is an ordinary
// garbage-collected value. Ops live in src/ops; the methods here are thin chainable forwards.

import type { DType, TypedArray } from './dtype.js';
import type { TensorData } from '../backend/backend.js';
import type { GradNode } from '../autograd/node.js';
import { sizeOf } from './shape.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import * as ops from '../ops/index.js';
import { formatTensor } from './format.js';

/** Anything an op accepts where a tensor is expected: a tensor, a number, nested arrays, typed arrays. */
export type TensorLike = Tensor | number | boolean | TypedArray | NestedArray;
/** Nested JS arrays of numbers or booleans, one level per dimension: `[[1, 2], [3, 4]]` is [2, 2]. */
export interface NestedArray extends ReadonlyArray<number | boolean | NestedArray> {}
/** What `toArray()` gives: a number (or boolean) for a scalar, nested arrays of them otherwise. */
export type TensorArray = number | boolean | TensorArray[];
/** One axis or a list of axes; negative values count from the end (-1 is the last axis). */
export type Axis = number | number[];

/**
 * An n-dimensional array. Create with `tensor()`, `zeros()` ...; read back with `data()`,
 * `toArray()` (`toArray2d()` ... typed by rank), `item()`; `JSON.stringify` gives nested arrays.
 * TF.js names work too: `dataSync()`, `arraySync()`, `await array()`, `print()`. Never needs `dispose()`.
 * @example tensor([[1, 2], [3, 4]]).mul(2).sum().item() // 20
 */
export class Tensor implements TensorData {
  /** The size of each dimension, outermost first: `[batch, 28, 28]`; `[]` for a scalar. */
  readonly shape: number[];
  /** The element type; see {@link DType}. */
  readonly dtype: DType;
  /** @internal The storage. Kernels read it; never mutate it from outside the library. */
  readonly values: TypedArray;
  /** @internal True when gradients flow to this tensor (a watched input or something computed from one). */
  requiresGrad = false;
  /** @internal How this tensor was computed, when gradients flow through it. */
  node: GradNode | null = null;

  /** @internal Use `tensor()` and friends; this trusts its arguments. */
  constructor(values: TypedArray, shape: number[], dtype: DType) {
    this.values = values;
    this.shape = shape;
    this.dtype = dtype;
  }

  /** The number of elements: the product of the shape (1 for a scalar). */
  get size(): number {
    return this.values.length;
  }
  /** The number of dimensions: 0 for a scalar, 2 for a matrix. */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * A copy of the values as a typed array (Float32Array for float32 ...), row-major. Synchronous:
   * TF.js code that writes `await t.data()` works unchanged (awaiting a value gives the value).
   */
  data(): TypedArray {
    return this.values.slice();
  }
  /** TF.js name of `data()`: a copy of the values as a typed array. */
  dataSync(): TypedArray {
    return this.data();
  }
  /**
   * The values as nested JS arrays (booleans for bool tensors), a plain number for a scalar. For a
   * typed result of a known rank use `toArray1d()`, `toArray2d()`, `toArray3d()`.
   */
  toArray(): TensorArray {
    const v = this.values;
    const asJs = (i: number): number | boolean => (this.dtype === 'bool' ? v[i] !== 0 : v[i]);
    if (this.rank === 0) return asJs(0);
    const build = (dim: number, offset: number): TensorArray[] => {
      const n = this.shape[dim];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: TensorArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = dim === this.rank - 1 ? asJs(offset + i) : build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }
  private numbersOfRank(rank: number, who: string): unknown {
    if (this.rank !== rank) {
      const hint = this.rank > rank ? ' (reshape or slice it first)' : ` (expandDims or reshape it first)`;
      throw new ShapeError(`${who}: expected a rank-${rank} tensor, got shape ${fmtShape(this.shape)} of rank ${this.rank}${hint}`);
    }
    // Numbers even for bool tensors (1/0), so the result has the declared type.
    return this.dtype === 'bool' ? this.cast('int32').toArray() : this.toArray();
  }
  /** The values of a rank-1 tensor as `number[]`; throws ShapeError for another rank. */
  toArray1d(): number[] {
    return this.numbersOfRank(1, 'toArray1d') as number[];
  }
  /**
   * The values of a rank-2 tensor as `number[][]` (e.g. a batch of predictions); throws ShapeError
   * for another rank. @example model.predict(x).toArray2d()[0] // probabilities of the first row
   */
  toArray2d(): number[][] {
    return this.numbersOfRank(2, 'toArray2d') as number[][];
  }
  /** The values of a rank-3 tensor as `number[][][]`; throws ShapeError for another rank. */
  toArray3d(): number[][][] {
    return this.numbersOfRank(3, 'toArray3d') as number[][][];
  }
  /** TF.js name of `toArray()`. */
  arraySync(): TensorArray {
    return this.toArray();
  }
  /** TF.js's asynchronous `array()`: resolves to `toArray()`. */
  array(): Promise<TensorArray> {
    return Promise.resolve(this.toArray());
  }
  /**
   * What `JSON.stringify` (and `res.json({ probs })`) writes: the nested values, like `toArray()`
   * (NaN and Infinity become null, as JSON has no such numbers).
   */
  toJSON(): TensorArray {
    return this.toArray();
  }
  /** Prints the tensor with console.log, as TF.js's `print()`. */
  print(): void {
    console.log(this.toString());
  }
  /**
   * The single value of a one-element tensor (any rank: [], [1], [1, 1] ...); throws
   * ArgumentError for any other size.
   * @example tensor([[1, 2], [3, 4]]).sum().item() // 10
   */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: tensor has ${this.size} elements (shape [${this.shape.join(', ')}]), expected exactly 1`);
    return this.values[0];
  }
  /** NumPy-style text, e.g. `Tensor([2., 3.], dtype=float32)`; past 1000 elements summarised with `...`. */
  toString(): string {
    return formatTensor(this);
  }
  /** @internal What console.log and the REPL print (the same as toString). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return formatTensor(this);
  }

  // Chainable forms of the ops in src/ops (same names, same semantics). Binary ops broadcast as
  // NumPy; a plain JS number takes the tensor's dtype (`int32Tensor.add(1)` stays int32).

  /** Elementwise `this + b`, broadcasting. @example tensor([1, 2]).add(1) // [2, 3] */
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  /** Elementwise `this - b`, broadcasting. @example xTrain.sub(mean) // subtracts a [features] row from every sample */
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  /** Elementwise `this * b`, broadcasting. */
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  /**
   * Elementwise `this / b`, broadcasting; always a float result, so uint8 pixels divide to float32.
   * @example xTrain.div(255) // uint8 [60000, 28, 28] -> float32 in [0, 1]
   */
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  /** Elementwise `this ** b`, broadcasting. @example tensor([2, 3]).pow(2) // [4, 9] */
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  /** Elementwise maximum of this and b, broadcasting (NaN if either is NaN). */
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  /** Elementwise minimum of this and b, broadcasting (NaN if either is NaN). */
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  /** Remainder with the divisor's sign, as Python's `%`. @example tensor([-3, 3]).mod(2) // [1, 1] */
  mod(b: TensorLike): Tensor { return ops.mod(this, b); }
  /** `floor(this / b)`, as Python's `//`. @example tensor([-3, 3]).floorDiv(2) // [-2, 1] */
  floorDiv(b: TensorLike): Tensor { return ops.floorDiv(this, b); }
  /** `this == b` elementwise, as a bool tensor. @example predictions.argMax(-1).equal(yTest) // which test images are right */
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  /** `this != b` elementwise, as a bool tensor. */
  notEqual(b: TensorLike): Tensor { return ops.notEqual(this, b); }
  /** `this > b` elementwise, as a bool tensor. @example tensor([1, 5]).greater(2) // [false, true] */
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  /** `this >= b` elementwise, as a bool tensor. */
  greaterEqual(b: TensorLike): Tensor { return ops.greaterEqual(this, b); }
  /** `this < b` elementwise, as a bool tensor. */
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  /** `this <= b` elementwise, as a bool tensor. */
  lessEqual(b: TensorLike): Tensor { return ops.lessEqual(this, b); }
  /** `-this`; uint8 and bool give int32, so the negatives fit. */
  neg(): Tensor { return ops.neg(this); }
  /** Elementwise absolute value. */
  abs(): Tensor { return ops.abs(this); }
  /** Elementwise `e^x`; integer tensors give float32. */
  exp(): Tensor { return ops.exp(this); }
  /** Elementwise natural logarithm (-Infinity at 0, NaN below); integer tensors give float32. */
  log(): Tensor { return ops.log(this); }
  /** Elementwise square root (NaN below 0); integer tensors give float32. */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** Elementwise `x * x`. @example tensor([1, 2]).square().sum() // 5 */
  square(): Tensor { return ops.square(this); }
  /** Elementwise -1, 0 or 1. */
  sign(): Tensor { return ops.sign(this); }
  /** Elementwise `max(x, 0)`. */
  relu(): Tensor { return ops.relu(this); }
  /** Elementwise `1 / x`; integer tensors give float32. */
  reciprocal(): Tensor { return ops.reciprocal(this); }
  /** Elementwise `log(1 + x)`, accurate for tiny x. */
  log1p(): Tensor { return ops.log1p(this); }
  /** Elementwise `e^x - 1`, accurate for tiny x. */
  expm1(): Tensor { return ops.expm1(this); }
  /** Elementwise sine (radians). */
  sin(): Tensor { return ops.sin(this); }
  /** Elementwise cosine (radians). */
  cos(): Tensor { return ops.cos(this); }
  /** Rounds down elementwise. */
  floor(): Tensor { return ops.floor(this); }
  /** Rounds up elementwise. */
  ceil(): Tensor { return ops.ceil(this); }
  /** Rounds half to even, as NumPy and TF. @example tensor([0.5, 1.5, 2.5]).round() // [0, 2, 2] */
  round(): Tensor { return ops.round(this); }
  /** The Gauss error function, elementwise (used by the exact GELU). */
  erf(): Tensor { return ops.erf(this); }
  /** Elementwise AND of two bool tensors (or numbers, non-zero is true), broadcasting. */
  logicalAnd(b: TensorLike): Tensor { return ops.logicalAnd(this, b); }
  /** Elementwise OR, broadcasting. */
  logicalOr(b: TensorLike): Tensor { return ops.logicalOr(this, b); }
  /** Elementwise NOT, as a bool tensor. */
  logicalNot(): Tensor { return ops.logicalNot(this); }
  /** True where the value is NaN, as a bool tensor. @example tensor([NaN, 1]).isNaN() // [true, false] */
  isNaN(): Tensor { return ops.isNaN(this); }
  /** True where the value is neither NaN nor ±Infinity. */
  isFinite(): Tensor { return ops.isFinite(this); }
  /** Elementwise `1 / (1 + e^-x)`, computed without overflow. */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor { return ops.tanh(this); }
  /** Elementwise `log(1 + e^x)`, computed without overflow. */
  softplus(): Tensor { return ops.softplus(this); }
  /** `x` where x > 0, `alpha * x` elsewhere; alpha defaults to 0.2 (Keras' LeakyReLU layer). */
  leakyRelu(alpha?: number): Tensor { return ops.leakyRelu(this, alpha); }
  /** `x` where x > 0, `alpha * (e^x - 1)` elsewhere; alpha defaults to 1. */
  elu(alpha?: number): Tensor { return ops.elu(this, alpha); }
  /** `x * sigmoid(x)` (also called swish). */
  silu(): Tensor { return ops.silu(this); }
  /** Gaussian error linear unit: the exact erf form by default (Keras 3), the tanh form with `approximate`. */
  gelu(approximate?: boolean): Tensor { return ops.gelu(this, approximate); }
  /** Limits values to [min, max]; the gradient is 1 inside, 0 outside. @example tensor([-2, 0.5, 3]).clip(0, 1) // [0, 0.5, 1] */
  clip(min: number, max: number): Tensor { return ops.clip(this, min, max); }
  /**
   * Softmax along `axis` (default the last): each row becomes probabilities summing to 1.
   * @example logits.softmax() // [batch, 10] -> [batch, 10], rows sum to 1
   */
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  /** `log(softmax(x))` along `axis` (default the last), finite even where softmax underflows to 0. */
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  /**
   * Matrix product over the last two dims: [..., m, k] x [..., k, n] -> [..., m, n]; leading
   * (batch) dims broadcast. Throws ShapeError when the inner dims differ.
   * @example tensor([[1, 2], [3, 4]]).matMul(tensor([[1], [1]])) // [[3], [7]]
   */
  matMul(b: TensorLike, opts?: { transposeA?: boolean; transposeB?: boolean }): Tensor { return ops.matMul(this, b, opts); }
  /**
   * Sum over `axis` (all axes when omitted); `keepDims` keeps the reduced axes as size 1. bool
   * and uint8 sum to int32.
   * @example tensor([[1, 2], [3, 4]]).sum(0) // [4, 6]
   */
  sum(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.sum(this, axis, opts); }
  /**
   * Mean over `axis` (all axes when omitted); a float result.
   * @example xTrain.mean(0) // [rows, features] -> [features], each column's mean
   */
  mean(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.mean(this, axis, opts); }
  /** Largest value over `axis` (all axes when omitted); ArgumentError on an empty axis. */
  max(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.max(this, axis, opts); }
  /** Smallest value over `axis` (all axes when omitted); ArgumentError on an empty axis. */
  min(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.min(this, axis, opts); }
  /** Product over `axis` (all axes when omitted). */
  prod(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.prod(this, axis, opts); }
  /**
   * Index of the largest value along `axis` (default the last), int32; the axis goes away.
   * @example model.predict(xTest).argMax(-1) // [10000, 10] probabilities -> [10000] predicted classes
   */
  argMax(axis = -1): Tensor { return ops.argMax(this, axis); }
  /** Index of the smallest value along `axis` (default the last), int32; the axis goes away. */
  argMin(axis = -1): Tensor { return ops.argMin(this, axis); }
  /**
   * The same values in a new shape with the same number of elements; one entry may be -1
   * (inferred). Shares storage. Throws ShapeError when the sizes differ.
   * @example xTrain.reshape([-1, 28, 28, 1]) // [60000, 28, 28] -> [60000, 28, 28, 1] for a Conv2D
   */
  reshape(shape: number[]): Tensor { return ops.reshape(this, shape); }
  /** All values as one dimension: [2, 3] -> [6]. (The Flatten layer keeps the batch dim; this does not.) */
  flatten(): Tensor { return ops.flatten(this); }
  /** Permutes the dims by `perm` (default: reversed). @example zeros([2, 3]).transpose().shape // [3, 2] */
  transpose(perm?: number[]): Tensor { return ops.transpose(this, perm); }
  /** Inserts a dim of size 1 at `axis` (default 0). @example image.expandDims(0) // [28, 28] -> [1, 28, 28], a batch of one */
  expandDims(axis = 0): Tensor { return ops.expandDims(this, axis); }
  /** Removes dims of size 1 (all of them, or those at `axis`, which must be 1). @example zeros([1, 3, 1]).squeeze().shape // [3] */
  squeeze(axis?: Axis): Tensor { return ops.squeeze(this, axis); }
  /**
   * A box of the tensor starting at `begin`, `size` long on each axis (-1: to the end); missing
   * trailing entries take whole axes, as tf.slice. Throws ShapeError when the box leaves the tensor.
   * @example xTrain.slice([0], [1000]) // the first 1000 images: [60000, 28, 28] -> [1000, 28, 28]
   */
  slice(begin: number[], size?: number[]): Tensor { return ops.slice(this, begin, size); }
  /**
   * The slices at integer `indices` along `axis` (default 0): shape[axis] is replaced by the
   * indices' shape. Out-of-range indices throw ArgumentError.
   * @example tensor([[1, 2], [3, 4], [5, 6]]).gather([2, 0]) // [[5, 6], [1, 2]]
   */
  gather(indices: TensorLike, axis = 0): Tensor { return ops.gather(this, indices, axis); }
  /** The values converted to `dtype`; floats to integers truncate toward zero. @example tensor([1.7, -1.7]).cast('int32') // [1, -1] */
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  /** Repeats the values to `shape` by NumPy broadcasting. @example tensor([1, 2]).broadcastTo([2, 2]) // [[1, 2], [1, 2]] */
  broadcastTo(shape: number[]): Tensor { return ops.broadcastTo(this, shape); }
  /**
   * One-hot rows for integer class indices: [n] -> [n, depth] float32.
   * @example tensor([0, 2], undefined, 'int32').oneHot(3) // [[1, 0, 0], [0, 0, 1]]
   */
  oneHot(depth: number): Tensor { return ops.oneHot(this, depth); }
}
