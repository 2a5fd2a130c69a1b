// Which input pixels a prediction depends on: the gradient of one class's probability (or logit)
// with respect to the input, and integrated gradients along a straight path from a blank image.

import type { Sequential } from '../models/sequential.js';
import type { Layer } from '../layers/layer.js';
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { noGrad, valueAndGrad } from '../autograd/engine.js';
import { ArgumentError, ShapeError, UnsupportedError, fmtShape } from '../errors.js';
import { flat, type ArrayInput } from './input.js';
import { layerWeight, readExample, type Example } from './model-input.js';

/** What is explained: the class probability (the model's output) or its logit (before the last activation). */
export type SaliencyOutput = 'probability' | 'logit';

/** Options of saliency. */
export interface SaliencyOptions {
  /** The class to explain (default: the predicted one). */
  readonly classIndex?: number;
  /** 'probability' (default) or 'logit': the last layer's value before its softmax / sigmoid. */
  readonly output?: SaliencyOutput;
  /** 'gradient' (default): d output / d pixel. 'integrated': integrated gradients from `baseline`. */
  readonly method?: 'gradient' | 'integrated';
  /**
   * Integrated gradients: intervals of the path integral (trapezoid rule). Default: 64, halved until
   * the attributions add up to output(x) - output(baseline) within 0.5% (at most 4096 intervals),
   * since ReLU kinks make the error fall only as 1/steps. Given, exactly that many.
   */
  readonly steps?: number;
  /** Integrated gradients: where the path starts, shaped like x (default all zeros: a blank image). */
  readonly baseline?: ArrayInput;
}

// The value before a last layer's activation, by layer class: a registry, so a new output layer
// class adds one entry here.
const PRE_ACTIVATION: Record<string, (layer: Layer, x: Tensor) => Tensor> = {
  Dense: (layer, x) => {
    const kernel = layerWeight(layer, 'kernel')!.value;
    const bias = layerWeight(layer, 'bias');
    const z = ops.matMul(x.rank === 2 ? x : ops.reshape(x, [-1, kernel.shape[0]]), kernel);
    const y = bias ? ops.add(z, bias.value) : z;
    return x.rank === 2 ? y : ops.reshape(y, [...x.shape.slice(0, -1), kernel.shape[1]]);
  },
  Activation: (_layer, x) => x,
};

/** The model's class scores [n, classes] for a batch: probabilities, or logits without mutating the model. */
function scores(model: Sequential, x: Tensor, output: SaliencyOutput, who: string): Tensor {
  let y: Tensor;
  if (output === 'probability') y = model.call(x, false);
  else {
    const layers = model.layers;
    const last = layers[layers.length - 1];
    const pre = PRE_ACTIVATION[last.className];
    if (!pre) {
      throw new UnsupportedError(`${who}: output 'logit' needs the model to end in a Dense or Activation layer, "${last.name}" is a ${last.className}`);
    }
    y = x;
    for (const l of layers.slice(0, -1)) y = l.apply(y, { training: false });
    y = pre(last, y);
  }
  if (y.rank !== 2) throw new ShapeError(`${who}: model "${model.name}" must output [batch, classes], got ${fmtShape(y.shape)}`);
  return y;
}

/** Integrated gradients: intervals to start with, when the caller gives no `steps`. */
export const IG_STEPS = 64;
/** ... how far the attributions' sum may miss score(x) - score(baseline), relative, before the intervals are halved. */
export const IG_TOLERANCE = 0.005;
/** ... and the most intervals halving goes to. */
export const IG_MAX_STEPS = 4096;

/** The checked settings of one explanation. */
interface Plan {
  readonly example: Example;
  readonly output: SaliencyOutput;
  readonly classes: number;
  /** The model's scores for x, one per class. */
  readonly scores: Float64Array;
}

/** Reads x and the common options; works out the class count from one forward pass. */
export function plan(model: Sequential, x: ArrayInput, output: SaliencyOutput | undefined, who: string): Plan {
  const out = output ?? 'probability';
  if (out !== 'probability' && out !== 'logit') {
    throw new ArgumentError(`${who}: output must be 'probability' or 'logit', got ${JSON.stringify(output)}`);
  }
  const example = readExample(model, x, who);
  const y = noGrad(() => scores(model, example.batch, out, who));
  return { example, output: out, classes: y.shape[1], scores: Float64Array.from(y.values) };
}

/** The class to explain: `classIndex` if given (checked), else the highest score. */
export function chooseClass(p: Plan, classIndex: number | undefined, who: string): number {
  if (classIndex === undefined) {
    let best = 0;
    for (let k = 1; k < p.classes; k++) if (p.scores[k] > p.scores[best]) best = k;
    return best;
  }
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= p.classes) {
    throw new ArgumentError(`${who}: classIndex must be an integer in 0..${p.classes - 1} (the model has ${p.classes} outputs), got ${classIndex}`);
  }
  return classIndex;
}

/**
 * Sum over rows i of w[i] * d score[i, k] / d path[i], for a batch of inputs `path` [n, ...inner]:
 * rows of a Sequential model at inference do not mix, so one backward pass gives every row's gradient.
 */
