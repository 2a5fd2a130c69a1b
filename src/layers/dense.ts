// Dense: output = activation(x · kernel + bias), applied over the last axis of x (any rank >= 2).

import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { Layer, layerArgs, type CallOptions, type LayerArgs, type LayerConfig, type Shape } from './layer.js';
import type { Variable } from './variable.js';
import { resolveActivation, type ActivationFn } from '../activations.js';
import type { Initializer } from '../initializers.js';
import { getInitializer } from '../initializers.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import type { ConfigReader } from './config.js';
import { positiveInt, bool, describeValue } from '../options.js';

/** Arguments of Dense (`layers.dense`), Keras' names in camelCase and Keras' defaults. */
export interface DenseArgs extends LayerArgs {
  /** Number of outputs, a positive integer. */
  units: number;
  /**
   * Activation name (default linear), or a function of a tensor: one of nerva's ops (`relu`) is
   * the named activation; any other function works but the model cannot be saved.
   */
  activation?: string | ActivationFn;
  /** Add a learned bias (default true). */
  useBias?: boolean;
  /** Default glorot_uniform, as in Keras. */
  kernelInitializer?: string | Initializer;
  /** Default zeros. */
  biasInitializer?: string | Initializer;
}

/**
 * A fully connected layer, Keras' Dense: `activation(x · kernel + bias)` with kernel
 * [inputDim, units] and bias [units], over the last axis: x [batch, inputDim] -> [batch, units]
 * (and [batch, ..., inputDim] -> [batch, ..., units]). relu and linear run fused in one kernel.
 * ShapeError names the layer when the input's last dim is not inputDim.
 * @example new Sequential([layers.dense({ units: 1, inputShape: [1] })]) // y = w·x + b
 * @example layers.dense({ units: 128, activation: 'relu' }) // [batch, 784] -> [batch, 128]
 */
export class Dense extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'Dense';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<DenseArgs>({ units: true, activation: true, useBias: true, kernelInitializer: true, biasInitializer: true });
  readonly className = Dense.className;
  /** Number of outputs. */
  readonly units: number;
  /** The activation's name; 'custom' for a function nerva does not know (such a layer cannot be saved). */
  readonly activation: string;
  #customActivation: boolean;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** Fills the kernel when the layer is built. */
  readonly kernelInitializer: Initializer;
  /** Fills the bias when the layer is built. */
  readonly biasInitializer: Initializer;
  #act: ActivationFn;
  /** [inputDim, units], once built. */
  kernel: Variable | null = null;
  /** [units], once built (null without useBias). */
  bias: Variable | null = null;
  #inputDim = -1;

  constructor(args: DenseArgs = {} as DenseArgs) {
    super(args, 'dense');
    const who = `Dense "${this.name}"`;
    this.units = positiveInt(who, 'units', args.units);
    const act = resolveActivation(who, args.activation);
    this.activation = act.name ?? 'custom';
    this.#customActivation = act.name === null;
    this.#act = act.fn;
    this.useBias = args.useBias === undefined ? true : bool(who, 'useBias', args.useBias);
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
  }

  override build(inputShape: Shape): void {
    const last = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || last === null) {
      const hint = inputShape.length >= 2 ? ': the last dimension is the number of features, e.g. inputShape: [3]' : '';
      throw new ShapeError(`Dense "${this.name}": needs an input of rank >= 2 with a known last dimension, got input shape ${fmtShape(inputShape)}${hint}`);
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
    if (fused === 'relu' || this.activation === 'linear') return y;
    const out = this.#act(y);
    if (this.#customActivation && !(out instanceof Tensor)) throw new ArgumentError(`Dense "${this.name}": the activation function returned ${describeValue(out)}, expected a Tensor`);
    return out;
  }

  /** @internal First in a model, Dense takes any rank >= 2 with the right last dimension (Keras semantics). */
  override checkModelInput(shape: readonly number[], expected: Shape): string | null {
    const last = expected[expected.length - 1];
    if (shape.length >= 2 && (last === null || shape[shape.length - 1] === last)) return null;
    return `Dense "${this.name}": expected input last dimension ${last}, got ${fmtShape(shape)}`;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
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
    if (this.#customActivation) {
      throw new ArgumentError(`Dense "${this.name}": its activation is a function of your own, which a saved model cannot hold (the format names activations); use a name (relu, sigmoid, ...) or one of nerva's activation ops to save it`);
    }
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
