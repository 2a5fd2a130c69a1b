// Small models for the tests of the inside-the-network pictures (src/viz): float64 Dense stacks, so
// finite differences are exact to ~1e-9, and a stand-in Conv2D layer until the real one exists.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../layers/dense.js';
import { Activation, Dropout, Flatten } from '../layers/simple.js';
import { Layer, type LayerArgs, type Shape } from '../layers/layer.js';
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
 * A stand-in for the Conv2D layer another session is building: className 'Conv2D', a kernel
 * [kh, kw, in, out] named `<layer>/kernel`, a valid (unpadded) stride-1 convolution and relu,
 * computed in plain loops without gradients (the pictures only run it forward).
 */
export class FakeConv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: number;
  #init: Initializer;
  constructor(args: LayerArgs & { filters: number; kernelSize: number; init: Initializer }) {
    super(args, 'conv2d');
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.#init = args.init;
  }
  override build(inputShape: Shape): void {
    this.addWeight('kernel', [this.kernelSize, this.kernelSize, inputShape[3] as number, this.filters], this.#init);
    this.built = true;
  }
  call(x: Tensor): Tensor {
    const k = this.kernelSize;
    const [n, h, w, c] = x.shape;
    const [oh, ow, f] = [h - k + 1, w - k + 1, this.filters];
    const kv = this.weights[0].value.values;
    const out = new Float64Array(n * oh * ow * f);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let o = 0; o < f; o++) {
            let s = 0;
            for (let di = 0; di < k; di++)
              for (let dj = 0; dj < k; dj++)
                for (let ch = 0; ch < c; ch++) s += x.values[((b * h + i + di) * w + j + dj) * c + ch] * kv[((di * k + dj) * c + ch) * f + o];
            out[((b * oh + i) * ow + j) * f + o] = Math.max(0, s);
          }
    return ops.tensor(out, [n, oh, ow, f], 'float64');
  }
  computeOutputShape(s: Shape): Shape {
    const k = this.kernelSize;
    return [s[0], (s[1] as number) - k + 1, (s[2] as number) - k + 1, this.filters];
  }
}

/** FakeConv2D(4 filters, 3x3) on [6, 6, 1] -> Flatten -> Dense 2 softmax, float64. */
export function tinyConvModel(): Sequential {
  return new Sequential([
    new FakeConv2D({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, init: f64Init(11) }),
    new Flatten({}),
    new Dense({ units: 2, activation: 'softmax', kernelInitializer: f64Init(12), biasInitializer: f64Init(13, 0.1) }),
  ]);
}
