// Layers without weights: Flatten, Activation, Dropout, Reshape.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { nextFloat } from '../tensor/random.js';
import { Tensor as TensorClass } from '../tensor/tensor.js';
import { Layer, layerArgs, type CallOptions, type LayerArgs, type LayerConfig, type Shape } from './layer.js';
import { resolveActivation, type ActivationFn } from '../activations.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import type { ConfigReader } from './config.js';
import { describeValue } from '../options.js';

/**
 * Flattens every dim but the batch: [batch, 28, 28] -> [batch, 784]. No weights.
 * @example layers.flatten({ inputShape: [28, 28] }) // the first layer of the MNIST model
 */
export class Flatten extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'Flatten';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<LayerArgs>({});
  readonly className = Flatten.className;
  constructor(args: LayerArgs = {}) {
    super(args, 'flatten');
  }
  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
  static fromConfig(r: ConfigReader, base: LayerArgs): Flatten {
    // channels_first moves the channel axis last before flattening: a different weight order.
    r.oneOf('data_format', ['channels_last'], 'channels_last');
    return new Flatten(base);
  }
  call(x: Tensor): Tensor {
    if (x.rank < 1) throw new ShapeError(`Flatten "${this.name}": needs a batch dimension, got a scalar`);
    return ops.reshape(x, [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }
  computeOutputShape(s: Shape): Shape {
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d === null) ? null : (rest as number[]).reduce((a, b) => a * b, 1)];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: 'channels_last' };
  }
}

/** Arguments of Activation. */
export interface ActivationArgs extends LayerArgs {
  /** A name ('relu', ...) or a function of a tensor (one of your own cannot be saved). */
  activation: string | ActivationFn;
}

/**
 * Applies an activation by name ('relu', 'softmax', ...; see DenseArgs.activation) as its own
 * layer; the output has the input's shape. No weights.
 * @example layers.activation({ activation: 'softmax' })
 */
export class Activation extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'Activation';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<ActivationArgs>({ activation: true });
  readonly className = Activation.className;
  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
  static fromConfig(r: ConfigReader, base: LayerArgs): Activation {
    return new Activation({ ...base, activation: r.activation('activation') });
  }
  /** The activation's name; 'custom' for a function nerva does not know (such a layer cannot be saved). */
  readonly activation: string;
  #fn: ActivationFn;
  #custom: boolean;
  constructor(args: ActivationArgs = {} as ActivationArgs) {
    super(args, 'activation');
    if (args.activation === undefined) throw new ArgumentError(`Activation "${this.name}": activation is required, e.g. layers.activation({ activation: 'relu' })`);
    const act = resolveActivation(`Activation "${this.name}"`, args.activation);
    this.activation = act.name ?? 'custom';
    this.#custom = act.name === null;
    this.#fn = act.fn;
  }
  call(x: Tensor): Tensor {
    const y = this.#fn(x);
    if (this.#custom && !(y instanceof TensorClass)) throw new ArgumentError(`Activation "${this.name}": the activation function returned ${describeValue(y)}, expected a Tensor`);
    return y;
  }
  computeOutputShape(s: Shape): Shape {
    return [...s];
  }
  override getConfig(): LayerConfig {
    if (this.#custom) {
      throw new ArgumentError(`Activation "${this.name}": its activation is a function of your own, which a saved model cannot hold (the format names activations); use a name (relu, sigmoid, ...) to save it`);
    }
    return { ...super.getConfig(), activation: this.activation };
  }
}

/** Arguments of Dropout. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of inputs to drop, in [0, 1). */
  rate: number;
}

/**
 * Zeroes a `rate` fraction of inputs during training and scales the rest by 1/(1-rate), so nothing
 * changes at inference (predict and evaluate pass values through). Masks come from the seeded
 * generator. The output has the input's shape; no weights.
 * @example layers.dropout({ rate: 0.2 })
 */
