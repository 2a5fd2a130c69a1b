// Keras activations by name. Names are accepted in snake_case and camelCase.

import type { Tensor } from './tensor/tensor.js';
import * as ops from './ops/index.js';
import { ArgumentError } from './errors.js';
import { describeValue } from './options.js';

export type ActivationName =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'leaky_relu' | 'elu' | 'gelu' | 'silu' | 'swish' | 'softplus';

/**
 * An activation as a function of a tensor, returning a tensor of the same shape: one of nerva's ops
 * (`relu`, `sigmoid`, ...: saved by name) or a function of your own (the model then cannot be saved).
 */
export type ActivationFn = (x: Tensor) => Tensor;

const ACTIVATIONS: Record<ActivationName, ActivationFn> = {
  linear: (x) => x,
  relu: ops.relu,
  sigmoid: ops.sigmoid,
  tanh: ops.tanh,
  softmax: (x) => ops.softmax(x, -1),
  leaky_relu: (x) => ops.leakyRelu(x, 0.2),
  elu: (x) => ops.elu(x, 1),
  gelu: (x) => ops.gelu(x, false),
  silu: ops.silu,
  swish: ops.silu,
  softplus: ops.softplus,
};

/**
 * nerva's own activation functions, recognised by identity, so `activation: nv.relu` (as Keras'
 * `activation=keras.activations.relu`) is the named activation and saves as 'relu'. Each op's
 * default arguments are the activation's (leakyRelu alpha 0.2, elu alpha 1, softmax over the last axis).
 */
const BY_FUNCTION = new Map<unknown, ActivationName>([
  [ops.relu, 'relu'], [ops.sigmoid, 'sigmoid'], [ops.tanh, 'tanh'], [ops.softmax, 'softmax'], [ops.softplus, 'softplus'],
  [ops.silu, 'silu'], [ops.elu, 'elu'], [ops.gelu, 'gelu'], [ops.leakyRelu, 'leaky_relu'],
]);

/** An activation as a layer keeps it: its name, or null for a function of the user's (which cannot be saved). */
export interface ResolvedActivation {
  readonly name: ActivationName | null;
  readonly fn: ActivationFn;
}

/**
 * Resolves a layer's `activation` argument: a name ('relu', 'softmax', ...), one of nerva's
 * activation ops (`relu`), or any function of a tensor (Keras and TF.js accept one; such a layer
 * computes fine but cannot be saved). null / undefined is linear.
 * @example resolveActivation('Dense "d"', 'relu').name // 'relu'
 */
export function resolveActivation(who: string, a: unknown): ResolvedActivation {
  if (a === undefined || a === null) return { name: 'linear', fn: ACTIVATIONS.linear };
  if (typeof a === 'function') {
    const known = BY_FUNCTION.get(a);
    return known ? { name: known, fn: ACTIVATIONS[known] } : { name: null, fn: a as ActivationFn };
  }
  if (typeof a !== 'string') throw new ArgumentError(`${who}: activation must be a name (${ACTIVATION_NAMES.join(', ')}) or a function, got ${describeValue(a)}`);
  const name = activationName(a);
  return { name, fn: ACTIVATIONS[name] };
}

/** snake_case form of a Keras identifier: `meanSquaredError` -> `mean_squared_error`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

/** Looks up a name in a table of snake_case keys, accepting camelCase, or fails listing the valid names. */
export function lookupName<T>(kind: string, table: Record<string, T>, name: string): T {
  if (typeof name !== 'string') throw new ArgumentError(`unknown ${kind} ${describeValue(name)}: expected a name`);
  const key = snakeCase(name);
  if (Object.prototype.hasOwnProperty.call(table, key)) return table[key];
  throw new ArgumentError(`unknown ${kind} '${name}'; valid names: ${Object.keys(table).join(', ')}`);
}

/** The canonical (snake_case) name of an activation, or an error listing the valid ones. */
export function activationName(name: string | null | undefined): ActivationName {
  const n = name ?? 'linear';
  lookupName('activation', ACTIVATIONS, n);
  const key = snakeCase(n) as ActivationName;
  return key;
}

/** The function for an activation name. @example getActivation('relu')(tensor([-1, 2])) // [0, 2] */
export function getActivation(name: string | null | undefined): ActivationFn {
  return ACTIVATIONS[activationName(name)];
}

export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];
