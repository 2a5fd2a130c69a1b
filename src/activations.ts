// Keras activations by name. Names are accepted in snake_case and camelCase.

import type { Tensor } from './tensor/tensor.js';
import * as ops from './ops/index.js';
import { ArgumentError } from './errors.js';

export type ActivationName =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'leaky_relu' | 'elu' | 'gelu' | 'silu' | 'swish' | 'softplus';

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

/** snake_case form of a Keras identifier: `meanSquaredError` -> `mean_squared_error`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

/** Looks up a name in a table of snake_case keys, accepting camelCase, or fails listing the valid names. */
export function lookupName<T>(kind: string, table: Record<string, T>, name: string): T {
  if (typeof name !== 'string') throw new ArgumentError(`unknown ${kind} ${JSON.stringify(name)}: expected a name`);
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
