// Reference 2-D convolution kernels over NHWC activations and HWIO weights: the forward pass (bias
// and relu fused) and one fused backward pass. Plain loops that sum in double precision; they
// define what the fast kernels must compute.

import type { Conv2dInfo, DenseActivation, TensorData, Window2d } from '../backend.js';
import { relu } from './elementwise.js';

/**
 * Calls visit(xOffset, tap) for every kernel tap of output position (n, oh, ow), in kernel order.
 * xOffset is the start of that input pixel's channel run, or -1 for a tap on the padding (visited
 * only with `padding`: convolution pads with zeros, pooling skips padded positions);
 * tap = kh * windowWidth + kw indexes the kernel's first two axes.
 */
export function forEachTap(
  info: Window2d,
  n: number,
  oh: number,
  ow: number,
  visit: (xOffset: number, tap: number) => void,
  padding = false,
): void {
  const { inHeight: H, inWidth: W, channels: C } = info;
  for (let kh = 0; kh < info.windowHeight; kh++) {
    const ih = oh * info.strideHeight - info.padTop + kh * info.dilationHeight;
    for (let kw = 0; kw < info.windowWidth; kw++) {
      const iw = ow * info.strideWidth - info.padLeft + kw * info.dilationWidth;
      const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
      if (inside) visit(((n * H + ih) * W + iw) * C, kh * info.windowWidth + kw);
      else if (padding) visit(-1, kh * info.windowWidth + kw);
    }
  }
}

export function conv2d(x: TensorData, w: TensorData, bias: TensorData | null, activation: DenseActivation, info: Conv2dInfo, out: TensorData): void {
  const { batch, outHeight, outWidth, channels: C, outChannels: OC } = info;
  const xv = x.values;
  const wv = w.values;
  const o = out.values;
  const acc = new Float64Array(OC);
  let p = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let j = 0; j < OC; j++) acc[j] = bias ? bias.values[j] : 0;
        // Padding is zeros that multiply too (0 * Inf is NaN), as in the GEMM formulation.
        forEachTap(info, n, oh, ow, (xOff, tap) => {
          for (let c = 0; c < C; c++) {
            const xval = xOff < 0 ? 0 : xv[xOff + c];
            const wRow = (tap * C + c) * OC;
            for (let j = 0; j < OC; j++) acc[j] += xval * wv[wRow + j];
          }
        }, true);
        for (let j = 0; j < OC; j++) o[p + j] = activation === 'relu' ? relu(acc[j]) : acc[j];
        p += OC;
      }
    }
  }
}

export function conv2dBackward(
  x: TensorData,
  w: TensorData,
  y: TensorData,
  dy: TensorData,
  activation: DenseActivation,
  info: Conv2dInfo,
  dx: TensorData | null,
  dw: TensorData | null,
  db: TensorData | null,
): void {
  const { batch, outHeight, outWidth, channels: C, outChannels: OC } = info;
  const xv = x.values;
  const wv = w.values;
  const yv = y.values;
  const g = dy.values;
  const dxAcc = new Float64Array(dx ? dx.values.length : 0);
  const dwAcc = new Float64Array(dw ? dw.values.length : 0);
  const dbAcc = new Float64Array(OC);
  const dz = new Float64Array(OC);
  let p = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        // A multiply by the 0/1 mask, not a select, so that dy = ±Inf or NaN gives NaN where y <= 0
        // (as denseBackward does).
        for (let j = 0; j < OC; j++) dz[j] = g[p + j] * (activation === 'relu' ? (yv[p + j] > 0 ? 1 : 0) : 1);
        for (let j = 0; j < OC; j++) dbAcc[j] += dz[j];
        if (dx || dw) {
          forEachTap(info, n, oh, ow, (xOff, tap) => {
            for (let c = 0; c < C; c++) {
              const wRow = (tap * C + c) * OC;
              if (dw) {
                const xval = xOff < 0 ? 0 : xv[xOff + c];
                for (let j = 0; j < OC; j++) dwAcc[wRow + j] += xval * dz[j];
              }
              if (dx && xOff >= 0) {
                let s = 0;
                for (let j = 0; j < OC; j++) s += wv[wRow + j] * dz[j];
                dxAcc[xOff + c] += s;
              }
            }
          }, true);
        }
        p += OC;
      }
    }
  }
  if (dx) dx.values.set(dxAcc);
  if (dw) dw.values.set(dwAcc);
  if (db) db.values.set(dbAcc);
}
