// Reference batch-normalization kernels over x seen as [rows, channels] (the channel axis last):
// per-channel batch statistics, the normalization itself and its fused backward pass.
//
// The formulas are Keras 3's (keras/src/layers/normalization/batch_normalization.py with
// keras/src/backend/tensorflow/nn.py): the batch variance is the biased one (tf.nn.moments: the
// mean of squared deviations), the output is (x - mean) * gamma / sqrt(variance + epsilon) + beta,
// and in training the gradient flows through the batch statistics as well.

import type { TensorData } from '../backend.js';

export function batchNormStats(x: TensorData, mean: TensorData, variance: TensorData): void {
  const C = mean.values.length;
  const xv = x.values;
  const rows = C === 0 ? 0 : xv.length / C;
  const sum = new Float64Array(C);
  for (let i = 0; i < xv.length; i += C) for (let c = 0; c < C; c++) sum[c] += xv[i + c];
  for (let c = 0; c < C; c++) sum[c] /= rows;
  // Two passes (deviations from the mean, not E[x²] - mean²): no cancellation for large means.
  const sq = new Float64Array(C);
  for (let i = 0; i < xv.length; i += C) {
    for (let c = 0; c < C; c++) {
      const d = xv[i + c] - sum[c];
      sq[c] += d * d;
    }
  }
  for (let c = 0; c < C; c++) {
    mean.values[c] = sum[c];
    variance.values[c] = sq[c] / rows;
  }
}

export function batchNormForward(
  x: TensorData,
  mean: TensorData,
  variance: TensorData,
  gamma: TensorData | null,
  beta: TensorData | null,
  epsilon: number,
  out: TensorData,
): void {
  const C = mean.values.length;
  const xv = x.values;
  const o = out.values;
  const scale = new Float64Array(C);
  for (let c = 0; c < C; c++) scale[c] = (gamma ? gamma.values[c] : 1) / Math.sqrt(variance.values[c] + epsilon);
  for (let i = 0; i < xv.length; i += C) {
    for (let c = 0; c < C; c++) o[i + c] = (xv[i + c] - mean.values[c]) * scale[c] + (beta ? beta.values[c] : 0);
  }
}

export function batchNormBackward(
  x: TensorData,
  mean: TensorData,
  variance: TensorData,
  gamma: TensorData | null,
  dy: TensorData,
  epsilon: number,
  batchStats: boolean,
  dx: TensorData | null,
  dgamma: TensorData | null,
  dbeta: TensorData | null,
): void {
  const C = mean.values.length;
  const xv = x.values;
  const g = dy.values;
  const rows = C === 0 ? 0 : xv.length / C;
  const rstd = new Float64Array(C);
  for (let c = 0; c < C; c++) rstd[c] = 1 / Math.sqrt(variance.values[c] + epsilon);
  const sumDy = new Float64Array(C);
  const sumDyXhat = new Float64Array(C);
  for (let i = 0; i < xv.length; i += C) {
    for (let c = 0; c < C; c++) {
      sumDy[c] += g[i + c];
      sumDyXhat[c] += g[i + c] * (xv[i + c] - mean.values[c]) * rstd[c];
    }
  }
  if (dgamma) dgamma.values.set(sumDyXhat);
  if (dbeta) dbeta.values.set(sumDy);
  if (!dx) return;
  const d = dx.values;
  for (let i = 0; i < xv.length; i += C) {
    for (let c = 0; c < C; c++) {
      const k = (gamma ? gamma.values[c] : 1) * rstd[c];
      if (!batchStats) {
        d[i + c] = k * g[i + c];
        continue;
      }
      // With y = gamma * xhat + beta and xhat = (x - mean(x)) / sqrt(var(x) + eps), differentiating
      // through mean and var as well gives the standard form below.
      const xhat = (xv[i + c] - mean.values[c]) * rstd[c];
      d[i + c] = k * (g[i + c] - sumDy[c] / rows - (xhat * sumDyXhat[c]) / rows);
    }
  }
}
