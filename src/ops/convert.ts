// Turning user values (numbers, nested arrays, typed arrays) into tensors, with the checks that
// keep bad data from becoming silent garbage: ragged arrays, non-numbers, shape/count mismatches.

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { allocate, assertDType, dtypeOfArray, isFloat, type DType, type TypedArray } from '../tensor/dtype.js';
import { assertShape, sizeOf } from '../tensor/shape.js';
import { ArgumentError, DtypeError, ShapeError, fmtShape } from '../errors.js';
import { describeValue } from '../options.js';

function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/** Walks nested arrays: infers the shape, checks it is rectangular, flattens into `flat`. */
function flattenNested(op: string, value: unknown, flat: (number | boolean)[]): number[] {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe) || isTypedArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const walk = (v: unknown, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v === 'number' || typeof v === 'boolean') flat.push(v);
      else if (Array.isArray(v) || isTypedArray(v)) {
        throw new ShapeError(`${op}: ragged nested array: element at [${path.join(', ')}] is an array but elements before it are numbers (expected shape ${fmtShape(shape)})`);
      } else throw new DtypeError(`${op}: element at [${path.join(', ')}] is ${describe(v)}, expected a number or boolean`);
      return;
    }
    if (!(Array.isArray(v) || isTypedArray(v))) {
      throw new ShapeError(`${op}: ragged nested array: element at [${path.join(', ')}] is ${describe(v)}, expected an array of length ${shape[dim]} (shape ${fmtShape(shape)})`);
    }
    if (v.length !== shape[dim]) {
      throw new ShapeError(`${op}: ragged nested array: element at [${path.join(', ')}] has length ${v.length}, expected ${shape[dim]} (shape ${fmtShape(shape)})`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], dim + 1, [...path, i]);
  };
  walk(value, 0, []);
  return shape;
}

/** Copies numbers into storage of `dtype`, refusing values that the dtype would silently change. */
function fill(op: string, dtype: DType, src: ArrayLike<number | boolean>): TypedArray {
  const out = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) {
    const raw = src[i];
    const v = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
    if (typeof v !== 'number') throw new DtypeError(`${op}: element ${i} is ${describe(raw)}, expected a number`);
    if (dtype === 'int32' || dtype === 'uint8') {
      const lo = dtype === 'uint8' ? 0 : -2147483648;
      const hi = dtype === 'uint8' ? 255 : 2147483647;
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new DtypeError(`${op}: element ${i} is ${v}, which is not a ${dtype} value (integers ${lo}..${hi})`);
      }
    } else if (dtype === 'bool' && v !== 0 && v !== 1) {
      throw new DtypeError(`${op}: element ${i} is ${v}, which is not a bool value (true/false or 0/1)`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Creates a tensor from nested arrays, a flat array plus `shape`, a typed array, or a number.
 * Nested number arrays give float32 (as TF.js); typed arrays keep their type (Float64Array gives
 * float32 unless dtype says float64).
 * @example tensor([[1, 2], [3, 4]]) // shape [2, 2], float32
 * @example tensor(new Float32Array(6), [2, 3])
 */
export function tensor(values: TensorLike | ArrayLike<number>, shape?: readonly number[], dtype?: DType): Tensor {
  const op = 'tensor';
  if (dtype !== undefined) assertDType(op, dtype);
  if (values instanceof Tensor) {
    const t = dtype && dtype !== values.dtype ? castValues(values, dtype) : values;
    return shape ? reshapeChecked(op, t, shape) : t;
  }
  let flat: ArrayLike<number | boolean>;
  let inferred: number[];
  let inferredDtype: DType;
  if (typeof values === 'number' || typeof values === 'boolean') {
    flat = [values];
    inferred = [];
    inferredDtype = typeof values === 'boolean' ? 'bool' : 'float32';
  } else if (isTypedArray(values)) {
    flat = values;
    inferred = [values.length];
    const own = dtypeOfArray(values);
    inferredDtype = own === 'float64' ? 'float32' : own;
  } else if (Array.isArray(values)) {
    const list: (number | boolean)[] = [];
    inferred = flattenNested(op, values, list);
    flat = list;
    inferredDtype = list.length > 0 && list.every((v) => typeof v === 'boolean') ? 'bool' : 'float32';
  } else {
    throw new DtypeError(
      `${op}: cannot make a tensor from ${describeValue(values)}; accepted: a number, a boolean, (nested) arrays of numbers, ` +
        `a Float32Array, Float64Array, Int32Array or Uint8Array, or a Tensor (convert other data first, e.g. Float32Array.from(data))`,
    );
  }
  const dt = dtype ?? inferredDtype;
  let finalShape = inferred;
  if (shape !== undefined) {
    assertShape(op, shape);
    if (sizeOf(shape) !== flat.length) {
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} needs ${sizeOf(shape)} values, got ${flat.length}`);
    }
    finalShape = [...shape];
  }
  // Same-typed arrays are copied as a block; everything else is checked value by value.
  const storage = isTypedArray(flat) && dtypeOfArray(flat) === dt ? flat.slice() : fill(op, dt, flat);
  return new Tensor(storage, finalShape, dt);
}

function castValues(t: Tensor, dtype: DType): Tensor {
  const out = allocate(dtype, t.size);
  for (let i = 0; i < t.size; i++) out[i] = dtype === 'bool' ? (t.values[i] ? 1 : 0) : isFloat(dtype) ? t.values[i] : Math.trunc(t.values[i]);
  return new Tensor(out, [...t.shape], dtype);
}

function reshapeChecked(op: string, t: Tensor, shape: readonly number[]): Tensor {
  assertShape(op, shape);
  if (sizeOf(shape) !== t.size) throw new ShapeError(`${op}: shape ${fmtShape(shape)} needs ${sizeOf(shape)} values, got ${t.size}`);
  return new Tensor(t.values, [...shape], t.dtype);
}

/** @internal Any TensorLike as a tensor (numbers become float32 scalars). */
export function toTensor(x: TensorLike, op = 'tensor'): Tensor {
  if (x instanceof Tensor) return x;
  if (x === undefined || x === null) throw new ArgumentError(`${op}: expected a tensor, number or array, got ${x}`);
  return tensor(x);
}

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;
}

/**
 * @internal The pair of operands of a binary op. A plain JS number is "weakly typed" (as in NumPy 2
 * and JAX): it takes the other operand's dtype when it fits, so `int32Tensor.add(1)` stays int32 and
 * `float32Tensor.mul(0.5)` stays float32; a fraction with an integer tensor gives float32.
 */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const weak = (v: number | boolean, other: Tensor): Tensor => {
    const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    let dt: DType;
    if (isFloat(other.dtype)) dt = other.dtype;
    // An integer beyond int32 would wrap silently in int32 storage; it is treated like a fraction.
    else if (isInt32(n) && other.dtype === 'int32') dt = 'int32';
    else if (isInt32(n) && (other.dtype === 'uint8' || other.dtype === 'bool')) dt = typeof v === 'boolean' ? 'bool' : 'int32';
    else dt = 'float32';
    const s = allocate(dt, 1);
    s[0] = n;
    return new Tensor(s, [], dt);
  };
  const isScalar = (v: TensorLike): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
  if (a instanceof Tensor && isScalar(b)) return [a, weak(b, a)];
  if (b instanceof Tensor && isScalar(a)) return [weak(a, b), b];
  return [toTensor(a, op), toTensor(b, op)];
}
