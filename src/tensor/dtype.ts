// dtypes and their storage. Every tensor owns one typed array, row-major; the dtype decides which.

import { ArgumentError, DtypeError } from '../errors.js';

/** The element types a tensor can have. `float64` exists so gradient checks can run in double precision. */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8' | 'bool';

/** The storage of a tensor of each dtype: Float32Array, Float64Array, Int32Array, or Uint8Array (uint8 and bool). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1, bool: 1 };

/** A byte count as messages show it: `40 GB`, `3.2 MB`. */
export function fmtBytes(bytes: number): string {
  const units: [number, string][] = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [size, unit] of units) if (bytes >= size) return `${Number((bytes / size).toPrecision(3))} ${unit}`;
  return `${bytes} bytes`;
}

/**
 * Allocates zeroed storage for `n` elements of `dtype`. A size the runtime cannot hold (its
 * RangeError says only "Invalid typed array length") is refused with the size in bytes;
 * `what` (`zeros [10000000000]`) names the request in that message.
 */
export function allocate(dtype: DType, n: number, what?: string): TypedArray {
  try {
    switch (dtype) {
      case 'float32':
        return new Float32Array(n);
      case 'float64':
        return new Float64Array(n);
      case 'int32':
        return new Int32Array(n);
      case 'uint8':
      case 'bool':
        return new Uint8Array(n);
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ArgumentError(`${what ? `${what}: ` : ''}too large: ${n} ${dtype} values = ${fmtBytes(n * BYTES[dtype])}, more than one array can hold here`);
  }
}

/** The dtype whose storage class `arr` is (Uint8Array is read as uint8). */
export function dtypeOfArray(arr: TypedArray): DType {
  if (arr instanceof Float32Array) return 'float32';
  if (arr instanceof Float64Array) return 'float64';
  if (arr instanceof Int32Array) return 'int32';
  return 'uint8';
}

// Promotion order, lowest first. Mixing an integer with a float gives that float (so `xInt.div(255)`
// is float32, as TF.js and Keras users expect), float32 with float64 gives float64.
const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, float32: 3, float64: 4 };

export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The float dtype an op producing fractions (div, mean, exp ...) returns for input dtype `d`. */
export function floatResult(d: DType): DType {
  return d === 'float64' ? 'float64' : 'float32';
}

export function assertDType(op: string, d: unknown): DType {
  if (!isDType(d)) throw new DtypeError(`${op}: unknown dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(', ')}`);
  return d;
}
