// Scratch storage owned by one step: a training step, or one batch of predict / evaluate. Some
// short-lived arrays are worth placing where the fast kernels read and write them in place (wasm
// memory): a weight's gradient, read by the optimizer right after the backward pass; a shuffled
// batch; and the layers' outputs and input gradients (a conv layer's output at batch 128 is 11 MB:
// as an ordinary array it would be freshly mapped, copied out of wasm memory by its kernel and
// copied back in by the next one, every step). Such storage cannot wait for garbage collection:
// V8 does not see wasm memory as memory pressure (it grew to 615 MB in 3 epochs, and to the 2 GB
// maximum within ~100 convnet steps, that way). So the step that made it gives it all back when it
// ends. Code that makes such arrays calls scratch(), layerOutput() or stepOutput(); only the
// training loop, predict and evaluate open an arena. Outside one, all three give ordinary arrays.

import { Tensor } from '../tensor/tensor.js';
import { allocate, type DType, type TypedArray } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import type { Backend } from './backend.js';
import { getBackend } from './index.js';

interface Arena {
  readonly backend: Backend;
  readonly arrays: TypedArray[];
  /** Whether activations may live in the arena: only when no user code can keep them past the step. */
  readonly activations: boolean;
}

let open: Arena | null = null;

export interface StepArenaOptions {
  /**
   * Also place large activations and their gradients (stepOutput) in the arena. Only for a step
   * whose every layer is one of the library's own (they keep no reference to their inputs or
   * outputs) and whose loss and metrics are read before the step ends.
   */
  activations?: boolean;
}

/**
 * Storage for a tensor the caller overwrites entirely (its contents are unspecified), such as a
 * weight's gradient. Inside a training step it lives until the step ends, so it must not be kept
 * beyond it; outside a step it is an ordinary garbage-collected array.
 */
export function scratch(dtype: DType, n: number): TypedArray {
  if (!open || open.backend !== getBackend()) return allocate(dtype, n);
  const arr = open.backend.allocateScratch(dtype, n);
  open.arrays.push(arr);
  return arr;
}

/**
 * Storage for a layer's output or an input gradient, overwritten entirely by its kernel: step
 * storage inside an arena that allows activations, otherwise an ordinary array.
 */
export function layerOutput(dtype: DType, n: number): TypedArray {
  return open?.activations ? scratch(dtype, n) : allocate(dtype, n);
}

/** layerOutput as a tensor of `shape`. */
export function stepOutput(shape: number[], dtype: DType): Tensor {
  return new Tensor(layerOutput(dtype, sizeOf(shape)), shape, dtype);
}

/** scratch as a tensor of `shape`. */
export function scratchTensor(shape: number[], dtype: DType): Tensor {
  return new Tensor(scratch(dtype, sizeOf(shape)), shape, dtype);
}

/**
 * Runs fn in an arena and returns its result with a function that gives the arena's storage back.
 * A nested call runs inside the outer arena (its release does nothing). Every tensor made on
 * scratch or step storage inside is invalid once release() has run.
 * @example const [loss, release] = stepScratch(() => step(x, y), { activations: true }); const v = loss.item(); release();
 */
export function stepScratch<T>(fn: () => T, options: StepArenaOptions = {}): [T, () => void] {
  if (open) return [fn(), () => undefined];
  const arena: Arena = { backend: getBackend(), arrays: [], activations: options.activations ?? false };
  open = arena;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    open = null;
    release(arena);
    throw e;
  }
  open = null;
  return [result, () => release(arena)];
}

function release(arena: Arena): void {
  for (const arr of arena.arrays) arena.backend.releaseScratch(arr);
  arena.arrays.length = 0;
}

/** Runs one training step in an arena, given back when fn returns or throws. */
export function withStepArena<T>(fn: () => T, options: StepArenaOptions = {}): T {
  const [result, done] = stepScratch(fn, options);
  done();
  return result;
}
