// Conv2D: output = activation(conv2d(x, kernel) + bias) over NHWC images (channels_last, Keras' and
// TF.js' default), kernel HWIO [kernelHeight, kernelWidth, inChannels, filters].

import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import type { Padding, Size2d } from '../ops/conv.js';
import { Layer, layerArgs, type CallOptions, type LayerArgs, type LayerConfig, type Shape } from './layer.js';
import type { Variable } from './variable.js';
import { resolveActivation, type ActivationFn } from '../activations.js';
import { bool, describeValue, positiveInt } from '../options.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { ArgumentError, ShapeError, UnsupportedError, fmtShape } from '../errors.js';
import type { ConfigReader } from './config.js';

export type { Size2d };

/** Arguments of Conv2D (`layers.conv2d`), Keras' names in camelCase and Keras' defaults. */
export interface Conv2DArgs extends LayerArgs {
  /** Number of output channels (filters). */
  filters: number;
  /** Window size: one number for a square window, or [height, width]. */
  kernelSize: Size2d;
  /** Step of the window (default 1). */
  strides?: Size2d;
  /** 'valid' (default, no padding) or 'same' (output size ceil(input / stride)). */
  padding?: Padding;
  /** Only 'channels_last' (NHWC), Keras' default; 'channels_first' is refused. */
  dataFormat?: 'channels_last';
  /** Spacing between kernel taps (default 1); cannot be combined with strides > 1, as in Keras. */
  dilationRate?: Size2d;
  /** Activation name (default linear); relu runs fused in the convolution kernel. */
  activation?: string;
  /** Add a learned bias per filter (default true). */
  useBias?: boolean;
  /** Default glorot_uniform, as in Keras (TF.js defaults to glorot_normal). */
  kernelInitializer?: string | Initializer;
  /** Default zeros. */
  biasInitializer?: string | Initializer;
}

/** @internal A [height, width] pair of whole numbers >= 1, checked with an error naming the layer. */
export function pairOf(who: string, name: string, v: unknown, dflt?: [number, number]): [number, number] {
  if (v === undefined && dflt) return dflt;
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : null;
  if (!pair || pair.length !== 2 || !pair.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(`${who}: ${name} must be a whole number >= 1 or a pair of them, got ${JSON.stringify(v) ?? String(v)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

/** @internal Checks a padding mode; Keras' 'causal' exists for Conv1D only. */
export function paddingOf(who: string, v: unknown): Padding {
  if (v === undefined || v === 'valid' || v === 'same') return (v ?? 'valid') as Padding;
  if (v === 'causal') throw new UnsupportedError(`${who}: padding 'causal' is for 1-D convolutions (Conv1D); a 2-D layer takes 'valid' or 'same'`);
  throw new ArgumentError(`${who}: padding must be 'valid' or 'same', got ${JSON.stringify(v) ?? String(v)}`);
}

/** @internal Refuses channels_first: nerva computes images as [batch, height, width, channels]. */
export function channelsLast(who: string, v: unknown): void {
  if (v === undefined || v === null || v === 'channels_last') return;
  if (v === 'channels_first') {
    throw new UnsupportedError(`${who}: dataFormat 'channels_first' is not supported; nerva takes images as [batch, height, width, channels] (channels_last): transpose with x.transpose([0, 2, 3, 1])`);
  }
  throw new ArgumentError(`${who}: dataFormat must be 'channels_last', got ${JSON.stringify(v)}`);
}

/** @internal Rank-4 [batch, height, width, channels] or an error naming the layer, with the usual fix. */
export function checkImages(who: string, shape: readonly (number | null)[]): void {
  if (shape.length === 4) return;
  const dims = shape.map((d) => d ?? 'None').join(', ');
  const hint = shape.length === 3
    ? `; add the channel axis, e.g. reshape([n, ${shape.slice(1).map((d) => d ?? -1).join(', ')}, 1]) or inputShape [${shape.slice(1).map((d) => d ?? 'None').join(', ')}, 1]`
    : '';
  throw new ShapeError(`${who}: expected images of rank 4 [batch, height, width, channels], got [${dims}]${hint}`);
}

/**
 * @internal [batch, outHeight, outWidth] of a window sliding over images of `inputShape` (unknown
 * sizes stay null); refuses a (dilated) window larger than the input under 'valid' padding.
 */
export function windowOutput(
  who: string,
  inputShape: Shape,
  size: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number],
  padding: Padding,
  what: string,
): [number | null, number | null, number | null] {
  checkImages(who, inputShape);
  const out = (n: number | null, axis: 0 | 1): number | null => {
    if (n === null) return null;
    const span = (size[axis] - 1) * dilation[axis] + 1;
    if (padding === 'same') return Math.ceil(n / strides[axis]);
    if (span > n) {
      const dilated = dilation.some((d) => d > 1) ? ` (${(size[0] - 1) * dilation[0] + 1} x ${(size[1] - 1) * dilation[1] + 1} with dilation)` : '';
      throw new ShapeError(
        `${who}: the ${what} ${size[0]} x ${size[1]}${dilated} is larger than the input's ${inputShape[1] ?? 'None'} x ${inputShape[2] ?? 'None'} positions ` +
          `(input [${inputShape.map((d) => d ?? 'None').join(', ')}], padding 'valid'); use a smaller ${what} or padding 'same'`,
      );
    }
    return Math.floor((n - span) / strides[axis]) + 1;
  };
  return [inputShape[0], out(inputShape[1], 0), out(inputShape[2], 1)];
}

