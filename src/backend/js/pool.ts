// Reference 2-D pooling kernels over NHWC activations (max and average, forward and backward), with
// TF's rules: padded positions never count, max pooling's gradient goes to the first maximum of each
// window, average pooling divides by the number of real (non-padded) positions.

import type { TensorData, Window2d } from '../backend.js';
import { forEachTap } from './conv.js';

/**
 * True when v should replace the running maximum `best`: larger, or the first NaN (NaN wins and
 * then stays, so that a NaN in a window shows in its output).
 */
export function beats(v: number, best: number): boolean {
  return v > best || (v !== v && best === best);
}

/** Runs visit(outOffset, n, oh, ow) over every output position in order. */
function forEachOutput(info: Window2d, visit: (outOffset: number, n: number, oh: number, ow: number) => void): void {
  let p = 0;
  for (let n = 0; n < info.batch; n++) {
    for (let oh = 0; oh < info.outHeight; oh++) {
      for (let ow = 0; ow < info.outWidth; ow++) {
        visit(p, n, oh, ow);
        p += info.channels;
      }
    }
  }
}

export function maxPool2d(x: TensorData, info: Window2d, out: TensorData): void {
  const C = info.channels;
  const xv = x.values;
  const o = out.values;
  const best = new Float64Array(C);
  forEachOutput(info, (p, n, oh, ow) => {
    best.fill(-Infinity);
    forEachTap(info, n, oh, ow, (xOff) => {
      for (let c = 0; c < C; c++) if (beats(xv[xOff + c], best[c])) best[c] = xv[xOff + c];
    });
    for (let c = 0; c < C; c++) o[p + c] = best[c];
  });
}

export function maxPool2dBackward(x: TensorData, dy: TensorData, info: Window2d, dx: TensorData): void {
  const C = info.channels;
  const xv = x.values;
  const g = dy.values;
  const acc = new Float64Array(dx.values.length);
  const best = new Float64Array(C);
  const at = new Int32Array(C);
  forEachOutput(info, (p, n, oh, ow) => {
    best.fill(-Infinity);
    at.fill(-1);
    forEachTap(info, n, oh, ow, (xOff) => {
      for (let c = 0; c < C; c++) {
        if (at[c] < 0 || beats(xv[xOff + c], best[c])) {
          best[c] = xv[xOff + c];
          at[c] = xOff + c;
        }
      }
    });
    for (let c = 0; c < C; c++) if (at[c] >= 0) acc[at[c]] += g[p + c];
  });
  dx.values.set(acc);
}

/** Number of non-padded positions in the window of output (oh, ow). */
function windowCount(info: Window2d, oh: number, ow: number): number {
  let count = 0;
  forEachTap(info, 0, oh, ow, () => count++);
  return count;
}

export function avgPool2d(x: TensorData, info: Window2d, out: TensorData): void {
  const C = info.channels;
  const xv = x.values;
  const o = out.values;
  const sum = new Float64Array(C);
  forEachOutput(info, (p, n, oh, ow) => {
    sum.fill(0);
    forEachTap(info, n, oh, ow, (xOff) => {
      for (let c = 0; c < C; c++) sum[c] += xv[xOff + c];
    });
    const count = windowCount(info, oh, ow);
    for (let c = 0; c < C; c++) o[p + c] = count > 0 ? sum[c] / count : 0;
  });
}

export function avgPool2dBackward(dy: TensorData, info: Window2d, dx: TensorData): void {
  const C = info.channels;
  const g = dy.values;
  const acc = new Float64Array(dx.values.length);
  forEachOutput(info, (p, n, oh, ow) => {
    const count = windowCount(info, oh, ow);
    forEachTap(info, n, oh, ow, (xOff) => {
      for (let c = 0; c < C; c++) acc[xOff + c] += g[p + c] / count;
    });
  });
  dx.values.set(acc);
}
