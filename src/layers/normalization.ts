// BatchNormalization, Keras 3 semantics: in training, each channel is normalized with the batch's
// own mean and (biased) variance, and the moving averages move towards them with `momentum`; in
// inference (and when the layer is frozen, trainable = false) the moving averages are used.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { noGrad } from '../autograd/engine.js';
import { isFloat } from '../tensor/dtype.js';
import { Layer, layerArgs, type CallOptions, type LayerArgs, type LayerConfig, type Shape } from './layer.js';
import type { Variable } from './variable.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { ArgumentError, DtypeError, ShapeError, fmtShape } from '../errors.js';
import type { ConfigReader } from './config.js';

/** Arguments of BatchNormalization, Keras 3's names and defaults. */
export interface BatchNormalizationArgs extends LayerArgs {
  /** The channel axis (default -1, the last: channels_last images). */
  axis?: number;
  /** Weight of the old value in the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  /** Default zeros. */
  betaInitializer?: string | Initializer;
  /** Default ones. */
  gammaInitializer?: string | Initializer;
  /** Default zeros. */
  movingMeanInitializer?: string | Initializer;
  /** Default ones. */
  movingVarianceInitializer?: string | Initializer;
}

const initConfig = (i: Initializer) => ({ className: i.className, config: i.config });

/**
 * Normalizes each channel to zero mean and unit variance, then scales by gamma and shifts by beta;
 * the output has the input's shape. In training it uses the batch's statistics and moves the
 * moving averages towards them; in predict and evaluate (and when frozen) the moving averages.
 * Weights: gamma, beta (trainable), moving_mean, moving_variance (not trainable), each [channels].
 * @example layers.batchNormalization()  // after a conv2d, before its activation
 */
