// The optimizers with Keras 3 defaults and update rules (keras/src/optimizers/*.py), in place over
// the weight's storage. SGD's and Adam's inner loops go through the backend so a fast backend can
// fuse them.

import type { TypedArray } from '../tensor/dtype.js';
import { getBackend } from '../backend/index.js';
import { Optimizer, optimizerArgs, positive, type OptimizerArgs } from './optimizer.js';
import { bool, keyList, numberWhere } from '../options.js';

/** An optional number in a range, or its default. */
function opt(who: string, name: string, v: unknown, dflt: number, ok: (n: number) => boolean, want: string): number {
  return v === undefined ? dflt : numberWhere(who, name, v, ok, want);
}
const inUnit = (n: number): boolean => n >= 0 && n < 1;

/** Options of SGD, Keras' names and defaults. */
export interface SGDArgs extends OptimizerArgs {
  /** In [0, 1]; default 0 (plain SGD, no momentum buffer). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/**
 * SGD (lr 0.01): w -= lr*g; with momentum m = momentum*m - lr*g, then w += m (nesterov: w += momentum*m - lr*g).
 * @example model.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'mse' })
 */
export class SGD extends Optimizer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className: string = 'SGD';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = keyList<Omit<SGDArgs, keyof OptimizerArgs>>({ momentum: true, nesterov: true });
  /** Keras' order, and TF.js's `tf.train.momentum(learningRate, momentum, useNesterov)`. */
  static readonly positional: readonly string[] = ['learningRate', 'momentum', 'nesterov'];
  readonly className: string = SGD.className;
  /** The momentum factor (0: none). */
  readonly momentum: number;
  /** Whether the momentum is Nesterov's. */
  readonly nesterov: boolean;
  protected readonly slotNames: readonly string[];
  /** `new SGD({ learningRate: 0.1, momentum: 0.9 })` or `new SGD(0.1, 0.9)`. */
  constructor(args?: SGDArgs | number, momentum?: number, nesterov?: boolean) {
    const a: SGDArgs = optimizerArgs(new.target, args, [momentum, nesterov]);
    super(a, 0.01);
    this.momentum = opt('SGD', 'momentum', a.momentum, 0, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
    this.nesterov = a.nesterov === undefined ? false : bool('SGD', 'nesterov', a.nesterov);
    this.slotNames = this.momentum > 0 ? ['momentum'] : [];
  }
  protected update(w: TypedArray, g: TypedArray, slots: TypedArray[]): void {
    getBackend().sgdUpdate(w, g, this.momentum > 0 ? slots[0] : null, { lr: this.learningRate, momentum: this.momentum, nesterov: this.nesterov });
  }
  override getConfig(): Record<string, number | boolean | string | null> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

/** Options of Adam, Keras' names and defaults. */
export interface AdamArgs extends OptimizerArgs {
  /** Decay of the first moment, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay of the second moment, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Added to the root of the second moment, positive (default 1e-7, Keras' value; TF.js also 1e-7). */
  epsilon?: number;
}

/**
 * Adam (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), Keras 3 form of the bias correction.
 * @example model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy' })
 */
export class Adam extends Optimizer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className: string = 'Adam';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames: readonly string[] = keyList<Omit<AdamArgs, keyof OptimizerArgs>>({ beta1: true, beta2: true, epsilon: true });
  /** Keras' order and TF.js's `tf.train.adam(learningRate, beta1, beta2, epsilon)`. */
  static readonly positional: readonly string[] = ['learningRate', 'beta1', 'beta2', 'epsilon'];
  readonly className: string = Adam.className;
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Keeps the step finite where the second moment is 0. */
  readonly epsilon: number;
  protected readonly slotNames = ['m', 'v'];
  protected override readonly nonNegativeSlots = ['v'];
  /** `new Adam({ learningRate: 0.01 })` or `new Adam(0.01, 0.9, 0.999, 1e-7)`. */
  constructor(args?: AdamArgs | number, beta1?: number, beta2?: number, epsilon?: number) {
    const a: AdamArgs = optimizerArgs(new.target, args, [beta1, beta2, epsilon]);
    super(a, 0.001);
    const who = new.target.className;
    this.beta1 = opt(who, 'beta1', a.beta1, 0.9, inUnit, 'a number in [0, 1)');
    this.beta2 = opt(who, 'beta2', a.beta2, 0.999, inUnit, 'a number in [0, 1)');
    // epsilon keeps the step finite where v is 0; 0 or less divides by zero or flips the sign.
    this.epsilon = positive(who, 'epsilon', a.epsilon) ?? 1e-7;
  }
  protected update(w: TypedArray, g: TypedArray, slots: TypedArray[], step: number): void {
    getBackend().adamUpdate(w, g, slots[0], slots[1], { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step });
  }
  override getConfig(): Record<string, number | boolean | string | null> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: false };
  }
}

