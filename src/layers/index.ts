// The `layers` namespace: Keras-style factories (`layers.dense({ units: 10 })`) and the classes.

import { Dense, type DenseArgs } from './dense.js';
import { Activation, Dropout, Flatten, Reshape, type ActivationArgs, type DropoutArgs, type ReshapeArgs } from './simple.js';
import type { Layer, LayerArgs } from './layer.js';

export { Layer } from './layer.js';
export type { LayerArgs, Shape, CallOptions, LayerConfig } from './layer.js';
export { Dense, Activation, Dropout, Flatten, Reshape };
export type { DenseArgs, ActivationArgs, DropoutArgs, ReshapeArgs };

/** `layers.dense({ units: 128, activation: 'relu' })` */
export const dense = (args: DenseArgs): Dense => new Dense(args);
/** `layers.flatten({ inputShape: [28, 28] })` */
export const flatten = (args: LayerArgs = {}): Flatten => new Flatten(args);
/** `layers.activation({ activation: 'relu' })` */
export const activation = (args: ActivationArgs): Activation => new Activation(args);
/** `layers.dropout({ rate: 0.2 })` */
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
/** `layers.reshape({ targetShape: [28, 28, 1] })` */
export const reshape = (args: ReshapeArgs): Reshape => new Reshape(args);

const BUILT_IN: ReadonlySet<unknown> = new Set([Dense, Activation, Dropout, Flatten, Reshape]);

/**
 * @internal True for layers of the library's own classes (not subclasses): they never keep a
 * reference to their input after a call, so the training loop may reuse a batch's storage.
 */
export function isBuiltInLayer(layer: Layer): boolean {
  return BUILT_IN.has(layer.constructor);
}
