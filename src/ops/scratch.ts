// Step-scoped storage for the large activations of convolutional networks. A conv layer's output at
// batch 128 is 11 MB; as an ordinary typed array it is freshly mapped (page faults), copied out of
// wasm memory by its kernel and copied back in by the next one (the pooling, then the backward
// pass), every step. Inside stepScratch(), the conv, pooling and batch-norm ops allocate their
// outputs and input gradients as backend scratch storage instead (wasm memory on the wasm backend),
// which kernels write and read in place, and which the caller gives back in one go once the step
// is over. A garbage-collected release alone would not do: V8 does not see wasm memory as memory
// pressure, so it could grow for a long time before a collection ran.

import { Tensor } from '../tensor/tensor.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { empty } from './elementwise.js';

/** Outputs smaller than this (bias gradients, statistics) stay ordinary arrays: nothing to gain. */
const MIN_ELEMENTS = 4096;

let active: { backend: Backend; arrays: TypedArray[] } | null = null;

/**
 * @internal Runs fn with the outputs of conv2d, the pooling ops and batch normalization, and the
 * input gradients their rules produce, in backend scratch storage; returns fn's result and a
 * function that gives all of that storage back. Only for a caller that knows no tensor made inside
 * fn is used after it calls release (a training step of the library's own layers, once the loss
 * and metrics are read): their values are unspecified afterwards.
 * @example const [loss, release] = stepScratch(() => step(x, y)); const v = loss.item(); release();
 */
export function stepScratch<T>(fn: () => T): [T, () => void] {
  const outer = active;
  const scope = { backend: getBackend(), arrays: [] as TypedArray[] };
  active = scope;
  let result: T;
  try {
    result = fn();
  } finally {
    active = outer;
  }
  const release = (): void => {
    for (const a of scope.arrays) scope.backend.releaseScratch(a);
    scope.arrays.length = 0;
  };
  return [result, release];
}

/**
 * @internal A tensor for a kernel that writes every element of it: step scratch storage inside
 * stepScratch, otherwise an ordinary array.
 */
export function kernelOutput(shape: number[], dtype: DType): Tensor {
  const n = sizeOf(shape);
  if (!active || n < MIN_ELEMENTS || active.backend !== getBackend()) return empty(shape, dtype);
  const arr = active.backend.allocateScratch(dtype, n);
  active.arrays.push(arr);
  return new Tensor(arr, shape, dtype);
}
