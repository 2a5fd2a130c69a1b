// The optimizers with Keras 3 defaults and update rules (keras/src/optimizers/*.py), in place over
// the weight's storage. SGD's and Adam's inner loops go through the backend so a fast backend can
// fuse them.

import type { TypedArray } from '../tensor/dtype.js';
import { getBackend } from '../backend/index.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';
import { ArgumentError } from '../errors.js';

export interface SGDArgs extends OptimizerArgs {
  /** Default 0. */
  momentum?: number;
  nesterov?: boolean;
}

/** SGD (lr 0.01): w -= lr*g; with momentum m = momentum*m - lr*g, then w += m (nesterov: w += momentum*m - lr*g). */
export class SGD extends Optimizer {
  static readonly className: string = 'SGD';
  readonly className: string = SGD.className;
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly slotNames: readonly string[];
  constructor(args: SGDArgs = {}) {
    super(args, 0.01);
    this.momentum = args.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new ArgumentError(`SGD: momentum must be in [0, 1], got ${args.momentum}`);
    this.nesterov = args.nesterov ?? false;
    this.slotNames = this.momentum > 0 ? ['momentum'] : [];
  }
  protected update(w: TypedArray, g: TypedArray, slots: TypedArray[]): void {
    getBackend().sgdUpdate(w, g, this.momentum > 0 ? slots[0] : null, { lr: this.learningRate, momentum: this.momentum, nesterov: this.nesterov });
  }
  override getConfig(): Record<string, number | boolean | string | null> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface AdamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), Keras 3 form of the bias correction. */
export class Adam extends Optimizer {
  static readonly className: string = 'Adam';
  readonly className: string = Adam.className;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotNames = ['m', 'v'];
  constructor(args: AdamArgs = {}) {
    super(args, 0.001);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    for (const [k, v] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(v >= 0 && v < 1)) throw new ArgumentError(`${this.className}: ${k} must be in [0, 1), got ${v}`);
    }
  }
  protected update(w: TypedArray, g: TypedArray, slots: TypedArray[], step: number): void {
    getBackend().adamUpdate(w, g, slots[0], slots[1], { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step });
  }
  override getConfig(): Record<string, number | boolean | string | null> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: false };
  }
}

export interface AdamWArgs extends AdamArgs {
  /** Default 0.004 (Keras 3). */
  weightDecay?: number;
}

/** AdamW: Adam plus decoupled weight decay w -= lr * weightDecay * w applied before the Adam step. */
export class AdamW extends Adam {
  static override readonly className: string = 'AdamW';
  override readonly className: string = AdamW.className;
  readonly weightDecay: number;
  constructor(args: AdamWArgs = {}) {
    super(args);
    this.weightDecay = args.weightDecay ?? 0.004;
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

export interface RMSpropArgs extends OptimizerArgs {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/** RMSprop (lr 0.001, rho 0.9, epsilon 1e-7): v = rho*v + (1-rho)*g²; w -= lr*g/sqrt(v + eps) (Keras 3 puts eps inside the root). */
export class RMSprop extends Optimizer {
  static readonly className: string = 'RMSprop';
  readonly className: string = RMSprop.className;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  protected readonly slotNames: readonly string[];
  constructor(args: RMSpropArgs = {}) {
    super(args, 0.001);
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
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

export interface AdagradArgs extends OptimizerArgs {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/** Adagrad (lr 0.001, initial accumulator 0.1, epsilon 1e-7): a += g²; w -= lr*g/sqrt(a + eps). */
export class Adagrad extends Optimizer {
  static readonly className: string = 'Adagrad';
  readonly className: string = Adagrad.className;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  protected readonly slotNames = ['accumulator'];
  constructor(args: AdagradArgs = {}) {
    super(args, 0.001);
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-7;
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
