// Small models for the tests of the inside-the-network pictures (src/viz): float64 Dense stacks, so
// finite differences are exact to ~1e-9, and a small float64 convnet.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../layers/dense.js';
import { Activation, Dropout, Flatten } from '../layers/simple.js';
import type { LayerArgs } from '../layers/layer.js';
import { Conv2D } from '../layers/conv.js';
import type { Initializer } from '../initializers.js';
import { rng } from './random-arrays.js';

/** A seeded initializer of float64 weights uniform in [-limit, limit). */
export function f64Init(seed: number, limit = 0.9): Initializer {
  const rand = rng(seed);
  const f = (shape: number[]): Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    return ops.tensor(Float64Array.from({ length: n }, () => (rand() * 2 - 1) * limit), shape, 'float64');
  };
  return Object.assign(f, { className: 'RandomUniform', config: { minval: -limit, maxval: limit, seed } });
}

/** Flatten [3, 4] -> Dense 5 (hidden) -> Dropout -> Dense 3 softmax, all float64. */
export function tinyModel(hidden: 'tanh' | 'relu' = 'tanh', seed = 1): Sequential {
  return new Sequential([
    new Flatten({ inputShape: [3, 4] }),
    new Dense({ units: 5, activation: hidden, kernelInitializer: f64Init(seed), biasInitializer: f64Init(seed + 1, 0.3) }),
    new Dropout({ rate: 0.5 }),
    new Dense({ units: 3, activation: 'softmax', kernelInitializer: f64Init(seed + 2, 1.5), biasInitializer: f64Init(seed + 3, 0.3) }),
  ]);
}

/** A seeded float64 input of shape [3, 4], values in [0, 1). */
export function tinyInput(seed = 5): Tensor {
  const rand = rng(seed);
  return ops.tensor(Float64Array.from({ length: 12 }, () => rand()), [3, 4], 'float64');
}

/** The same stack ending in a linear Dense then an Activation('softmax') layer. */
export function tinyModelWithActivation(seed = 1): Sequential {
  return new Sequential([
    new Flatten({ inputShape: [3, 4] }),
    new Dense({ units: 5, activation: 'tanh', kernelInitializer: f64Init(seed), biasInitializer: f64Init(seed + 1, 0.3) }),
    new Dense({ units: 3, kernelInitializer: f64Init(seed + 2, 1.5), biasInitializer: f64Init(seed + 3, 0.3) }),
    new Activation({ activation: 'softmax' }),
  ]);
}

/**
 * nerva's Conv2D with the arguments these tests use: a float64 kernel from `init`, no bias, relu,
 * valid padding, stride 1.
 */
export class FakeConv2D extends Conv2D {
  constructor(args: LayerArgs & { filters: number; kernelSize: number; init: Initializer }) {
    const { init, ...rest } = args;
    super({ ...rest, kernelInitializer: init, useBias: false, activation: 'relu' });
  }
}

/** Conv2D(4 filters, 3x3) on [6, 6, 1] -> Flatten -> Dense 2 softmax, float64. */
export function tinyConvModel(): Sequential {
  return new Sequential([
    new FakeConv2D({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, init: f64Init(11) }),
    new Flatten({}),
    new Dense({ units: 2, activation: 'softmax', kernelInitializer: f64Init(12), biasInitializer: f64Init(13, 0.1) }),
  ]);
}
