// The `layers` namespace: Keras-style factories (`layers.dense({ units: 10 })`) and the classes.
// Every class registered in ./registry.ts has a factory here named like TF.js's (a test checks it).

import { Dense, type DenseArgs } from './dense.js';
import { Activation, Dropout, Flatten, Reshape, type ActivationArgs, type DropoutArgs, type ReshapeArgs } from './simple.js';
import { InputLayer, input, type InputArgs } from './input.js';
import type { LayerArgs } from './layer.js';

export { Layer } from './layer.js';
export type { LayerArgs, Shape, CallOptions, LayerConfig } from './layer.js';
export { Dense, Activation, Dropout, Flatten, Reshape, InputLayer };
export type { DenseArgs, ActivationArgs, DropoutArgs, ReshapeArgs, InputArgs };

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
/** `layers.inputLayer({ inputShape: [28, 28, 1] })` (TF.js' name; Keras 3 users write `layers.input`). */
export const inputLayer = (args: LayerArgs): InputLayer => new InputLayer(args);
export { input };
