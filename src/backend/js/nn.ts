// Reference fused kernels for the training hot path: Dense forward and backward, sparse cross-entropy.
// Fusing them cuts a training step from dozens of small ops to a handful.

import type { Backend, DenseActivation, TensorData } from '../backend.js';
import { matMul } from './matmul.js';
import { reluInto } from './elementwise.js';
import { rowMax } from './reduce.js';
import { allocate } from '../../tensor/dtype.js';

const EPS = 1e-7;

export function denseForward(x: TensorData, w: TensorData, bias: TensorData | null, activation: DenseActivation, out: TensorData): void {
  matMul(x, w, false, false, out);
  const o = out.values;
  const n = out.shape[out.shape.length - 1];
  if (bias) {
    const b = bias.values;
    for (let i = 0; i < o.length; i += n) for (let j = 0; j < n; j++) o[i + j] += b[j];
  }
  if (activation === 'relu') reluInto(o, o);
}

export const denseBackward: Backend['denseBackward'] = (...args) => denseBackwardWith(matMul, ...args);

/** denseBackward over a given matMul kernel (the wasm backend passes its threaded one). */
export function denseBackwardWith(
  mm: (a: TensorData, b: TensorData, tA: boolean, tB: boolean, out: TensorData) => void,
  x: TensorData,
  w: TensorData,
  y: TensorData,
  dy: TensorData,
  activation: DenseActivation,
  dx: TensorData | null,
  dw: TensorData | null,
  db: TensorData | null,
): void {
  let dz = dy;
  if (activation === 'relu') {
    // A multiply by the 0/1 mask, not a select, so that dy = ±Inf or NaN gives NaN where y <= 0.
    const d = dy.values;
    const yv = y.values;
    const masked = allocate(dy.dtype, d.length);
    for (let i = 0; i < d.length; i++) masked[i] = d[i] * (yv[i] > 0 ? 1 : 0);
    dz = { values: masked, shape: dy.shape, dtype: dy.dtype };
  }
  if (dx) mm(dz, w, false, true, dx);
  if (dw) mm(x, dz, true, false, dw);
  if (db) {
    const o = db.values;
    const d = dz.values;
    const n = o.length;
    o.fill(0);
    for (let i = 0; i < d.length; i += n) for (let j = 0; j < n; j++) o[j] += d[i + j];
  }
}

export function sparseCrossentropy(pred: TensorData, labels: TensorData, fromLogits: boolean, out: TensorData): void {
  const p = pred.values;
  const l = labels.values;
  const o = out.values;
  const c = pred.shape[pred.shape.length - 1];
  for (let r = 0; r < o.length; r++) {
    const base = r * c;
    if (fromLogits) {
      const m = rowMax(p, base, c);
      let s = 0;
      for (let j = 0; j < c; j++) s += Math.exp(p[base + j] - m);
      o[r] = m + Math.log(s) - p[base + l[r]];
    } else {
      let s = 0;
      for (let j = 0; j < c; j++) s += p[base + j];
      const q = Math.min(1 - EPS, Math.max(EPS, p[base + l[r]] / s));
      o[r] = -Math.log(q);
    }
  }
}

export function sparseCrossentropyGrad(pred: TensorData, labels: TensorData, fromLogits: boolean, dy: TensorData, out: TensorData): void {
  const p = pred.values;
  const l = labels.values;
  const g = dy.values;
  const o = out.values;
  const c = pred.shape[pred.shape.length - 1];
  const rows = l.length;
  for (let r = 0; r < rows; r++) {
    const base = r * c;
    const d = g[r];
    if (fromLogits) {
      // d/dz (logsumexp(z) - z_label) = softmax(z) - onehot(label).
      const m = rowMax(p, base, c);
      let s = 0;
      for (let j = 0; j < c; j++) s += Math.exp(p[base + j] - m);
      for (let j = 0; j < c; j++) o[base + j] = d * (Math.exp(p[base + j] - m) / s - (j === l[r] ? 1 : 0));
    } else {
      // L = -log(clip(p_l / S)); inside the clip range dL/dp_j = 1/S - [j = l]/p_l, outside it 0.
      let s = 0;
      for (let j = 0; j < c; j++) s += p[base + j];
      const pl = p[base + l[r]];
      const q = pl / s;
      const inside = q > EPS && q < 1 - EPS;
      for (let j = 0; j < c; j++) o[base + j] = inside ? d * (1 / s - (j === l[r] ? 1 / pl : 0)) : 0;
    }
  }
}

/**
 * d/dz of sparseCrossentropy(softmax(z)) from probs = softmax(z), computed as the two rules it
 * replaces compute it, rounding to the dtype wherever they store a tensor (here: stores into `o`
 * and a row of scratch of the same type): dp = sparseCrossentropyGrad(probs) (above), then
 * softmax's rule dz = p * (dp - sum(dp * p)), the sum accumulated in float64 as reduce() does.
 */
export function softmaxSparseCrossentropyGrad(probs: TensorData, labels: TensorData, dy: TensorData, out: TensorData): void {
  const p = probs.values;
  const l = labels.values;
  const g = dy.values;
  const o = out.values;
  const c = probs.shape[probs.shape.length - 1];
  const t = allocate(out.dtype, c + 1);
  for (let r = 0; r < l.length; r++) {
    const base = r * c;
    let s = 0;
    for (let j = 0; j < c; j++) s += p[base + j];
    const label = l[r];
    const pl = p[base + label];
    const q = pl / s;
    const inside = q > EPS && q < 1 - EPS;
    const d = g[r];
    let dot = 0;
    for (let j = 0; j < c; j++) {
      o[base + j] = inside ? d * (1 / s - (j === label ? 1 / pl : 0)) : 0;
      t[j] = o[base + j] * p[base + j];
      dot += t[j];
    }
    t[c] = dot;
    const sum = t[c];
    for (let j = 0; j < c; j++) {
      t[j] = o[base + j] - sum;
      o[base + j] = p[base + j] * t[j];
    }
  }
}
