// Dense: output = activation(x · kernel + bias), applied over the last axis of x (any rank >= 2).

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { Layer, type CallOptions, type LayerArgs, type LayerConfig, type Shape } from './layer.js';
import type { Variable } from './variable.js';
import { activationName, getActivation, type ActivationFn } from '../activations.js';
import type { Initializer } from '../initializers.js';
import { getInitializer } from '../initializers.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import type { ConfigReader } from './config.js';

export interface DenseArgs extends LayerArgs {
  /** Number of outputs. */
  units: number;
  /** Activation name (default linear). */
  activation?: string;
  useBias?: boolean;
  /** Default glorot_uniform, as in Keras. */
  kernelInitializer?: string | Initializer;
  /** Default zeros. */
  biasInitializer?: string | Initializer;
}

/**
 * A fully connected layer: kernel [inputDim, units], bias [units].
 * @example new Sequential([layers.dense({ units: 1, inputShape: [1] })])
 */
export class Dense extends Layer {
  static readonly className = 'Dense';
  readonly className = Dense.className;
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  #act: ActivationFn;
  kernel: Variable | null = null;
  bias: Variable | null = null;
  #inputDim = -1;

  constructor(args: DenseArgs) {
    super(args, 'dense');
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new ArgumentError(`Dense "${this.name}": units must be a positive integer, got ${args.units}`);
    }
    this.units = args.units;
    this.activation = activationName(args.activation);
    this.#act = getActivation(this.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
  }

  override build(inputShape: Shape): void {
    const last = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || last === null) {
      throw new ShapeError(`Dense "${this.name}": needs an input of rank >= 2 with a known last dimension, got ${fmtShape(inputShape as number[])}`);
    }
    this.#inputDim = last;
    this.kernel = this.addWeight('kernel', [last, this.units], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer);
    this.built = true;
  }

  call(x: Tensor, _opts: CallOptions): Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.#inputDim) {
      throw new ShapeError(`Dense "${this.name}": expected input last dimension ${this.#inputDim}, got ${fmtShape(x.shape)}`);
    }
    const kernel = this.kernel!.value;
    const bias = this.bias ? this.bias.value : null;
    // Rank > 2 inputs apply the kernel over the last axis (Keras semantics).
    const flat = x.rank === 2 ? x : ops.reshape(x, [-1, this.#inputDim]);
    // relu and linear are fused into the Dense kernel; other activations run after it.
    const fused = this.activation === 'relu' ? 'relu' : 'linear';
    let y = ops.dense(flat, kernel, bias, fused);
    if (x.rank !== 2) y = ops.reshape(y, [...x.shape.slice(0, -1), this.units]);
    return fused === 'relu' || this.activation === 'linear' ? y : this.#act(y);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  static fromConfig(r: ConfigReader, base: LayerArgs): Dense {
    // Silently dropping these would load a model that predicts the same but trains differently.
    r.refuseSet(['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'], "nerva's Dense has no regularizers or constraints yet");
    return new Dense({
      ...base,
      units: r.num('units', (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
      activation: r.activation('activation'),
      useBias: r.bool('use_bias', true),
      kernelInitializer: r.initializer('kernel_initializer', 'glorot_uniform'),
      biasInitializer: r.initializer('bias_initializer', 'zeros'),
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: { className: this.kernelInitializer.className, config: this.kernelInitializer.config },
      biasInitializer: { className: this.biasInitializer.className, config: this.biasInitializer.config },
      kernelRegularizer: null,
      biasRegularizer: null,
      activityRegularizer: null,
      kernelConstraint: null,
      biasConstraint: null,
    };
  }
}