/**
 * 2-D convolution over images, Keras' Conv2D: x [batch, height, width, channels] -> [batch,
 * outHeight, outWidth, filters], with kernel [kernelHeight, kernelWidth, channels, filters] and
 * bias [filters]. Per spatial axis, 'valid' padding gives floor((size - kernel) / stride) + 1
 * (the kernel's dilated extent with dilationRate), 'same' gives ceil(size / stride). A rank-3
 * input is refused with the reshape that fixes it.
 * @example
 * const model = new Sequential([
 *   layers.input({ shape: [28, 28, 1] }),
 *   layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),  // -> [None, 26, 26, 32]
 * ]);
 */
export class Conv2D extends Layer {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static readonly className = 'Conv2D';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<Conv2DArgs>({
    filters: true, kernelSize: true, strides: true, padding: true, dataFormat: true, dilationRate: true,
    activation: true, useBias: true, kernelInitializer: true, biasInitializer: true,
  });
  readonly className = Conv2D.className;
  /** Output channels. */
  readonly filters: number;
  /** [height, width] of the window. */
  readonly kernelSize: [number, number];
  /** [height, width] step of the window. */
  readonly strides: [number, number];
  /** 'valid' or 'same'. */
  readonly padding: Padding;
  /** [height, width] spacing between kernel taps. */
  readonly dilationRate: [number, number];
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
  /** [kernelHeight, kernelWidth, channels, filters], once built. */
  kernel: Variable | null = null;
  /** [filters], once built (null without useBias). */
  bias: Variable | null = null;
  #inChannels = -1;

  constructor(args: Conv2DArgs = {} as Conv2DArgs) {
    super(args, 'conv2d');
    const who = `Conv2D "${this.name}"`;
    this.filters = positiveInt(who, 'filters', args.filters);
    if (args.kernelSize === undefined) throw new ArgumentError(`${who}: kernelSize is required, e.g. { filters: ${args.filters}, kernelSize: 3 }`);
    this.kernelSize = pairOf(who, 'kernelSize', args.kernelSize);
    this.strides = pairOf(who, 'strides', args.strides, [1, 1]);
    this.padding = paddingOf(who, args.padding);
    channelsLast(who, args.dataFormat);
    this.dilationRate = pairOf(who, 'dilationRate', args.dilationRate, [1, 1]);
    if (this.dilationRate.some((d) => d > 1) && this.strides.some((s) => s > 1)) {
      throw new ArgumentError(`${who}: strides > 1 cannot be combined with dilationRate > 1 (as in Keras), got strides [${this.strides}] and dilationRate [${this.dilationRate}]`);
    }
    const act = resolveActivation(who, args.activation);
    this.activation = act.name ?? 'custom';
    this.#customActivation = act.name === null;
    this.#act = act.fn;
    this.useBias = args.useBias === undefined ? true : bool(who, 'useBias', args.useBias);
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
  }

