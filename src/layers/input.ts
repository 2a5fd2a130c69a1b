// InputLayer: declares the model's input shape as the first element of a Sequential, the way
// Keras 3 writes `keras.Input(shape=(28, 28, 1))`. It computes nothing; Sequential keeps its shape
// and does not list it among model.layers (as Keras does).

import type { Tensor } from '../tensor/tensor.js';
import { Layer, layerArgs, type LayerArgs, type Shape } from './layer.js';
import { ArgumentError } from '../errors.js';
import type { ConfigReader } from './config.js';
import { checkOptions, describeValue, keyList } from '../options.js';

/** Arguments of `layers.input`, Keras' `keras.Input(shape=...)`. */
export interface InputArgs {
  /** Shape of one sample, without the batch dim: `[28, 28, 1]`. */
  shape: number[];
  /** A fixed batch size (default: any). */
  batchSize?: number;
  /** The InputLayer's name (default `input_layer`, `input_layer_1`, ...). */
  name?: string;
  /** Only 'float32'. */
  dtype?: 'float32';
}

/**
 * The input of a Sequential model. Made by `layers.input({ shape })` (Keras' `keras.Input`) or
 * `layers.inputLayer({ inputShape })` (TF.js' name).
 * @example new Sequential([layers.input({ shape: [28, 28, 1] }), layers.flatten(), layers.dense({ units: 10 })])
 */
export class InputLayer extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'InputLayer';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<LayerArgs>({});
  readonly className = InputLayer.className;

  constructor(args: LayerArgs = {}) {
    super(args, 'input_layer');
    if (!this.batchInputShape) throw new ArgumentError(`InputLayer "${this.name}": needs inputShape or batchInputShape`);
    this.built = true;
  }

  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
  static fromConfig(r: ConfigReader, base: LayerArgs): InputLayer {
    if (!base.batchInputShape) r.fail('batch_input_shape', 'is missing: an InputLayer must give its shape (batch_input_shape or batch_shape)');
    if (r.bool('sparse', false)) r.unsupported('sparse', 'is true; nerva has no sparse tensors');
    if (r.bool('ragged', false)) r.unsupported('ragged', 'is true; nerva has no ragged tensors');
    return new InputLayer(base);
  }

  call(x: Tensor): Tensor {
    return x;
  }

  computeOutputShape(s: Shape): Shape {
    return [...s];
  }
}

const INPUT_ARGS = keyList<InputArgs>({ shape: true, batchSize: true, name: true, dtype: true });

/**
 * Keras' `keras.Input(shape=...)` for a Sequential: an InputLayer declaring the shape of one sample.
 * Put it first; the model is then built at once (summary works before fit).
 * @example new Sequential([layers.input({ shape: [28, 28, 1] }), layers.conv2d({ filters: 32, kernelSize: 3 })])
 */
export function input(args: InputArgs): InputLayer {
  const example = '{ shape: [...] } (the shape of one sample, e.g. { shape: [28, 28, 1] })';
  if (args === undefined) throw new ArgumentError(`layers.input: expected ${example}, got nothing`);
  checkOptions('layers.input', args, INPUT_ARGS, { example });
  if (!Array.isArray(args.shape)) throw new ArgumentError(`layers.input: expected ${example}, got shape ${describeValue(args.shape)}`);
  if (args.batchSize !== undefined && !(Number.isInteger(args.batchSize) && args.batchSize > 0)) {
    throw new ArgumentError(`layers.input: batchSize must be a positive integer, got ${describeValue(args.batchSize)}`);
  }
  return new InputLayer({
    batchInputShape: [args.batchSize ?? null, ...args.shape],
    ...(args.name !== undefined ? { name: args.name } : {}),
    ...(args.dtype !== undefined ? { dtype: args.dtype } : {}),
  });
}
