// Pooling layers over NHWC images: MaxPooling2D and AveragePooling2D (a window sliding with strides,
// default the pool size), GlobalAveragePooling2D and GlobalMaxPooling2D (one value per channel).

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import type { Padding } from '../ops/conv.js';
import { Layer, layerArgs, type LayerArgs, type LayerConfig, type Shape } from './layer.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { ConfigReader } from './config.js';
import { channelsLast, checkImages, pairOf, paddingOf, windowOutput, type Size2d } from './conv.js';

/** Arguments of MaxPooling2D and AveragePooling2D, Keras' names and defaults. */
export interface Pooling2DArgs extends LayerArgs {
  /** Window size (default 2: a 2 x 2 window). */
  poolSize?: Size2d;
  /** Step of the window (default: the pool size). */
  strides?: Size2d | null;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
  /** Only 'channels_last'. */
  dataFormat?: 'channels_last';
}

/** What MaxPooling2D and AveragePooling2D share: the window and its checks. */
abstract class Pooling2D extends Layer {
  /** Set by each subclass: named in messages before the instance's fields exist. */
  declare static readonly className: string;
  /** [height, width] of the window. */
  readonly poolSize: [number, number];
  /** [height, width] step of the window. */
  readonly strides: [number, number];
  /** 'valid' or 'same'. */
  readonly padding: Padding;
  protected abstract pool(x: Tensor): Tensor;

  constructor(args: Pooling2DArgs, base: string) {
    super(args, base);
    const who = `${new.target.className} "${this.name}"`;
    this.poolSize = pairOf(who, 'poolSize', args.poolSize, [2, 2]);
    this.strides = args.strides === null || args.strides === undefined ? this.poolSize : pairOf(who, 'strides', args.strides);
    this.padding = paddingOf(who, args.padding);
    channelsLast(who, args.dataFormat);
  }

  /** @internal Builds the layer (of the class it is called on) from a saved (snake_case) config; loadModel uses it. */
  static fromConfig<T extends Pooling2D>(this: new (args: Pooling2DArgs) => T, r: ConfigReader, base: LayerArgs): T {
    r.oneOf('data_format', ['channels_last'], 'channels_last');
    const poolSize = r.pair('pool_size', [2, 2]);
    return new this({ ...base, poolSize, strides: r.has('strides') ? r.pair('strides') : poolSize, padding: r.oneOf('padding', ['valid', 'same'] as const, 'valid') });
  }

  private get who(): string {
    return `${this.className} "${this.name}"`;
  }

  call(x: Tensor): Tensor {
    checkImages(this.who, x.shape);
    this.computeOutputShape([null, ...x.shape.slice(1)]);
    return this.pool(x);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const [b, h, w] = windowOutput(this.who, inputShape, this.poolSize, this.strides, [1, 1], this.padding, 'pool window');
    return [b, h, w, inputShape[3]];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: [...this.poolSize], padding: this.padding, strides: [...this.strides], dataFormat: 'channels_last' };
  }
}

/**
 * The maximum of each window, per channel: Keras' MaxPooling2D.
 * @example layers.maxPooling2d({ poolSize: 2 }) // [None, 26, 26, 32] -> [None, 13, 13, 32]
 */
export class MaxPooling2D extends Pooling2D {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static override readonly className = 'MaxPooling2D';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<Pooling2DArgs>({ poolSize: true, strides: true, padding: true, dataFormat: true });
  readonly className = MaxPooling2D.className;
  constructor(args: Pooling2DArgs = {}) {
    super(args, 'max_pooling2d');
  }
  protected pool(x: Tensor): Tensor {
    return ops.maxPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }
}

/**
 * The mean of each window, per channel (with 'same' padding, over the window's real positions
 * only, as in Keras and TF): Keras' AveragePooling2D.
 * @example layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' })
 */
export class AveragePooling2D extends Pooling2D {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static override readonly className = 'AveragePooling2D';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<Pooling2DArgs>({ poolSize: true, strides: true, padding: true, dataFormat: true });
  readonly className = AveragePooling2D.className;
  constructor(args: Pooling2DArgs = {}) {
    super(args, 'average_pooling2d');
  }
  protected pool(x: Tensor): Tensor {
    return ops.avgPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding });
  }
}

/** Arguments of GlobalAveragePooling2D and GlobalMaxPooling2D. */
export interface GlobalPooling2DArgs extends LayerArgs {
  /** Keep the spatial axes as size 1: [batch, 1, 1, channels] (default false: [batch, channels]). */
  keepdims?: boolean;
  /** Only 'channels_last'. */
  dataFormat?: 'channels_last';
}

/** What the two global poolings share: reduce height and width away. */
abstract class GlobalPooling2D extends Layer {
  declare static readonly className: string;
  /** Whether height and width stay as size-1 axes. */
  readonly keepdims: boolean;
  protected abstract reduce(x: Tensor): Tensor;

  constructor(args: GlobalPooling2DArgs, base: string) {
    super(args, base);
    const who = `${new.target.className} "${this.name}"`;
    if (args.keepdims !== undefined && typeof args.keepdims !== 'boolean') {
      throw new ArgumentError(`${who}: keepdims must be true or false, got ${JSON.stringify(args.keepdims)}`);
    }
    this.keepdims = args.keepdims ?? false;
    channelsLast(who, args.dataFormat);
  }

  /** @internal Builds the layer (of the class it is called on) from a saved (snake_case) config; loadModel uses it. */
  static fromConfig<T extends GlobalPooling2D>(this: new (args: GlobalPooling2DArgs) => T, r: ConfigReader, base: LayerArgs): T {
    r.oneOf('data_format', ['channels_last'], 'channels_last');
    return new this({ ...base, keepdims: r.bool('keepdims', false) });
  }

  call(x: Tensor): Tensor {
    checkImages(`${this.className} "${this.name}"`, x.shape);
    if (x.shape[1] === 0 || x.shape[2] === 0) throw new ShapeError(`${this.className} "${this.name}": cannot pool an empty image ${JSON.stringify(x.shape)}`);
    return this.reduce(x);
  }

  computeOutputShape(s: Shape): Shape {
    checkImages(`${this.className} "${this.name}"`, s);
    return this.keepdims ? [s[0], 1, 1, s[3]] : [s[0], s[3]];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: 'channels_last', keepdims: this.keepdims };
  }
}

/**
 * The mean over height and width, per channel: [batch, h, w, c] -> [batch, c].
 * @example layers.globalAveragePooling2d()
 */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static override readonly className = 'GlobalAveragePooling2D';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<GlobalPooling2DArgs>({ keepdims: true, dataFormat: true });
  readonly className = GlobalAveragePooling2D.className;
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'global_average_pooling2d');
  }
  protected reduce(x: Tensor): Tensor {
    return ops.mean(x, [1, 2], { keepDims: this.keepdims });
  }
}

/**
 * The maximum over height and width, per channel: [batch, h, w, c] -> [batch, c].
 * @example layers.globalMaxPooling2d()
 */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  /** @internal The Keras class name, as in model.json (the registry's key). */
  static override readonly className = 'GlobalMaxPooling2D';
  /** @internal The constructor's own option names (the registry and the unknown-key check use them). */
  static readonly argNames = layerArgs<GlobalPooling2DArgs>({ keepdims: true, dataFormat: true });
  readonly className = GlobalMaxPooling2D.className;
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'global_max_pooling2d');
  }
  protected reduce(x: Tensor): Tensor {
    return ops.max(x, [1, 2], { keepDims: this.keepdims });
  }
}