function weightedGradient(model: Sequential, p: Plan, path: Float64Array, w: readonly number[], k: number, who: string): Float64Array {
  const inner = p.example.inner;
  const size = p.example.batch.size;
  const dtype = p.example.batch.dtype;
  const total = new Float64Array(size);
  const CHUNK = 64; // bounds memory for long paths through large models
  for (let s = 0; s < w.length; s += CHUNK) {
    const n = Math.min(CHUNK, w.length - s);
    const rows = path.subarray(s * size, (s + n) * size);
    const batch = ops.tensor(dtype === 'float64' ? Float64Array.from(rows) : Float32Array.from(rows), [n, ...inner], dtype);
    const mask = new Float64Array(n * p.classes);
    for (let i = 0; i < n; i++) mask[i * p.classes + k] = w[s + i];
    const maskT = ops.tensor(dtype === 'float64' ? mask : Float32Array.from(mask), [n, p.classes], dtype);
    const [, [g]] = valueAndGrad((t: Tensor) => ops.sum(ops.mul(scores(model, t, p.output, who), maskT)))(batch);
    for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) total[j] += g.values[i * size + j];
  }
  return total;
}

/** d score_k / d x at x. */
export function gradientAt(model: Sequential, p: Plan, k: number, who: string): Float64Array {
  return weightedGradient(model, p, Float64Array.from(p.example.batch.values), [1], k, who);
}

/**
 * Integrated gradients of score_k from `baseline` to x by the trapezoid rule over alpha in [0, 1].
 * With `steps` given, exactly that many intervals. Without, IG_STEPS intervals, halved while the
 * attributions miss completeness (sum = score(x) - score(baseline)) by more than IG_TOLERANCE, up to
 * IG_MAX_STEPS: each halving reuses every gradient already taken and adds only the midpoints.
 */
export function integratedAt(
  model: Sequential,
  p: Plan,
  k: number,
  steps: number | undefined,
  baseline: ArrayInput | undefined,
  who: string,
): { attribution: Float64Array; baselineScore: number; steps: number } {
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    throw new ArgumentError(`${who}: steps must be a positive integer, got ${steps}`);
  }
  const x = p.example.batch.values;
  const size = x.length;
  const b = new Float64Array(size);
  if (baseline !== undefined) {
    const { data, shape } = flat(baseline, who);
    if (data.length !== size) {
      throw new ShapeError(`${who}: baseline must be shaped like x ${fmtShape(p.example.given)}, got ${fmtShape(shape ?? [data.length])}`);
    }
    b.set(Array.from(data));
  }
  const dtype = p.example.batch.dtype;
  const base = ops.tensor(dtype === 'float64' ? b : Float32Array.from(b), [1, ...p.example.inner], dtype);
  const baselineScore = noGrad(() => scores(model, base, p.output, who)).values[k];
  const change = p.scores[k] - baselineScore;

  // sum_i c_i * gradient(alpha_i), with c = 1/2 at the two ends and 1 between (the trapezoid weights times n).
  const gradientsAt = (alphas: readonly number[], weights: readonly number[]): Float64Array => {
    const path = new Float64Array(alphas.length * size);
    alphas.forEach((a, i) => {
      for (let j = 0; j < size; j++) path[i * size + j] = b[j] + a * (x[j] - b[j]);
    });
    return weightedGradient(model, p, path, weights, k, who);
  };
  let n = steps ?? IG_STEPS;
  const total = gradientsAt(
    Array.from({ length: n + 1 }, (_, i) => i / n),
    Array.from({ length: n + 1 }, (_, i) => (i === 0 || i === n ? 0.5 : 1)),
  );
  const attributionFor = (intervals: number): Float64Array => total.map((g, j) => (g / intervals) * (x[j] - b[j]));
  let attribution = attributionFor(n);
  const missBy = (a: Float64Array): number => Math.abs(a.reduce((s, v) => s + v, 0) - change);
  while (steps === undefined && n < IG_MAX_STEPS && missBy(attribution) > IG_TOLERANCE * Math.abs(change)) {
    const mid = gradientsAt(Array.from({ length: n }, (_, i) => (2 * i + 1) / (2 * n)), new Array<number>(n).fill(1));
    for (let j = 0; j < size; j++) total[j] += mid[j];
    n *= 2;
    attribution = attributionFor(n);
  }
  return { attribution, baselineScore, steps: n };
}

/**
 * The saliency of one input: how much each input value moves the chosen class's probability (or
 * logit). `method: 'gradient'` gives d output / d x at x; `method: 'integrated'` gives integrated
 * gradients, (x - baseline) times the mean gradient along the straight path from the baseline
 * (a blank image by default) to x, whose values add up to output(x) - output(baseline).
 * x is one example ([28, 28] or [1, 28, 28] for an MNIST model); the result has x's shape.
 * @example
 * const image = xTest.div(255).slice([100, 0, 0], [1, 28, 28]);                 // as the model was trained
 * const g = viz.saliency(model, image);                                          // [1, 28, 28]
 * const ig = viz.saliency(model, image, { classIndex: 6, method: 'integrated' }); // sums to p(6 | image) - p(6 | blank)
 */
export function saliency(model: Sequential, x: ArrayInput, options: SaliencyOptions = {}): Tensor {
  const who = 'viz.saliency';
  const method = options.method ?? 'gradient';
  if (method !== 'gradient' && method !== 'integrated') {
    throw new ArgumentError(`${who}: method must be 'gradient' or 'integrated', got ${JSON.stringify(method)}`);
  }
  const p = plan(model, x, options.output, who);
  const k = chooseClass(p, options.classIndex, who);
  const values = method === 'gradient' ? gradientAt(model, p, k, who) : integratedAt(model, p, k, options.steps, options.baseline, who).attribution;
  const dtype = p.example.batch.dtype;
  return ops.tensor(dtype === 'float64' ? values : Float32Array.from(values), [...p.example.given], dtype);
}
