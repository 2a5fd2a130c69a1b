// Shape arithmetic shared by ops and kernels: sizes, strides, NumPy broadcasting, axis normalisation.

import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { describeValue } from '../options.js';

export type Shape = number[];

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting: align right, a dimension of 1 stretches, anything else must match. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): Shape {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dimension ${i - rank} is ${da} vs ${db})`);
  }
  return out;
}

/** Strides of `shape` seen inside `outShape` with broadcast dimensions given stride 0. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  const s = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) s[off + i] = shape[i] === 1 ? 0 : own[i];
  return s;
}

/** Turns a possibly negative axis into 0..rank-1, or throws naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis)) {
    // `argMax({ axis: 1 })` is TF.js-and-Keras' keyword habit; nerva takes the number itself.
    const keyword = typeof axis === 'object' && axis !== null && 'axis' in axis ? `; pass the axis as a number, e.g. ${op}(x, ${String((axis as { axis: unknown }).axis)})` : '';
    throw new ArgumentError(`${op}: axis must be an integer, got ${describeValue(axis)}${keyword}`);
  }
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ArgumentError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/**
 * The permutation that swaps `axis` (0..rank-1) with the last axis; it is its own inverse, so one
 * transpose moves the axis last for a kernel that works there and the same one moves it back.
 * @example swapWithLast(4, 1) // [0, 3, 2, 1]
 */
export function swapWithLast(rank: number, axis: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[axis] = rank - 1;
  perm[rank - 1] = axis;
  return perm;
}

/** `undefined` means every axis. Sorted, unique, non-negative. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new ArgumentError(`${op}: repeated axis in ${JSON.stringify(axis)}`);
  return out.sort((x, y) => x - y);
}

export function assertShape(op: string, shape: readonly unknown[]): Shape {
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape entries must be non-negative integers, got [${shape.map(String).join(', ')}]`);
    }
  }
  return shape as Shape;
}
