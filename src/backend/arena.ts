// Scratch storage owned by one training step. Some short-lived arrays are worth placing where the
// fast kernels read them in place (wasm memory): a weight's gradient, read by the optimizer right
// after the backward pass, and a shuffled batch. Such storage cannot wait for garbage collection
// (V8 does not collect for wasm memory it cannot see: it grew to 615 MB in 3 epochs that way), so
// the step that made it gives it all back when it ends. Code that makes scratch arrays calls
// scratch(); only the training step opens an arena. Outside one, scratch() is a plain array.

import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { getBackend } from './index.js';

let open: TypedArray[] | null = null;

/**
 * Storage for a tensor the caller overwrites entirely (its contents are unspecified). Inside a
 * training step it lives until the step ends, so it must not be kept beyond it; outside a step it
 * is an ordinary garbage-collected array.
 */
export function scratch(dtype: DType, n: number): TypedArray {
  if (!open) return allocate(dtype, n);
  const arr = getBackend().allocateScratch(dtype, n);
  open.push(arr);
  return arr;
}

/**
 * Runs one training step with an arena: every scratch() array made inside is given back when fn
 * returns or throws. A nested call runs inside the outer step's arena.
 */
export function withStepArena<T>(fn: () => T): T {
  if (open) return fn();
  const arena: TypedArray[] = [];
  open = arena;
  try {
    return fn();
  } finally {
    open = null;
    const backend = getBackend();
    for (const arr of arena) backend.releaseScratch(arr);
  }
}