/** Options of AdamW: Adam's plus the weight decay. */
export interface AdamWArgs extends AdamArgs {
  /** Default 0.004 (Keras 3). */
  weightDecay?: number;
}

/**
 * AdamW: Adam plus decoupled weight decay w -= lr * weightDecay * w applied before the Adam step
 * (Keras 3 defaults: lr 0.001, weightDecay 0.004).
 * @example optimizers.adamw({ learningRate: 1e-3, weightDecay: 0.01 })
 */
export class AdamW extends Adam {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static override readonly className: string = 'AdamW';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static override readonly argNames = keyList<Omit<AdamWArgs, keyof OptimizerArgs>>({ beta1: true, beta2: true, epsilon: true, weightDecay: true });
  /** Keras' order: `AdamW(learning_rate, weight_decay, beta_1, beta_2, epsilon)` (TF.js has no AdamW). */
  static override readonly positional: readonly string[] = ['learningRate', 'weightDecay', 'beta1', 'beta2', 'epsilon'];
  override readonly className: string = AdamW.className;
  /** The decoupled decay factor per step, times the learning rate. */
  readonly weightDecay: number;
  /** `new AdamW({ learningRate: 1e-3, weightDecay: 0.004 })` or `new AdamW(1e-3, 0.004)`. */
  constructor(args?: AdamWArgs | number, weightDecay?: number, beta1?: number, beta2?: number, epsilon?: number) {
    const a: AdamWArgs = optimizerArgs(new.target, args, [weightDecay, beta1, beta2, epsilon]);
    super(a);
    this.weightDecay = opt('AdamW', 'weightDecay', a.weightDecay, 0.004, (n) => n >= 0, 'a non-negative number');
  }
  protected override update(w: TypedArray, g: TypedArray, slots: TypedArray[], step: number): void {
    const f = 1 - this.learningRate * this.weightDecay;
    for (let i = 0; i < w.length; i++) w[i] *= f;
    super.update(w, g, slots, step);
  }
  override getConfig(): Record<string, number | boolean | string | null> {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

/** Options of RMSprop, Keras' names and defaults. */
export interface RMSpropArgs extends OptimizerArgs {
  /** Decay of the running mean of squared gradients, in [0, 1) (default 0.9). */
  rho?: number;
  /** In [0, 1] (default 0). */
  momentum?: number;
  /** Added inside the root, positive (default 1e-7). */
  epsilon?: number;
  /** Divide by the gradient's variance instead of its second moment (default false). */
  centered?: boolean;
}

/**
 * RMSprop (lr 0.001, rho 0.9, epsilon 1e-7): v = rho*v + (1-rho)*g²; w -= lr*g/sqrt(v + eps) (Keras 3 puts eps inside the root).
 * @example optimizers.rmsprop({ learningRate: 1e-3 })
 */
export class RMSprop extends Optimizer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className: string = 'RMSprop';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = keyList<Omit<RMSpropArgs, keyof OptimizerArgs>>({ rho: true, momentum: true, epsilon: true, centered: true });
  /** Keras' order and TF.js's `tf.train.rmsprop(learningRate, decay, momentum, epsilon, centered)` (its decay is rho). */
  static readonly positional: readonly string[] = ['learningRate', 'rho', 'momentum', 'epsilon', 'centered'];
  readonly className: string = RMSprop.className;
  /** Decay of the running mean of squared gradients. */
  readonly rho: number;
  /** The momentum factor (0: none). */
  readonly momentum: number;
  /** Added inside the root. */
  readonly epsilon: number;
  /** Whether the centered form is used. */
  readonly centered: boolean;
  protected readonly slotNames: readonly string[];
  protected override readonly nonNegativeSlots = ['rms'];
  /** `new RMSprop({ learningRate: 1e-3, rho: 0.9 })` or `new RMSprop(1e-3, 0.9)`. */
  constructor(args?: RMSpropArgs | number, rho?: number, momentum?: number, epsilon?: number, centered?: boolean) {
    const a: RMSpropArgs = optimizerArgs(new.target, args, [rho, momentum, epsilon, centered]);
    super(a, 0.001);
    this.rho = opt('RMSprop', 'rho', a.rho, 0.9, inUnit, 'a number in [0, 1)');
    this.momentum = opt('RMSprop', 'momentum', a.momentum, 0, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
    this.epsilon = positive('RMSprop', 'epsilon', a.epsilon) ?? 1e-7;
    this.centered = a.centered === undefined ? false : bool('RMSprop', 'centered', a.centered);
    this.slotNames = ['rms', 'momentum', 'mg'];
  }
  protected update(w: TypedArray, g: TypedArray, slots: TypedArray[]): void {
    const [v, mom, mg] = slots;
    const { rho, epsilon: eps, momentum: mu } = this;
    const lr = this.learningRate;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      v[i] = rho * v[i] + (1 - rho) * gi * gi;
      let denom = v[i];
      if (this.centered) {
        mg[i] = rho * mg[i] + (1 - rho) * gi;
        denom -= mg[i] * mg[i];
      }
      const inc = (lr * gi) / Math.sqrt(denom + eps);
      if (mu > 0) {
        mom[i] = mu * mom[i] + inc;
        w[i] -= mom[i];
      } else w[i] -= inc;
    }
  }
  override getConfig(): Record<string, number | boolean | string | null> {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/** Options of Adagrad, Keras' names and defaults. */
export interface AdagradArgs extends OptimizerArgs {
  /** Starting value of each accumulator, non-negative (default 0.1). */
  initialAccumulatorValue?: number;
  /** Added inside the root, positive (default 1e-7). */
  epsilon?: number;
}

/**
 * Adagrad (lr 0.001, initial accumulator 0.1, epsilon 1e-7): a += g²; w -= lr*g/sqrt(a + eps).
 * @example optimizers.adagrad({ learningRate: 0.01 })
 */
export class Adagrad extends Optimizer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className: string = 'Adagrad';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = keyList<Omit<AdagradArgs, keyof OptimizerArgs>>({ initialAccumulatorValue: true, epsilon: true });
  /** Keras' order and TF.js's `tf.train.adagrad(learningRate, initialAccumulatorValue)`. */
  static readonly positional: readonly string[] = ['learningRate', 'initialAccumulatorValue', 'epsilon'];
  readonly className: string = Adagrad.className;
  /** Starting value of each accumulator. */
  readonly initialAccumulatorValue: number;
  /** Added inside the root. */
  readonly epsilon: number;
  protected readonly slotNames = ['accumulator'];
  protected override readonly nonNegativeSlots = ['accumulator'];
  /** `new Adagrad({ learningRate: 0.01 })` or `new Adagrad(0.01, 0.1)`. */
  constructor(args?: AdagradArgs | number, initialAccumulatorValue?: number, epsilon?: number) {
    const a: AdagradArgs = optimizerArgs(new.target, args, [initialAccumulatorValue, epsilon]);
    super(a, 0.001);
    this.initialAccumulatorValue = opt('Adagrad', 'initialAccumulatorValue', a.initialAccumulatorValue, 0.1, (n) => n >= 0, 'a non-negative number');
    this.epsilon = positive('Adagrad', 'epsilon', a.epsilon) ?? 1e-7;
  }
  protected override initSlots(slots: TypedArray[]): void {
    slots[0].fill(this.initialAccumulatorValue);
  }
  protected update(w: TypedArray, g: TypedArray, slots: TypedArray[]): void {
    const a = slots[0];
    const lr = this.learningRate;
    for (let i = 0; i < w.length; i++) {
      a[i] += g[i] * g[i];
      w[i] -= (lr * g[i]) / Math.sqrt(a[i] + this.epsilon);
    }
  }
  override getConfig(): Record<string, number | boolean | string | null> {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
