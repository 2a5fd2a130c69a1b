// Weight initialisers with Keras semantics and defaults, drawing from the seeded generator.
// The variance-scaling family follows Keras: fan_in / fan_out / fan_avg over the kernel's
// receptive field, truncated normal scaled by 0.8796... so the std after truncation is right.

import { Tensor } from './tensor/tensor.js';
import * as ops from './ops/index.js';
import { ArgumentError } from './errors.js';
import { lookupName } from './activations.js';
import { checkOptions, describeValue, numberWhere } from './options.js';

/** An initializer's options, unknown keys refused and values checked to be finite numbers. */
function initOptions(who: string, o: unknown, defaults: Record<string, number>): Record<string, number> {
  const given = checkOptions<Record<string, unknown>>(`initializers.${who}`, o, Object.keys(defaults));
  const out: Record<string, number> = {};
  for (const [k, d] of Object.entries(defaults)) out[k] = given[k] === undefined ? d : numberWhere(`initializers.${who}`, k, given[k], () => true, 'a finite number');
  return out;
}

export type InitializerName =
  | 'glorot_uniform' | 'glorot_normal' | 'he_normal' | 'he_uniform' | 'lecun_normal' | 'lecun_uniform'
  | 'random_normal' | 'random_uniform' | 'truncated_normal' | 'zeros' | 'ones';

/**
 * Makes the starting value of a weight: called with the weight's shape, returns a float32 tensor
 * of that shape (drawing from the seeded generator). It carries its Keras class name and config
 * so a saved model names it.
 * @example layers.dense({ units: 64, kernelInitializer: initializers.heNormal() })
 */
export interface Initializer {
  /** Keras class name, as saved in model.json (`VarianceScaling`, `Zeros`, ...). */
  readonly className: string;
  /** Its settings as saved (`{ scale, mode, distribution, seed }` for VarianceScaling). */
  readonly config: Record<string, number | string | null>;
  /** The initial value for a weight of `shape`, e.g. a kernel [inputDim, units]. */
  (shape: number[]): Tensor;
}

function fans(shape: number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  // Convolution kernels: [..., inChannels, outChannels] times the receptive field.
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Keras VarianceScaling. */
export function varianceScaling(scale: number, mode: 'fan_in' | 'fan_out' | 'fan_avg', distribution: 'truncated_normal' | 'untruncated_normal' | 'uniform'): Initializer {
  const f = ((shape: number[]) => {
    const [fanIn, fanOut] = fans(shape);
    const n = mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const s = scale / Math.max(1, n);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * s);
      return ops.randomUniform(shape, -limit, limit);
    }
    if (distribution === 'untruncated_normal') return ops.randomNormal(shape, 0, Math.sqrt(s));
    // Std of a unit normal truncated to [-2, 2].
    return ops.truncatedNormal(shape, 0, Math.sqrt(s) / 0.87962566103423978);
  }) as Initializer;
  return Object.assign(f, { className: 'VarianceScaling', config: { scale, mode, distribution, seed: null } });
}

function simple(className: string, config: Record<string, number | string | null>, make: (shape: number[]) => Tensor): Initializer {
  return Object.assign(((shape: number[]) => make(shape)) as Initializer, { className, config });
}

/**
 * Keras' weight initializers. Layers also take their snake_case names ('he_normal', ...).
 * fan_in / fan_out are a kernel's input and output sizes times its receptive field (784 and 128
 * for a Dense [784, 128]; 3·3·1 and 3·3·32 for a 3 x 3 Conv2D from 1 to 32 channels).
 * @example layers.conv2d({ filters: 32, kernelSize: 3, kernelInitializer: initializers.heUniform() })
 * @namespace
 */
