// Scratch storage owned by one step: a training step, or one batch of predict / evaluate. Some
// short-lived arrays are worth placing where the fast kernels read them in place (wasm memory): a
// weight's gradient, read by the optimizer right after the backward pass, a shuffled batch, and the
// outputs of the Dense layers, which the next layer and the backward pass read (as plain arrays
// each was copied out of wasm memory and back in). Such storage cannot wait for garbage collection
// (V8 does not collect for wasm memory it cannot see: it grew to 615 MB in 3 epochs that way), so
// the step that made it gives it all back when it ends. Code that makes scratch arrays calls
// scratch() or layerOutput(); only the training loop and predict open an arena. Outside one, both
// are plain arrays.

import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { getBackend } from './index.js';

interface Arena {
  arrays: TypedArray[];
  activations: boolean;
}

let open: Arena | null = null;

export interface ArenaOptions {
  /**
   * Layer outputs (layerOutput()) are scratch too. Only for a step whose every layer is one of the
   * library's own, which keep no reference to their inputs or outputs beyond the step; whoever runs
   * the step must copy what it returns (predict's outputs) before the step ends. Losses, metrics and
   * optimizers see such outputs and gradients only during the step (as Optimizer.update documents).
   */
  activations?: boolean;
}

/**
 * Storage for a tensor the caller overwrites entirely (its contents are unspecified). Inside a
 * step it lives until the step ends, so it must not be kept beyond it; outside a step it is an
 * ordinary garbage-collected array.
 */
export function scratch(dtype: DType, n: number): TypedArray {
  if (!open) return allocate(dtype, n);
  const arr = getBackend().allocateScratch(dtype, n);
  open.arrays.push(arr);
  return arr;
}

/** Storage for a layer's output, overwritten entirely: scratch in a step opened with `activations`. */
export function layerOutput(dtype: DType, n: number): TypedArray {
  return open?.activations ? scratch(dtype, n) : allocate(dtype, n);
}

/**
 * Runs one step with an arena: every scratch() array made inside is given back when fn returns or
 * throws. A nested call runs inside the outer step's arena.
 */
export function withStepArena<T>(fn: () => T, opts: ArenaOptions = {}): T {
  if (open) return fn();
  const arena: Arena = { arrays: [], activations: opts.activations ?? false };
  open = arena;
  try {
    return fn();
  } finally {
    open = null;
    const backend = getBackend();
    for (const arr of arena.arrays) backend.releaseScratch(arr);
  }
}