export class Dropout extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'Dropout';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<DropoutArgs>({ rate: true });
  readonly className = Dropout.className;
  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
  static fromConfig(r: ConfigReader, base: LayerArgs): Dropout {
    const rate = r.num('rate', (n) => n >= 0 && n < 1, 'a number in [0, 1)');
    if (r.has('noise_shape')) r.unsupported('noise_shape', `is ${JSON.stringify(r.raw('noise_shape'))}; nerva's Dropout draws one mask value per element`);
    return new Dropout({ ...base, rate });
  }
  /** The fraction dropped in training. */
  readonly rate: number;
  constructor(args: DropoutArgs = {} as DropoutArgs) {
    super(args, 'dropout');
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new ArgumentError(`Dropout "${this.name}": rate must be a number in [0, 1), got ${describeValue(args.rate)}`);
    }
    this.rate = args.rate;
  }
  call(x: Tensor, opts: CallOptions): Tensor {
    if (!opts.training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    const mask = ops.zeros(x.shape, x.dtype);
    for (let i = 0; i < mask.size; i++) mask.values[i] = nextFloat() < keep ? 1 / keep : 0;
    return ops.mul(x, mask);
  }
  computeOutputShape(s: Shape): Shape {
    return [...s];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, noiseShape: null, seed: null };
  }
}

/** Arguments of Reshape. */
export interface ReshapeArgs extends LayerArgs {
  /** Target shape without the batch dim; one entry may be -1. */
  targetShape: number[];
}

/**
 * Reshapes each sample: [batch, ...] -> [batch, ...targetShape]; the number of values per sample
 * must stay the same (ShapeError when the model is built otherwise). No weights.
 * @example layers.reshape({ targetShape: [28, 28, 1] }) // [batch, 784] -> [batch, 28, 28, 1]
 */
export class Reshape extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'Reshape';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<ReshapeArgs>({ targetShape: true });
  readonly className = Reshape.className;
  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
  static fromConfig(r: ConfigReader, base: LayerArgs): Reshape {
    return new Reshape({ ...base, targetShape: r.intList('target_shape', false) as number[] });
  }
  /** The shape of each output sample (may hold one -1). */
  readonly targetShape: number[];
  constructor(args: ReshapeArgs = {} as ReshapeArgs) {
    super(args, 'reshape');
    const t = args.targetShape;
    if (!Array.isArray(t) || t.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1)) || t.filter((d) => d === -1).length > 1) {
      throw new ArgumentError(`Reshape "${this.name}": targetShape must be a list of positive integers with at most one -1, got ${describeValue(t)}`);
    }
    this.targetShape = [...t];
  }
  /** Refuses, when the model is built, a target shape that cannot hold the input's values. */
  override build(inputShape: Shape): void {
    const rest = inputShape.slice(1);
    if (!rest.some((d) => d === null)) {
      const per = (rest as number[]).reduce((a, b) => a * b, 1);
      const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const fits = this.targetShape.includes(-1) ? per % known === 0 : per === known;
      if (!fits) {
        throw new ShapeError(`Reshape "${this.name}": cannot reshape input [None, ${rest.join(', ')}] (${per} values per sample) to [None, ${this.targetShape.join(', ')}]`);
      }
    }
    this.built = true;
  }

  call(x: Tensor): Tensor {
    const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if ((this.targetShape.includes(-1) && per % known !== 0) || (!this.targetShape.includes(-1) && per !== known)) {
      throw new ShapeError(`Reshape "${this.name}": cannot reshape input ${fmtShape(x.shape)} to [batch, ${this.targetShape.join(', ')}]`);
    }
    return ops.reshape(x, [x.shape[0], ...this.targetShape]);
  }
  computeOutputShape(s: Shape): Shape {
    const rest = s.slice(1);
    if (!this.targetShape.includes(-1)) return [s[0], ...this.targetShape];
    if (rest.some((d) => d === null)) return [s[0], ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const per = (rest as number[]).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return [s[0], ...this.targetShape.map((d) => (d === -1 ? per / known : d))];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}
