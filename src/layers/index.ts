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
export type { LayerArgs, Shape, CallOptions, LayerConfig } from './layer.js';
export { Dense, Activation, Dropout, Flatten, Reshape, InputLayer };
export type { DenseArgs, ActivationArgs, DropoutArgs, ReshapeArgs, InputArgs };
export { Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization };
export type { Conv2DArgs, Pooling2DArgs, GlobalPooling2DArgs, BatchNormalizationArgs };

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

/** `layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' })`: images [batch, h, w, c] -> [batch, h', w', filters]. */
export const conv2d = (args: Conv2DArgs): Conv2D => new Conv2D(args);
/** `layers.maxPooling2d({ poolSize: 2 })`: the maximum of each 2 x 2 window. */
export const maxPooling2d = (args: Pooling2DArgs = {}): MaxPooling2D => new MaxPooling2D(args);
/** `layers.averagePooling2d({ poolSize: 2 })`: the mean of each window (TF.js also calls it avgPool2d). */
export const averagePooling2d = (args: Pooling2DArgs = {}): AveragePooling2D => new AveragePooling2D(args);
/** TF.js' other name for averagePooling2d. */
export const avgPool2d = averagePooling2d;
/** `layers.globalAveragePooling2d()`: [batch, h, w, c] -> [batch, c], the mean of each channel. */
export const globalAveragePooling2d = (args: GlobalPooling2DArgs = {}): GlobalAveragePooling2D => new GlobalAveragePooling2D(args);
/** `layers.globalMaxPooling2d()`: [batch, h, w, c] -> [batch, c], the maximum of each channel. */
export const globalMaxPooling2d = (args: GlobalPooling2DArgs = {}): GlobalMaxPooling2D => new GlobalMaxPooling2D(args);
/** `layers.batchNormalization()`: per-channel normalization with learned scale and offset. */
export const batchNormalization = (args: BatchNormalizationArgs = {}): BatchNormalization => new BatchNormalization(args);
