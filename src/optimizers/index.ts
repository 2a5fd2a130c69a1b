// The `optimizers` namespace and lookup by Keras name.

import { ArgumentError } from '../errors.js';
import { Optimizer, type OptimizerClass } from './optimizer.js';
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
  if (typeof name !== 'string') throw new ArgumentError(`unknown ${kind} ${JSON.stringify(name) ?? String(name)}: expected a name`);
  const c = BY_KEY.get(key(name));
  if (!c) throw new ArgumentError(`unknown ${kind} '${name}'; valid names: ${OPTIMIZER_CLASSES.map((o) => key(o.className)).join(', ')}`);
  return c;
}

/** A fresh optimizer with Keras defaults from a name, or the optimizer itself. */
export function getOptimizer(x: string | Optimizer): Optimizer {
  if (x instanceof Optimizer) return x;
  return new (classFor('optimizer', x))();
}

/** Rebuilds an optimizer from its saved class name and (camelCase) config. */
export function optimizerFromConfig(className: string, config: Record<string, unknown>): Optimizer {
  const cls = classFor('optimizer class', className);
  // Only settings are passed on (numbers and flags); names and nulls are the format's bookkeeping.
  const args = Object.fromEntries(Object.entries(config).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean'));
  return new cls(args);
}