export const initializers = {
  /** Uniform in ±sqrt(6 / (fan_in + fan_out)): Dense's and Conv2D's default kernel initializer. @example initializers.glorotUniform()([784, 128]) // values within ±0.081 */
  glorotUniform: (): Initializer => varianceScaling(1, 'fan_avg', 'uniform'),
  /** Truncated normal with stddev sqrt(2 / (fan_in + fan_out)). @example layers.dense({ units: 10, kernelInitializer: initializers.glorotNormal() }) */
  glorotNormal: (): Initializer => varianceScaling(1, 'fan_avg', 'truncated_normal'),
  /** Truncated normal with stddev sqrt(2 / fan_in): suits relu layers. @example layers.dense({ units: 128, activation: 'relu', kernelInitializer: initializers.heNormal() }) */
  heNormal: (): Initializer => varianceScaling(2, 'fan_in', 'truncated_normal'),
  /** Uniform in ±sqrt(6 / fan_in). @example layers.conv2d({ filters: 32, kernelSize: 3, kernelInitializer: initializers.heUniform() }) */
  heUniform: (): Initializer => varianceScaling(2, 'fan_in', 'uniform'),
  /** Truncated normal with stddev sqrt(1 / fan_in). @example layers.dense({ units: 64, kernelInitializer: initializers.lecunNormal() }) */
  lecunNormal: (): Initializer => varianceScaling(1, 'fan_in', 'truncated_normal'),
  /** Uniform in ±sqrt(3 / fan_in). @example layers.dense({ units: 64, kernelInitializer: initializers.lecunUniform() }) */
  lecunUniform: (): Initializer => varianceScaling(1, 'fan_in', 'uniform'),
  /** Normal draws, Keras defaults: mean 0, stddev 0.05. @example initializers.randomNormal({ stddev: 0.01 }) */
  randomNormal: (o?: { mean?: number; stddev?: number }): Initializer => {
    const { mean, stddev } = initOptions('randomNormal', o, { mean: 0, stddev: 0.05 });
    return simple('RandomNormal', { mean, stddev, seed: null }, (s) => ops.randomNormal(s, mean, stddev));
  },
  /** Uniform draws, Keras defaults: [-0.05, 0.05). @example initializers.randomUniform({ minval: -0.1, maxval: 0.1 }) */
  randomUniform: (o?: { minval?: number; maxval?: number }): Initializer => {
    const { minval, maxval } = initOptions('randomUniform', o, { minval: -0.05, maxval: 0.05 });
    return simple('RandomUniform', { minval, maxval, seed: null }, (s) => ops.randomUniform(s, minval, maxval));
  },
  /** Normal draws redrawn beyond 2 stddev, Keras defaults: mean 0, stddev 0.05. @example initializers.truncatedNormal({ stddev: 0.02 }) */
  truncatedNormal: (o?: { mean?: number; stddev?: number }): Initializer => {
    const { mean, stddev } = initOptions('truncatedNormal', o, { mean: 0, stddev: 0.05 });
    return simple('TruncatedNormal', { mean, stddev, seed: null }, (s) => ops.truncatedNormal(s, mean, stddev));
  },
  /** All 0: the default for biases. @example layers.dense({ units: 10, kernelInitializer: initializers.zeros() }) // every unit starts the same */
  zeros: (): Initializer => simple('Zeros', {}, (s) => ops.zeros(s)),
  /** All 1. @example initializers.ones()([2]) // [1, 1] */
  ones: (): Initializer => simple('Ones', {}, (s) => ops.ones(s)),
  /** All `value` (default 0). @example initializers.constant({ value: 0.1 }) */
  constant: (o?: { value?: number }): Initializer => {
    const { value } = initOptions('constant', o, { value: 0 });
    return simple('Constant', { value }, (s) => ops.fill(s, value));
  },
};

const BY_NAME: Record<InitializerName, () => Initializer> = {
  glorot_uniform: initializers.glorotUniform,
  glorot_normal: initializers.glorotNormal,
  he_normal: initializers.heNormal,
  he_uniform: initializers.heUniform,
  lecun_normal: initializers.lecunNormal,
  lecun_uniform: initializers.lecunUniform,
  random_normal: () => initializers.randomNormal(),
  random_uniform: () => initializers.randomUniform(),
  truncated_normal: () => initializers.truncatedNormal(),
  zeros: initializers.zeros,
  ones: initializers.ones,
};

/** An initializer from a Keras name (snake or camel case) or an Initializer itself. */
export function getInitializer(x: string | Initializer): Initializer {
  if (typeof x === 'function') return x;
  if (typeof x !== 'string') throw new ArgumentError(`unknown initializer ${describeValue(x)}: expected a name ('glorot_uniform', 'zeros', ...) or an initializers.* object`);
  return lookupName('initializer', BY_NAME, x)();
}

/** Rebuilds an initializer from its saved `{class_name, config}` (the TF.js / Keras form). */
export function initializerFromConfig(className: string, config: Record<string, unknown>): Initializer {
  const num = (k: string, d: number): number => (typeof config[k] === 'number' ? (config[k] as number) : d);
  switch (className) {
    case 'VarianceScaling': {
      const mode = String(config.mode ?? 'fan_in');
      let dist = String(config.distribution ?? 'truncated_normal');
      if (dist === 'normal') dist = 'truncated_normal';
      if (!['fan_in', 'fan_out', 'fan_avg'].includes(mode) || !['truncated_normal', 'untruncated_normal', 'uniform'].includes(dist)) {
        throw new ArgumentError(`VarianceScaling: unknown mode '${mode}' or distribution '${dist}'`);
      }
      return varianceScaling(num('scale', 1), mode as 'fan_in', dist as 'uniform');
    }
    case 'GlorotUniform': return initializers.glorotUniform();
    case 'GlorotNormal': return initializers.glorotNormal();
    case 'HeNormal': return initializers.heNormal();
    case 'HeUniform': return initializers.heUniform();
    case 'LeCunNormal': case 'LecunNormal': return initializers.lecunNormal();
    case 'LeCunUniform': case 'LecunUniform': return initializers.lecunUniform();
    case 'RandomNormal': return initializers.randomNormal({ mean: num('mean', 0), stddev: num('stddev', 0.05) });
    case 'RandomUniform': return initializers.randomUniform({ minval: num('minval', -0.05), maxval: num('maxval', 0.05) });
    case 'TruncatedNormal': return initializers.truncatedNormal({ mean: num('mean', 0), stddev: num('stddev', 0.05) });
    case 'Zeros': return initializers.zeros();
    case 'Ones': return initializers.ones();
    case 'Constant': return initializers.constant({ value: num('value', 0) });
    default:
      throw new ArgumentError(`unknown initializer class '${className}'`);
  }
}
