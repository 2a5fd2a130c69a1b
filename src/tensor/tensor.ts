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
export interface NestedArray extends ReadonlyArray<number | boolean | NestedArray> {}
/** What `toArray()` gives: a number (or boolean) for a scalar, nested arrays of them otherwise. */
export type TensorArray = number | boolean | TensorArray[];
type Axis = number | number[];

/**
 * An n-dimensional array. Create with `tensor()`, `zeros()` ...; read back with `data()`,
 * `toArray()` (`toArray2d()` ... typed by rank), `item()`; `JSON.stringify` gives nested arrays.
 * TF.js names work too: `dataSync()`, `arraySync()`, `await array()`, `print()`. Never needs `dispose()`.
 * @example tensor([[1, 2], [3, 4]]).mul(2).sum().item() // 20
 */
export class Tensor implements TensorData {
  readonly shape: number[];
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

  get size(): number {
    return this.values.length;
  }
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
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: tensor has ${this.size} elements (shape [${this.shape.join(', ')}]), expected exactly 1`);
    return this.values[0];
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return formatTensor(this);
  }

  // Chainable forms of the ops in src/ops (same names, same semantics).
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  mod(b: TensorLike): Tensor { return ops.mod(this, b); }
  floorDiv(b: TensorLike): Tensor { return ops.floorDiv(this, b); }
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  notEqual(b: TensorLike): Tensor { return ops.notEqual(this, b); }
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return ops.greaterEqual(this, b); }
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  lessEqual(b: TensorLike): Tensor { return ops.lessEqual(this, b); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  square(): Tensor { return ops.square(this); }
  sign(): Tensor { return ops.sign(this); }
  relu(): Tensor { return ops.relu(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  erf(): Tensor { return ops.erf(this); }
  logicalAnd(b: TensorLike): Tensor { return ops.logicalAnd(this, b); }
  logicalOr(b: TensorLike): Tensor { return ops.logicalOr(this, b); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  isNaN(): Tensor { return ops.isNaN(this); }
  isFinite(): Tensor { return ops.isFinite(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  tanh(): Tensor { return ops.tanh(this); }
  softplus(): Tensor { return ops.softplus(this); }
  leakyRelu(alpha?: number): Tensor { return ops.leakyRelu(this, alpha); }
  elu(alpha?: number): Tensor { return ops.elu(this, alpha); }
  silu(): Tensor { return ops.silu(this); }
  gelu(approximate?: boolean): Tensor { return ops.gelu(this, approximate); }
  clip(min: number, max: number): Tensor { return ops.clip(this, min, max); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  matMul(b: TensorLike, opts?: { transposeA?: boolean; transposeB?: boolean }): Tensor { return ops.matMul(this, b, opts); }
  sum(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.sum(this, axis, opts); }
  mean(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.mean(this, axis, opts); }
  max(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.max(this, axis, opts); }
  min(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.min(this, axis, opts); }
  prod(axis?: Axis, opts?: { keepDims?: boolean }): Tensor { return ops.prod(this, axis, opts); }
  argMax(axis = -1): Tensor { return ops.argMax(this, axis); }
  argMin(axis = -1): Tensor { return ops.argMin(this, axis); }
  reshape(shape: number[]): Tensor { return ops.reshape(this, shape); }
  flatten(): Tensor { return ops.flatten(this); }
  transpose(perm?: number[]): Tensor { return ops.transpose(this, perm); }
  expandDims(axis = 0): Tensor { return ops.expandDims(this, axis); }
  squeeze(axis?: Axis): Tensor { return ops.squeeze(this, axis); }
  slice(begin: number[], size?: number[]): Tensor { return ops.slice(this, begin, size); }
  gather(indices: TensorLike, axis = 0): Tensor { return ops.gather(this, indices, axis); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  broadcastTo(shape: number[]): Tensor { return ops.broadcastTo(this, shape); }
  oneHot(depth: number): Tensor { return ops.oneHot(this, depth); }
}
