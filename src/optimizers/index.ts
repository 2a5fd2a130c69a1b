// The `optimizers` namespace and lookup by Keras name.

import { lookupName } from '../activations.js';
import { Optimizer } from './optimizer.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type AdagradArgs, type AdamArgs, type AdamWArgs, type RMSpropArgs, type SGDArgs } from './rules.js';

export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad };
export type { OptimizerArgs } from './optimizer.js';
export type { SGDArgs, AdamArgs, AdamWArgs, RMSpropArgs, AdagradArgs };

/** `optimizers.adam({ learningRate: 1e-3 })` */
export const optimizers = {
  sgd: (a?: SGDArgs): SGD => new SGD(a),
  adam: (a?: AdamArgs): Adam => new Adam(a),
  adamw: (a?: AdamWArgs): AdamW => new AdamW(a),
  rmsprop: (a?: RMSpropArgs): RMSprop => new RMSprop(a),
  adagrad: (a?: AdagradArgs): Adagrad => new Adagrad(a),
};

const BY_NAME: Record<string, () => Optimizer> = {
  sgd: () => new SGD(),
  adam: () => new Adam(),
  adamw: () => new AdamW(),
  adam_w: () => new AdamW(),
  rmsprop: () => new RMSprop(),
  rms_prop: () => new RMSprop(),
  adagrad: () => new Adagrad(),
};

/** A fresh optimizer with Keras defaults from a name, or the optimizer itself. */
export function getOptimizer(x: string | Optimizer): Optimizer {
  if (x instanceof Optimizer) return x;
  return lookupName('optimizer', BY_NAME, x)();
}

/** Rebuilds an optimizer from its saved class name and (camelCase) config. */
export function optimizerFromConfig(className: string, config: Record<string, unknown>): Optimizer {
  const key = className.toLowerCase();
  const make = BY_NAME[key];
  if (!make) throw new Error(`unknown optimizer class '${className}'`);
  const args = Object.fromEntries(Object.entries(config).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean'));
  switch (key) {
    case 'sgd': return new SGD(args);
    case 'adam': return new Adam(args);
    case 'adamw': return new AdamW(args);
    case 'rmsprop': return new RMSprop(args);
    default: return new Adagrad(args);
  }
}
