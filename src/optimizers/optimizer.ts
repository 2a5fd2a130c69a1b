// The Optimizer base: gradient clipping, the step counter, per-variable slot buffers, and a
// learning rate that callbacks may change between steps. Subclasses give one in-place update rule.

import type { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';
import type { Variable } from '../layers/variable.js';
import { ArgumentError } from '../errors.js';
import { getBackend } from '../backend/index.js';
import { checkOptions, describeValue, isOptionsObject, keyList, numberWhere } from '../options.js';

/** Options every optimizer takes (at most one of the three clipping modes, as Keras 3). */
export interface OptimizerArgs {
  /** Step size, a positive number (default: the optimizer's Keras default, e.g. Adam 0.001, SGD 0.01). */
  learningRate?: number;
  /** Clip each gradient to this L2 norm. */
  clipnorm?: number;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Clip all gradients together to this global L2 norm. */
  globalClipnorm?: number;
}

/** The keys of OptimizerArgs, which every optimizer takes (the compiler keeps the list complete). */
export const OPTIMIZER_ARGS = keyList<OptimizerArgs>({ learningRate: true, clipnorm: true, clipvalue: true, globalClipnorm: true });

/** A positive finite number, or undefined when not given. */
export function positive(who: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  return numberWhere(who, name, v, (n) => n > 0, 'a positive number');
}

/**
 * What a registered optimizer class carries: its Keras class name, its constructor (which takes
 * the camelCase config its getConfig writes), the names of its own arguments and the order of its
 * positional form. The registry (./index.ts) is a list of these.
 */
export interface OptimizerClass<O extends Optimizer = Optimizer> {
  new (args?: Record<string, unknown>): O;
  readonly className: string;
  /** The class's own option names besides OptimizerArgs (`beta1`, ...): other keys are refused. */
  readonly argNames: readonly string[];
  /**
   * The positional form, as TF.js's `tf.train.*` and Keras' constructors order it:
   * `new Adam(0.01, 0.9, 0.999, 1e-7)` is `{ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }`.
   */
  readonly positional: readonly string[];
}

/**
 * The options of an optimizer constructor from either form users write: an object
 * (`{ learningRate: 0.1 }`, unknown keys refused with the right spelling) or the positional
 * numbers of TF.js and Keras (`0.1, 0.9`), in the order of the class's `positional`.
 */
export function optimizerArgs(cls: Pick<OptimizerClass, 'className' | 'argNames' | 'positional'>, first: unknown, rest: readonly unknown[]): Record<string, unknown> {
  const who = cls.className;
  const allowed = [...OPTIMIZER_ARGS, ...cls.argNames];
  let last = rest.length;
  while (last > 0 && rest[last - 1] === undefined) last--;
  if (isOptionsObject(first)) {
    if (last > 0) throw new ArgumentError(`${who}: give the options in one object, not an object followed by ${describeValue(rest[0])}`);
    return checkOptions(who, first, allowed);
  }
  if (first !== undefined && typeof first !== 'number') {
    throw new ArgumentError(`${who}: expected an options object ({ ${allowed.join(', ')} }) or a learning rate, got ${describeValue(first)}`);
  }
  const values = [first, ...rest.slice(0, last)];
  const out: Record<string, unknown> = {};
  values.forEach((v, i) => {
    if (v !== undefined) out[cls.positional[i]] = v;
  });
  return out;
}

/**
 * The base of the optimizers: gradient clipping, the step counter, per-weight state (slots) and a
 * learning rate that callbacks may change between steps. A subclass gives one in-place update
 * rule (the protected `update(w, g, slots, step)`) and its slot names.
 * @example
 * const opt = optimizers.adam({ learningRate: 0.01 });
 * model.compile({ optimizer: opt, loss: 'mse' });
 * await model.fit(x, y, { epochs: 10 });
 * opt.iterations // steps taken; opt.learningRate = 0.001 lowers the rate for the next fit
 */
export abstract class Optimizer {
  /** The Keras class name (`Adam`, `SGD`, ...), as saved in model.json. */
  abstract readonly className: string;
  /** Slot names, in the order they are saved (`m`, `v` for Adam). */
  protected abstract readonly slotNames: readonly string[];
  #lr: number;
  /** Each gradient is scaled down to at most this L2 norm, if set. */
  readonly clipnorm?: number;
  /** Each gradient element is clipped to [-clipvalue, clipvalue], if set. */
  readonly clipvalue?: number;
  /** All gradients together are scaled down to at most this global L2 norm, if set. */
  readonly globalClipnorm?: number;
  /** Number of update steps taken (saved with the model; Adam's bias correction uses it). */
  iterations = 0;
  protected readonly slots = new Map<Variable, TypedArray[]>();

  /**
   * Checks the common options; ArgumentError for a non-positive value or more than one clipping mode.
   * @param defaultLr The learning rate when `args.learningRate` is not given.
   */
  constructor(args: OptimizerArgs, defaultLr: number) {
    const who = new.target.name;
    this.#lr = positive(who, 'learningRate', args.learningRate ?? defaultLr)!;
    this.clipnorm = positive(who, 'clipnorm', args.clipnorm);
    this.clipvalue = positive(who, 'clipvalue', args.clipvalue);
    this.globalClipnorm = positive(who, 'globalClipnorm', args.globalClipnorm);
    // Keras 3 (base_optimizer.py) accepts only one clipping mode; combining them has no defined order.
    const set = (['clipnorm', 'clipvalue', 'globalClipnorm'] as const).filter((k) => this[k] !== undefined);
    if (set.length > 1) {
      throw new ArgumentError(`${who}: only one of clipnorm, clipvalue, globalClipnorm can be set, got ${set.map((k) => `${k}=${this[k]}`).join(', ')}`);
    }
  }

  /** The step size; may be changed between steps (callbacks do), to any non-negative number. */
  get learningRate(): number {
    return this.#lr;
  }
  /** Sets the step size for the following steps; ArgumentError for a negative or non-finite value. */
  set learningRate(lr: number) {
    this.#lr = numberWhere(this.className, 'learningRate', lr, (n) => n >= 0, 'a non-negative number');
  }

  /**
   * Applies one update to each variable from its gradient (same order, same shapes), after clipping;
   * fit calls it once per batch. Use it for a training loop of your own.
   * @example
   * const w = new Variable('w', zeros([1]), true);
   * const opt = optimizers.sgd(0.1);
   * const [g] = grads((wt) => wt.mul(x).sub(y).square().mean())(w.value);
   * opt.applyGradients([g], [w]); // w moves against the gradient
   */
  applyGradients(grads: readonly Tensor[], vars: readonly Variable[]): void {
    if (grads.length !== vars.length) throw new ArgumentError(`${this.className}: ${grads.length} gradients for ${vars.length} variables`);
    let gs = grads.map((g) => g.values);
    gs = this.clip(gs);
    this.iterations++;
    vars.forEach((v, i) => {
      let s = this.slots.get(v);
      if (!s) {
        s = this.slotNames.map(() => getBackend().allocatePersistent(v.dtype, v.value.size));
        this.initSlots(s);
        this.slots.set(v, s);
      }
      this.update(v.value.values, gs[i], s, this.iterations);
    });
  }

  /** Slot initial values (zeros unless a subclass says otherwise). */
  protected initSlots(_slots: TypedArray[]): void {}

  /**
   * One in-place update of w (and the slots) from the gradient g. `g` is only valid during this
   * call: the training step reuses its storage afterwards, so keep a copy if you need it later.
   */
  protected abstract update(w: TypedArray, g: TypedArray, slots: TypedArray[], step: number): void;

  private clip(gs: TypedArray[]): TypedArray[] {
    const norm = (a: TypedArray): number => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * a[i];
      return Math.sqrt(s);
    };
    const scaled = (a: TypedArray, f: number): TypedArray => a.map((x) => x * f) as TypedArray;
    let out = gs;
    if (this.clipvalue !== undefined) {
      const c = this.clipvalue;
      out = out.map((a) => a.map((x) => Math.min(c, Math.max(-c, x))) as TypedArray);
    }
    if (this.clipnorm !== undefined) {
      const c = this.clipnorm;
      out = out.map((a) => {
        const n = norm(a);
        return n > c ? scaled(a, c / n) : a;
      });
    }
    if (this.globalClipnorm !== undefined) {
      const total = Math.sqrt(out.reduce((s, a) => s + norm(a) ** 2, 0));
      if (total > this.globalClipnorm) out = out.map((a) => scaled(a, this.globalClipnorm! / total));
    }
    return out;
  }

  /** Keras-style config: the settings, camelCase here (snake_cased when saved); the constructor takes it back. @example new Adam(0.01).getConfig() // { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false } */
  getConfig(): Record<string, number | boolean | string | null> {
    const c: Record<string, number | boolean | string | null> = { learningRate: this.learningRate };
    if (this.clipnorm !== undefined) c.clipnorm = this.clipnorm;
    if (this.clipvalue !== undefined) c.clipvalue = this.clipvalue;
    if (this.globalClipnorm !== undefined) c.globalClipnorm = this.globalClipnorm;
    return c;
  }

  /** @internal The state to save: `iter`, then each variable's slots as `<var>/<slot>`. */
  getStateWeights(vars: readonly Variable[]): { name: string; tensor: Tensor }[] {
    const out: { name: string; tensor: Tensor }[] = [];
    const it = new TensorClass(new Float32Array([this.iterations]), [], 'float32');
    out.push({ name: 'iter', tensor: it });
    for (const v of vars) {
      const s = this.slots.get(v) ?? this.slotNames.map(() => {
        const a = allocate(v.dtype, v.value.size);
        return a;
      });
      this.slotNames.forEach((slot, i) => out.push({ name: `${v.name}/${slot}`, tensor: new TensorClass(s[i].slice(), [...v.shape], v.dtype) }));
    }
    return out;
  }

  /**
   * Slots whose values are never negative (Adam's second moment `v`, RMSprop's `rms`, Adagrad's
   * accumulator): the update takes their square root, so a negative value from a file would turn
   * every weight into NaN at the first step.
   */
  protected readonly nonNegativeSlots: readonly string[] = [];

  /**
   * @internal Restores what getStateWeights produced, after checking it all (the state comes from a
   * file): `iter` a non-negative integer, each slot exactly its variable's shape, finite, and
   * non-negative where the update takes a root. Nothing changes unless everything passes.
   */
  setStateWeights(vars: readonly Variable[], weights: ReadonlyMap<string, Tensor>): void {
    const it = weights.get('iter');
    if (!it) throw new ArgumentError(`${this.className}: saved optimizer state has no 'iter'`);
    if (it.size !== 1) throw new ArgumentError(`${this.className}: saved optimizer state 'iter' must hold one number, got shape [${it.shape.join(', ')}]`);
    const iterations = it.values[0];
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new ArgumentError(`${this.className}: saved optimizer state 'iter' must be a non-negative integer (the number of steps taken), got ${iterations}`);
    }
    // By name first. TF.js sometimes names slots after its own variable names (`dense_1/kernel_1/m`)
    // and itself restores by position, so when the names do not all match, take the saved order:
    // every variable's first slot, then every variable's second slot, ... (shapes still checked).
    const byName = vars.every((v) => this.slotNames.every((slot) => weights.has(`${v.name}/${slot}`)));
    const ordered = [...weights.entries()].filter(([name]) => name !== 'iter');
    if (!byName && ordered.length !== vars.length * this.slotNames.length) {
      const missing = vars.flatMap((v) => this.slotNames.map((slot) => `${v.name}/${slot}`)).filter((n) => !weights.has(n));
      throw new ArgumentError(`${this.className}: saved optimizer state lacks '${missing[0]}' (and holds ${ordered.length} slot tensors, ${vars.length * this.slotNames.length} expected)`);
    }
    const restored = new Map<Variable, TypedArray[]>();
    vars.forEach((v, vi) => {
      restored.set(v, this.slotNames.map((slot, si) => {
        const name = `${v.name}/${slot}`;
        const [savedAs, t] = byName ? [name, weights.get(name)] : ordered[si * vars.length + vi];
        if (!t || t.shape.join() !== v.shape.join()) {
          throw new ArgumentError(`${this.className}: saved optimizer state lacks '${name}' of shape [${v.shape.join(', ')}]${t ? ` (found '${savedAs}' of shape [${t.shape.join(', ')}])` : ''}`);
        }
        const bad = t.values.findIndex((x) => !Number.isFinite(x) || (x < 0 && this.nonNegativeSlots.includes(slot)));
        if (bad >= 0) {
          const why = Number.isFinite(t.values[bad]) ? `is negative (${t.values[bad]}), which this slot never is,` : `is ${t.values[bad]}`;
          throw new ArgumentError(`${this.className}: saved optimizer state '${savedAs}' ${why} at flat index ${bad}`);
        }
        const a = getBackend().allocatePersistent(v.dtype, v.value.size);
        a.set(t.values);
        return a;
      }));
    });
    this.iterations = iterations;
    this.slots.clear();
    for (const [v, sl] of restored) this.slots.set(v, sl);
  }
}
