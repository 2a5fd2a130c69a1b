// The `layers` namespace: Keras-style factories (`layers.dense({ units: 10 })`) and the classes.
// Every class registered in ./registry.ts has a factory here named like TF.js's (a test checks it).

import { Dense, type DenseArgs } from './dense.js';
import { Activation, Dropout, Flatten, Reshape, type ActivationArgs, type DropoutArgs, type ReshapeArgs } from './simple.js';
import { InputLayer, input, type InputArgs } from './input.js';
import type { LayerArgs } from './layer.js';
import { Conv2D, type Conv2DArgs } from './conv.js';
import {
  AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type GlobalPooling2DArgs, type Pooling2DArgs,
} from './pooling.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';

export { Layer } from './layer.js';
export type { LayerArgs, Shape, CallOptions, LayerConfig, JsonValue } from './layer.js';
export type { ActivationFn } from '../activations.js';
export { Dense, Activation, Dropout, Flatten, Reshape, InputLayer };
export type { DenseArgs, ActivationArgs, DropoutArgs, ReshapeArgs, InputArgs };
export { Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization };
export type { Conv2DArgs, Pooling2DArgs, GlobalPooling2DArgs, BatchNormalizationArgs };

/**
 * A {@link Dense} layer: [batch, inputDim] -> [batch, units].
 * @example layers.dense({ units: 128, activation: 'relu' })
 */
export const dense = (args: DenseArgs): Dense => new Dense(args);
/**
 * A {@link Flatten} layer: [batch, ...] -> [batch, product of the rest].
 * @example layers.flatten({ inputShape: [28, 28] }) // [batch, 28, 28] -> [batch, 784]
 */
export const flatten = (args: LayerArgs = {}): Flatten => new Flatten(args);
/**
 * An {@link Activation} layer: applies an activation by name.
 * @example layers.activation({ activation: 'relu' })
 */
export const activation = (args: ActivationArgs): Activation => new Activation(args);
/**
 * A {@link Dropout} layer: drops a `rate` fraction of inputs in training only.
 * @example layers.dropout({ rate: 0.2 })
 */
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
/**
 * A {@link Reshape} layer: [batch, ...] -> [batch, ...targetShape].
 * @example layers.reshape({ targetShape: [28, 28, 1] })
 */
export const reshape = (args: ReshapeArgs): Reshape => new Reshape(args);
/**
 * An {@link InputLayer} from `inputShape` or `batchInputShape` (TF.js' name; Keras 3 users write `layers.input`).
 * @example layers.inputLayer({ inputShape: [28, 28, 1] })
 */
export const inputLayer = (args: LayerArgs): InputLayer => new InputLayer(args);
export { input };

/**
 * A {@link Conv2D} layer: images [batch, h, w, c] -> [batch, h', w', filters].
 * @example layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }) // [batch, 28, 28, 1] -> [batch, 26, 26, 32]
 */
export const conv2d = (args: Conv2DArgs): Conv2D => new Conv2D(args);
/**
 * A {@link MaxPooling2D} layer: the maximum of each window (default 2 x 2, stride 2).
 * @example layers.maxPooling2d({ poolSize: 2 }) // [batch, 26, 26, 32] -> [batch, 13, 13, 32]
 */
export const maxPooling2d = (args: Pooling2DArgs = {}): MaxPooling2D => new MaxPooling2D(args);
/**
 * An {@link AveragePooling2D} layer: the mean of each window (TF.js also calls it avgPool2d).
 * @example layers.averagePooling2d({ poolSize: 2 })
 */
export const averagePooling2d = (args: Pooling2DArgs = {}): AveragePooling2D => new AveragePooling2D(args);
/** TF.js' other name for {@link averagePooling2d}. @example layers.avgPool2d({ poolSize: 2 }) */
export const avgPool2d = averagePooling2d;
/**
 * A {@link GlobalAveragePooling2D} layer: [batch, h, w, c] -> [batch, c], the mean of each channel.
 * @example layers.globalAveragePooling2d()
 */
export const globalAveragePooling2d = (args: GlobalPooling2DArgs = {}): GlobalAveragePooling2D => new GlobalAveragePooling2D(args);
/**
 * A {@link GlobalMaxPooling2D} layer: [batch, h, w, c] -> [batch, c], the maximum of each channel.
 * @example layers.globalMaxPooling2d()
 */
export const globalMaxPooling2d = (args: GlobalPooling2DArgs = {}): GlobalMaxPooling2D => new GlobalMaxPooling2D(args);
/**
 * A {@link BatchNormalization} layer: per-channel normalization with learned scale and offset.
 * @example layers.batchNormalization() // after a conv2d
 */
export const batchNormalization = (args: BatchNormalizationArgs = {}): BatchNormalization => new BatchNormalization(args);
