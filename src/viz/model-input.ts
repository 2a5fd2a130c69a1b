// What the pictures of a model's inside share: one example turned into a model input (shape checked
// against the model), each layer's output for it, a layer's weights by name, and a layer's label.

import type { Sequential } from '../models/sequential.js';
import type { Layer } from '../layers/layer.js';
import type { Variable } from '../layers/variable.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import * as ops from '../ops/index.js';
import { noGrad } from '../autograd/engine.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { flat, type ArrayInput } from './input.js';

/** One example as the model takes it: a batch of one, in the model's weight dtype. */
export interface Example {
  /** [1, ...inner]: ready for `model.call`. */
  readonly batch: Tensor;
  /** The model's input shape without the batch dimension, e.g. [28, 28]. */
  readonly inner: readonly number[];
  /** The shape the caller gave (so results can be given back in it). */
  readonly given: readonly number[];
}

/** The model's input shape without the batch dim, or a clear error if the model is not built. */
export function innerInputShape(model: Sequential, who: string): (number | null)[] {
  if (!model || typeof model !== 'object' || !Array.isArray((model as Sequential).layers)) {
    throw new ArgumentError(`${who}: expected a Sequential model, got ${model === null ? 'null' : typeof model}`);
  }
  const shape = model.inputShape;
  if (!shape) {
    throw new ArgumentError(`${who}: model "${model.name}" is not built yet; give its first layer an inputShape or fit it first`);
  }
  return shape.slice(1);
}

/** The dtype the model computes in: its first float weight's, else float32. */
function modelDtype(model: Sequential): DType {
  const w = model.weights.find((v) => isFloat(v.dtype));
  return w ? w.dtype : 'float32';
}

/**
 * Reads one example `x` for `model`: its shape must be the model's input shape without the batch
 * dim (`[28, 28]`) or with a batch of one (`[1, 28, 28]`).
 */
export function readExample(model: Sequential, x: ArrayInput, who: string): Example {
  const inner = innerInputShape(model, who);
  const { data, shape } = flat(x, who);
  const given = shape ?? [data.length];
  const fits = (s: readonly number[]): boolean => s.length === inner.length && inner.every((d, i) => d === null || d === s[i]);
  let batchShape: number[];
  if (fits(given)) batchShape = [1, ...given];
  else if (given[0] === 1 && fits(given.slice(1))) batchShape = [...given];
  else {
    const want = inner.map((d) => (d === null ? 'None' : String(d))).join(', ');
    throw new ShapeError(
      `${who}: model "${model.name}" takes one example of shape [${want}] (or [1, ${want}]), got ${fmtShape(given)}`,
    );
  }
  const dtype = modelDtype(model);
  const values = dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data);
  return { batch: ops.tensor(values, batchShape, dtype), inner: batchShape.slice(1), given };
}

/** One layer's output for one example. */
export interface LayerOutput {
  /** The layer that produced it. */
  readonly layer: Layer;
  /** The output, batch of one: [1, units] for Dense, [1, h, w, channels] for a conv layer. */
  readonly output: Tensor;
  /** True when the output holds the same values as the layer's input (Flatten, Reshape, Dropout at inference). */
  readonly passThrough: boolean;
}

/** Runs the example through the model layer by layer (inference mode, no gradients). */
export function runLayers(model: Sequential, example: Example): LayerOutput[] {
  return noGrad(() => {
    const outs: LayerOutput[] = [];
    let y = example.batch;
    for (const layer of model.layers) {
      const next = layer.apply(y, { training: false });
      outs.push({ layer, output: next, passThrough: sameValues(y, next) });
      y = next;
    }
    return outs;
  });
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.size !== b.size) return false;
  for (let i = 0; i < a.size; i++) if (a.values[i] !== b.values[i]) return false;
  return true;
}

/** A layer's weight `<layer>/<name>` (e.g. `dense/kernel`), or null when it has none. */
export function layerWeight(layer: Layer, name: string): Variable | null {
  return layer.weights.find((v) => v.name === `${layer.name}/${name}`) ?? null;
}

/** The layer's activation name when its config has one (`relu`), else null. */
export function layerActivation(layer: Layer): string | null {
  const act = layer.getConfig().activation;
  return typeof act === 'string' ? act : null;
}

/** `dense_1 (Dense, softmax)`: how pictures name a layer. */
export function describeLayer(layer: Layer): string {
  const act = layerActivation(layer);
  return `${layer.name} (${layer.className}${act ? `, ${act}` : ''})`;
}

/** The model's layers of one class, or an error listing the layers it has. */
export function layersOfClass(model: Sequential, className: string, who: string): Layer[] {
  const found = model.layers.filter((l) => l.className === className);
  if (found.length === 0) {
    const have = model.layers.map((l) => `${l.name} (${l.className})`).join(', ') || 'none';
    throw new ArgumentError(`${who}: model "${model.name}" has no ${className} layer; its layers: ${have}`);
  }
  return found;
}

/** How to draw a model input as a picture: [rows, cols, channels]. */
export function imageLayout(inner: readonly number[]): [number, number, number] {
  if (inner.length === 2) return [inner[0], inner[1], 1];
  if (inner.length === 3) return [inner[0], inner[1], inner[2]];
  const n = inner.reduce((a, b) => a * b, 1);
  const side = Math.round(Math.sqrt(n));
  return side * side === n ? [side, side, 1] : [1, n, 1];
}

/** Example i of a batch of model inputs [N, ...inner], as a tensor-like value of shape [1, ...inner]. */
export function exampleAt(inputs: ArrayInput, i: number, who: string): { shape: number[]; data: () => Float32Array } {
  const { data, shape } = flat(inputs, who);
  if (!shape || shape.length < 2) throw new ShapeError(`${who}: model inputs must be [N, ...input shape], got ${fmtShape(shape ?? [data.length])}`);
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  if (!Number.isInteger(i) || i < 0 || i >= shape[0]) throw new ArgumentError(`${who}: example ${i} is outside 0..${shape[0] - 1}`);
  const row = Float32Array.from({ length: size }, (_, j) => data[i * size + j]);
  return { shape: [1, ...shape.slice(1)], data: () => row };
}

/** How a Dense layer's inputs lie as an image when they are the model's input unchanged ([28, 28]), else undefined. */
export function denseImageShape(model: Sequential, layer: Layer): number[] | undefined {
  const inner = model.inputShape?.slice(1);
  const kernel = layerWeight(layer, 'kernel');
  if (!inner || !kernel || (inner.length !== 2 && inner.length !== 3) || inner.some((d) => d === null)) return undefined;
  const dims = inner as number[];
  return dims.reduce((a, b) => a * b, 1) === kernel.shape[0] ? dims : undefined;
}
