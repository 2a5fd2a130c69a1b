// A model weight: named, shaped storage that the optimizer updates in place. `value` is one
// persistent tensor over that storage, so gradients computed for it can be matched to the variable.

import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { getBackend } from '../backend/index.js';
import { sizeOf, shapesEqual } from '../tensor/shape.js';
import { ShapeError, fmtShape } from '../errors.js';

export class Variable {
  /** Full name, `<layer>/<weight>` as in Keras and the TF.js format (`dense/kernel`). */
  readonly name: string;
  readonly shape: number[];
  readonly dtype: DType;
  /** The live tensor over this variable's storage. Read-only for users: copy with `read()`. */
  readonly value: Tensor;
  #trainable: boolean;

  constructor(name: string, initial: Tensor, trainable: boolean) {
    this.name = name;
    this.shape = [...initial.shape];
    this.dtype = initial.dtype;
    // Persistent storage: on the wasm backend it lives in wasm memory, read by kernels in place.
    const storage = getBackend().allocatePersistent(initial.dtype, sizeOf(initial.shape));
    storage.set(initial.values);
    this.value = new Tensor(storage, this.shape, this.dtype);
    this.#trainable = trainable;
    this.value.requiresGrad = trainable;
  }

  get trainable(): boolean {
    return this.#trainable;
  }
  set trainable(t: boolean) {
    this.#trainable = t;
    this.value.requiresGrad = t;
  }

  /** A copy of the current value. */
  read(): Tensor {
    return new Tensor(this.value.values.slice(), [...this.shape], this.dtype);
  }

  /** Replaces the value (same shape), copying. */
  assign(t: Tensor): void {
    if (!shapesEqual(t.shape, this.shape)) {
      throw new ShapeError(`Variable "${this.name}": expected shape ${fmtShape(this.shape)}, got ${fmtShape(t.shape)}`);
    }
    this.value.values.set(t.dtype === this.dtype ? t.values : t.cast(this.dtype).values);
  }
}