  /** @internal Builds the layer from a saved (snake_case) config; loadModel uses it. */
  static fromConfig(r: ConfigReader, base: LayerArgs): Conv2D {
    r.refuseSet(['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint', 'lora_rank'], "nerva's Conv2D has no regularizers, constraints or LoRA yet");
    r.oneOf('data_format', ['channels_last'], 'channels_last');
    if (r.num('groups', (n) => Number.isInteger(n) && n >= 1, 'a positive integer', 1) !== 1) r.unsupported('groups', 'is not 1; nerva has no grouped convolutions yet');
    return new Conv2D({
      ...base,
      filters: r.num('filters', (n) => Number.isInteger(n) && n > 0, 'a positive integer'),
      kernelSize: r.pair('kernel_size'),
      strides: r.pair('strides', [1, 1]),
      padding: r.oneOf('padding', ['valid', 'same'] as const, 'valid'),
      dilationRate: r.pair('dilation_rate', [1, 1]),
      activation: r.activation('activation'),
      useBias: r.bool('use_bias', true),
      kernelInitializer: r.initializer('kernel_initializer', 'glorot_uniform'),
      biasInitializer: r.initializer('bias_initializer', 'zeros'),
    });
  }

  override build(inputShape: Shape): void {
    const who = `Conv2D "${this.name}"`;
    checkImages(who, inputShape);
    const channels = inputShape[3];
    if (channels === null) throw new ShapeError(`${who}: the channel dimension of the input must be known, got [${inputShape.map((d) => d ?? 'None').join(', ')}]`);
    this.computeOutputShape(inputShape); // refuses a kernel larger than the (padded) input
    this.#inChannels = channels;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer);
    this.built = true;
  }

  call(x: Tensor, _opts: CallOptions): Tensor {
    const who = `Conv2D "${this.name}"`;
    checkImages(who, x.shape);
    if (x.shape[3] !== this.#inChannels) {
      throw new ShapeError(`${who}: expected ${this.#inChannels} input channels (the last axis), got ${fmtShape(x.shape)}`);
    }
    // relu and linear are fused into the convolution kernel; other activations run after it.
    const fused = this.activation === 'relu' ? 'relu' : 'linear';
    let y: Tensor;
    try {
      y = ops.conv2d(x, this.kernel!.value, {
        bias: this.bias ? this.bias.value : null,
        strides: this.strides,
        padding: this.padding,
        dilationRate: this.dilationRate,
        activation: fused,
      });
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`${who}: ${e.message}`);
      throw e;
    }
    if (fused === 'relu' || this.activation === 'linear') return y;
    const out = this.#act(y);
    if (this.#customActivation && !(out instanceof Tensor)) throw new ArgumentError(`${who}: the activation function returned ${describeValue(out)}, expected a Tensor`);
    return out;
  }

  computeOutputShape(inputShape: Shape): Shape {
    const who = `Conv2D "${this.name}"`;
    const [b, h, w] = windowOutput(who, inputShape, this.kernelSize, this.strides, this.dilationRate, this.padding, 'kernel');
    return [b, h, w, this.filters];
  }

  override getConfig(): LayerConfig {
    if (this.#customActivation) {
      throw new ArgumentError(`Conv2D "${this.name}": its activation is a function of your own, which a saved model cannot hold (the format names activations); use a name (relu, sigmoid, ...) or one of nerva's activation ops to save it`);
    }
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: 'channels_last',
      dilationRate: [...this.dilationRate],
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
