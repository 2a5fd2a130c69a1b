// The `optimizers` namespace and lookup by Keras name.

import { ArgumentError, UnsupportedError } from '../errors.js';
import { Optimizer, OPTIMIZER_ARGS, type OptimizerClass } from './optimizer.js';
import { describeValue } from '../options.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type AdagradArgs, type AdamArgs, type AdamWArgs, type RMSpropArgs, type SGDArgs } from './rules.js';

export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad };
export type { OptimizerArgs } from './optimizer.js';
export type { SGDArgs, AdamArgs, AdamWArgs, RMSpropArgs, AdagradArgs };

/**
 * Optimizer factories: `optimizers.adam({ learningRate: 1e-3 })`, or TF.js's positional form
 * `optimizers.adam(1e-3)` (`tf.train.adam(learningRate, beta1, beta2, epsilon)`; each class's
 * `positional` gives the order). Unknown option names are refused with the right spelling.
 * @example model.compile({ optimizer: optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'mse' })
 * @namespace
 */
export const optimizers = {
  /**
   * A new {@link SGD}: `sgd({ learningRate: 0.1 })`, or positional (learningRate, momentum, nesterov).
   * @example optimizers.sgd(0.1, 0.9, true) // { learningRate: 0.1, momentum: 0.9, nesterov: true }
   */
  sgd: (a?: SGDArgs | number, momentum?: number, nesterov?: boolean): SGD => new SGD(a, momentum, nesterov),
  /** TF.js's `tf.train.momentum(learningRate, momentum, useNesterov)`: an {@link SGD} with momentum. @example optimizers.momentum(0.01, 0.9) */
  momentum: (learningRate: number, momentum: number, useNesterov = false): SGD => {
    if (typeof learningRate !== 'number' || typeof momentum !== 'number') {
      throw new ArgumentError(`optimizers.momentum: expected (learningRate, momentum, useNesterov?) as numbers, got ${describeValue(learningRate)}, ${describeValue(momentum)}; or use optimizers.sgd({ learningRate, momentum, nesterov })`);
    }
    return new SGD(learningRate, momentum, useNesterov);
  },
  /**
   * A new {@link Adam}: `adam({ learningRate: 1e-3 })`, or positional (learningRate, beta1, beta2, epsilon).
   * @example optimizers.adam(0.01) // Adam with learning rate 0.01, other settings Keras' defaults
   */
  adam: (a?: AdamArgs | number, beta1?: number, beta2?: number, epsilon?: number): Adam => new Adam(a, beta1, beta2, epsilon),
  /**
   * A new {@link AdamW}: `adamw({ learningRate: 1e-3, weightDecay: 0.004 })`, or Keras' positional
   * order (learningRate, weightDecay, beta1, beta2, epsilon).
   * @example optimizers.adamw(1e-3, 0.01)
   */
  adamw: (a?: AdamWArgs | number, weightDecay?: number, beta1?: number, beta2?: number, epsilon?: number): AdamW => new AdamW(a, weightDecay, beta1, beta2, epsilon),
  /**
   * A new {@link RMSprop}: `rmsprop({ learningRate: 1e-3 })`, or positional (learningRate, rho,
   * momentum, epsilon, centered).
   * @example optimizers.rmsprop(1e-3, 0.9)
   */
  rmsprop: (a?: RMSpropArgs | number, rho?: number, momentum?: number, epsilon?: number, centered?: boolean): RMSprop => new RMSprop(a, rho, momentum, epsilon, centered),
  /**
   * A new {@link Adagrad}: `adagrad({ learningRate: 0.01 })`, or positional (learningRate,
   * initialAccumulatorValue, epsilon).
   * @example optimizers.adagrad(0.01, 0.1)
   */
  adagrad: (a?: AdagradArgs | number, initialAccumulatorValue?: number, epsilon?: number): Adagrad => new Adagrad(a, initialAccumulatorValue, epsilon),
};

/**
 * The built-in optimizer classes: names, loading and the factories' check derive from this list.
 * (Each constructor types its own args; the registry hands them saved configs, whose values the
 * constructors check, hence the one widening cast.)
 */
const OPTIMIZER_CLASSES = [SGD, Adam, AdamW, RMSprop, Adagrad] as unknown as readonly OptimizerClass[];

/** Keras accepts 'rmsprop', 'RMSprop', 'rms_prop': compare lower case without underscores. */
const key = (name: string): string => name.toLowerCase().replace(/_/g, '');

const BY_KEY = new Map<string, OptimizerClass>();
for (const c of OPTIMIZER_CLASSES) {
  if (BY_KEY.has(key(c.className))) throw new Error(`optimizer registry: two classes are named '${c.className}'`);
  BY_KEY.set(key(c.className), c);
}

/** @internal The registered classes (tests check every one has a factory). */
export function optimizerClasses(): readonly OptimizerClass[] {
  return OPTIMIZER_CLASSES;
}

function classFor(kind: string, name: string): OptimizerClass {
  if (typeof name !== 'string') throw new ArgumentError(`unknown ${kind} ${describeValue(name)}: expected a name ('adam', 'sgd', ...) or an optimizer object`);
  const c = BY_KEY.get(key(name));
  if (!c) throw new ArgumentError(`unknown ${kind} '${name}'; valid names: ${OPTIMIZER_CLASSES.map((o) => key(o.className)).join(', ')}`);
  return c;
}

/** A fresh optimizer with Keras defaults from a name, or the optimizer itself. */
export function getOptimizer(x: string | Optimizer): Optimizer {
  if (x instanceof Optimizer) return x;
  return new (classFor('optimizer', x))();
}

/**
 * Settings Keras and TF.js write into an optimizer's config that change nothing when they have these
 * values (Keras 3 and tf.keras 2.11+ write them all; legacy tf.keras wrote `decay`, a learning-rate
 * decay). Any other value is refused: nerva would train differently from the file's author.
 */
const NEUTRAL: Record<string, (v: unknown) => boolean> = {
  name: () => true,
  isLegacyOptimizer: () => true,
  jitCompile: () => true,
  useEma: (v) => v === false || v === null,
  emaMomentum: () => true,
  emaOverwriteFrequency: () => true,
  lossScaleFactor: (v) => v === null,
  gradientAccumulationSteps: (v) => v === null || v === 1,
  decay: (v) => v === 0 || v === null,
  weightDecay: (v) => v === 0 || v === null,
  amsgrad: (v) => v === false || v === null,
};

/**
 * Rebuilds an optimizer from its saved class name and (camelCase) config, as nerva, TF.js or Keras
 * wrote it: bookkeeping keys (`name`, `use_ema: false`, ...) are skipped; settings nerva does not
 * have are refused by name.
 */
export function optimizerFromConfig(className: string, config: Record<string, unknown>): Optimizer {
  const cls = classFor('optimizer class', className);
  const c = { ...config };
  // TF.js's RMSProp config calls rho 'decay' (its tf.train.rmsprop argument); a Keras file with
  // both means the legacy learning-rate decay, checked below.
  if (cls === (RMSprop as unknown as OptimizerClass) && c.rho === undefined && typeof c.decay === 'number') {
    c.rho = c.decay;
    delete c.decay;
  }
  const own = new Set([...OPTIMIZER_ARGS, ...cls.argNames]);
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (own.has(k)) {
      if (v !== null) args[k] = v; // null is Keras' "not set" (clipnorm: null)
    } else if (!NEUTRAL[k]?.(v)) {
      throw new UnsupportedError(`${cls.className}: setting '${k}' = ${describeValue(v)} has no equivalent in nerva's ${cls.className}`);
    }
  }
  return new cls(args);
}