export class BatchNormalization extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'BatchNormalization';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<BatchNormalizationArgs>({
    axis: true, momentum: true, epsilon: true, center: true, scale: true,
    betaInitializer: true, gammaInitializer: true, movingMeanInitializer: true, movingVarianceInitializer: true,
  });
  readonly className = BatchNormalization.className;
  /** The channel axis as given (-1: the last). */
  readonly axis: number;
  /** Weight of the old value in the moving averages. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Whether beta is learned. */
  readonly center: boolean;
  /** Whether gamma is learned. */
  readonly scale: boolean;
  /** Fills beta when the layer is built. */
  readonly betaInitializer: Initializer;
  /** Fills gamma when the layer is built. */
  readonly gammaInitializer: Initializer;
  /** Fills the moving mean when the layer is built. */
  readonly movingMeanInitializer: Initializer;
  /** Fills the moving variance when the layer is built. */
  readonly movingVarianceInitializer: Initializer;
  /** Scale [channels], once built (null without `scale`). */
  gamma: Variable | null = null;
  /** Offset [channels], once built (null without `center`). */
  beta: Variable | null = null;
  /** Moving mean [channels], once built (not trainable). */
  movingMean: Variable | null = null;
  /** Moving variance [channels], once built (not trainable). */
  movingVariance: Variable | null = null;
  #axis = -1;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, 'batch_normalization');
    const who = `BatchNormalization "${this.name}"`;
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new ArgumentError(`${who}: axis must be an integer, got ${JSON.stringify(args.axis)}`);
    this.momentum = args.momentum ?? 0.99;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ArgumentError(`${who}: momentum must be a number in [0, 1], got ${JSON.stringify(args.momentum)}`);
    }
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0) || !Number.isFinite(this.epsilon)) {
      throw new ArgumentError(`${who}: epsilon must be a positive number, got ${JSON.stringify(args.epsilon)}`);
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones');
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = getInitializer(args.movingVarianceInitializer ?? 'ones');
  }

  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
  static fromConfig(r: ConfigReader, base: LayerArgs): BatchNormalization {
    r.refuseSet(['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint', 'virtual_batch_size', 'adjustment'], "nerva's BatchNormalization has no regularizers, constraints, virtual batches or adjustment");
    // Keras' fused / synchronized change how the result is computed, not what; renorm changes it.
    if (r.bool('renorm', false)) r.unsupported('renorm', 'is true; nerva has no batch renormalization');
    // tf.keras 2 writes the axis as a list of one ([3]); Keras 3 and TF.js as a number.
    const raw = r.raw('axis');
    let axis = -1;
    if (Array.isArray(raw)) {
      if (raw.length !== 1 || typeof raw[0] !== 'number' || !Number.isInteger(raw[0])) r.unsupported('axis', `is ${JSON.stringify(raw)}; nerva normalizes over one channel axis`);
      axis = raw[0] as number;
    } else axis = r.num('axis', Number.isInteger, 'an integer', -1);
    return new BatchNormalization({
      ...base,
      axis,
      momentum: r.num('momentum', (n) => n >= 0 && n <= 1, 'a number in [0, 1]', 0.99),
      epsilon: r.num('epsilon', (n) => n > 0 && Number.isFinite(n), 'a positive number', 1e-3),
      center: r.bool('center', true),
      scale: r.bool('scale', true),
      betaInitializer: r.initializer('beta_initializer', 'zeros'),
      gammaInitializer: r.initializer('gamma_initializer', 'ones'),
      movingMeanInitializer: r.initializer('moving_mean_initializer', 'zeros'),
      movingVarianceInitializer: r.initializer('moving_variance_initializer', 'ones'),
    });
  }

  override build(inputShape: Shape): void {
    const who = `BatchNormalization "${this.name}"`;
    const rank = inputShape.length;
    if (this.axis >= rank || this.axis < -rank || this.axis === 0 || this.axis === -rank) {
      throw new ShapeError(`${who}: axis ${this.axis} is not a feature axis of input [${inputShape.map((d) => d ?? 'None').join(', ')}] (axis 0 is the batch)`);
    }
    this.#axis = this.axis < 0 ? this.axis + rank : this.axis;
    const channels = inputShape[this.#axis];
    if (channels === null) throw new ShapeError(`${who}: the size of axis ${this.axis} must be known, got [${inputShape.map((d) => d ?? 'None').join(', ')}]`);
    // Keras' creation order, which is also the order of the file's weights (trainable ones first).
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], this.gammaInitializer);
    if (this.center) this.beta = this.addWeight('beta', [channels], this.betaInitializer);
    this.movingMean = this.addWeight('moving_mean', [channels], this.movingMeanInitializer, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], this.movingVarianceInitializer, false);
    this.built = true;
  }

  call(x: Tensor, opts: CallOptions): Tensor {
    const who = `BatchNormalization "${this.name}"`;
    if (!isFloat(x.dtype)) throw new DtypeError(`${who}: expects float input, got ${x.dtype} ${fmtShape(x.shape)}; cast it first (x.cast('float32'))`);
    const channels = this.movingMean!.shape[0];
    if (x.rank <= this.#axis || x.shape[this.#axis] !== channels) {
      throw new ShapeError(`${who}: expected ${channels} channels on axis ${this.axis}, got input ${fmtShape(x.shape)}`);
    }
    const common = { gamma: this.gamma?.value ?? null, beta: this.beta?.value ?? null, epsilon: this.epsilon, axis: this.#axis };
    // A frozen layer normalizes with its moving statistics even during fit (Keras 3).
    if (!opts.training || !this.trainable) return ops.batchNorm(x, this.movingMean!.value, this.movingVariance!.value, common);
    const { output, mean, variance } = ops.batchNormTraining(x, common);
    noGrad(() => {
      const m = this.momentum;
      for (const [moving, stat] of [[this.movingMean!, mean], [this.movingVariance!, variance]] as const) {
        const mv = moving.value.values;
        const sv = stat.values;
        for (let i = 0; i < mv.length; i++) mv[i] = mv[i] * m + sv[i] * (1 - m);
      }
    });
    return output;
  }

  computeOutputShape(s: Shape): Shape {
    return [...s];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initConfig(this.betaInitializer),
      gammaInitializer: initConfig(this.gammaInitializer),
      movingMeanInitializer: initConfig(this.movingMeanInitializer),
      movingVarianceInitializer: initConfig(this.movingVarianceInitializer),
      betaRegularizer: null,
      gammaRegularizer: null,
      betaConstraint: null,
      gammaConstraint: null,
    };
  }
}

