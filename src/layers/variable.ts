// A model weight: named, shaped storage that the optimizer updates in place. `value` is one
// persistent tensor over that storage, so gradients computed for it can be matched to the variable.

import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { getBackend } from '../backend/index.js';
import { sizeOf, shapesEqual } from '../tensor/shape.js';
import { ShapeError, fmtShape } from '../errors.js';

/**
 * A model weight: a named tensor the optimizer updates in place (Keras' Variable). Layers make them
 * with `addWeight`; read them through `layer.weights`, `model.weights` or `getWeights()`.
 * @example model.layers[1].weights.map((v) => `${v.name} ${v.shape}`) // ['dense/kernel 784,128', 'dense/bias 128']
 */
export class Variable {
  /** Full name, `<layer>/<weight>` as in Keras and the TF.js format (`dense/kernel`). */
  readonly name: string;
  /** The weight's shape, fixed. */
  readonly shape: number[];
  /** Its dtype (float32 in layers). */
  readonly dtype: DType;
  /** The live tensor over this variable's storage. Read-only for users: copy with `read()`. */
  readonly value: Tensor;
  #trainable: boolean;

  /** A weight named `name` holding a copy of `initial`. Layers make theirs with `addWeight`. */
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

  /** Whether the optimizer updates it (and gradients flow to it). */
  get trainable(): boolean {
    return this.#trainable;
  }
  /** Freezes (false) or unfreezes (true) this weight. */
  set trainable(t: boolean) {
    this.#trainable = t;
    this.value.requiresGrad = t;
  }

  /** A copy of the current value. */
  read(): Tensor {
    return new Tensor(this.value.values.slice(), [...this.shape], this.dtype);
  }

  /** Replaces the value with a copy of t (same shape; ShapeError otherwise), cast to the weight's dtype. */
  assign(t: Tensor): void {
    if (!shapesEqual(t.shape, this.shape)) {
      throw new ShapeError(`Variable "${this.name}": expected shape ${fmtShape(this.shape)}, got ${fmtShape(t.shape)}`);
    }
    this.value.values.set(t.dtype === this.dtype ? t.values : t.cast(this.dtype).values);
  }
}
