// 2-D convolution over NHWC activations with HWIO kernels (Keras / TF.js layout), and the window
// geometry (strides, dilation, 'valid' / 'same' padding) that convolution and pooling share.
// Geometry is worked out here once, before dispatch; kernels receive it ready-made.

import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import type { Conv2dInfo, DenseActivation, Window2d } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { record } from '../autograd/engine.js';
import { toTensor } from './convert.js';
import { empty } from './elementwise.js';
import { scratchTensor, stepOutput } from '../backend/arena.js';
import { cast } from './shape-ops.js';
import { ArgumentError, DtypeError, ShapeError, fmtShape } from '../errors.js';

/** Keras padding modes: 'valid' (no padding) or 'same' (TF's: output size ceil(input / stride)). */
export type Padding = 'valid' | 'same';

/** A size given once for both spatial axes, or as [height, width]. */
export type Size2d = number | readonly [number, number];

/** Options of the conv2d op (the Conv2D layer takes Keras' names for the same settings). */
export interface Conv2dOptions {
  /** Step of the window over height and width (default 1). */
  strides?: Size2d;
  /** 'valid' (default) or 'same'. */
  padding?: Padding;
  /** Spacing between kernel taps (default 1); > 1 is an atrous convolution. */
  dilationRate?: Size2d;
  /** Added to every output position, shape [outChannels]. */
  bias?: TensorLike | null;
  /** Applied in the same kernel: 'linear' (default) or 'relu'. */
  activation?: DenseActivation;
}

/** @internal A [height, width] pair of whole numbers >= 1 from a number or a pair. */
export function size2d(op: string, name: string, v: Size2d): [number, number] {
  const pair: readonly unknown[] = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : [];
  if (pair.length !== 2 || !pair.every((d) => Number.isInteger(d) && (d as number) >= 1)) {
    throw new ArgumentError(`${op}: ${name} must be a whole number >= 1 or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

function checkPadding(op: string, padding: unknown): Padding {
  if (padding !== 'valid' && padding !== 'same') {
    throw new ArgumentError(`${op}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
  }
  return padding;
}

/** Output length and the padding before / after on one axis (TF's rule for 'same'). */
function axisGeometry(inSize: number, window: number, stride: number, dilation: number, padding: Padding): [number, number, number] {
  const span = (window - 1) * dilation + 1;
  if (padding === 'valid') return [inSize >= span ? Math.floor((inSize - span) / stride) + 1 : 0, 0, 0];
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + span - inSize, 0);
  const before = Math.floor(total / 2);
  return [out, before, total - before];
}

/**
 * @internal The geometry of a window of `windowSize` sliding over NHWC `inShape`; throws when the
 * (dilated) window does not fit the input under 'valid' padding.
 */
export function window2d(
  op: string,
  inShape: readonly number[],
  windowSize: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: Padding,
  what = 'window',
): Window2d {
  const [batch, inHeight, inWidth, channels] = inShape;
  const [kh, kw] = windowSize;
  const spanH = (kh - 1) * dilations[0] + 1;
  const spanW = (kw - 1) * dilations[1] + 1;
  if (padding === 'valid' && (spanH > inHeight || spanW > inWidth)) {
    const dilated = spanH !== kh || spanW !== kw ? ` (${spanH} x ${spanW} with dilation)` : '';
    throw new ShapeError(
      `${op}: the ${what} ${kh} x ${kw}${dilated} is larger than the input's ${inHeight} x ${inWidth} positions ` +
        `(input ${fmtShape(inShape)}, padding 'valid'); use a smaller ${what} or padding 'same'`,
    );
  }
  const [outHeight, padTop, padBottom] = axisGeometry(inHeight, kh, strides[0], dilations[0], padding);
  const [outWidth, padLeft, padRight] = axisGeometry(inWidth, kw, strides[1], dilations[1], padding);
  return {
    batch, inHeight, inWidth, channels, outHeight, outWidth,
    windowHeight: kh, windowWidth: kw,
    strideHeight: strides[0], strideWidth: strides[1],
    dilationHeight: dilations[0], dilationWidth: dilations[1],
    padTop, padLeft, padBottom, padRight,
  };
}

/** @internal Throws unless x is a rank-4 NHWC batch, with a hint for the common rank-3 mistake. */
export function checkNhwc(op: string, x: Tensor): void {
  if (x.rank === 4) return;
  const hint = x.rank === 3
    ? `; add the channel axis, e.g. x.reshape([${x.shape.join(', ')}, 1])`
    : x.rank === 2 ? '; reshape flat images to [batch, height, width, channels] first' : '';
  throw new ShapeError(`${op}: expected input of rank 4 [batch, height, width, channels], got ${fmtShape(x.shape)}${hint}`);
}

/** The float dtype several operands are computed in: float64 if any is, else float32. */
function commonFloat(ts: readonly Tensor[]): DType {
  return ts.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
}

/** @internal t in dtype `d` (integer inputs such as uint8 images are converted). */
export function asFloat(t: Tensor, d: DType): Tensor {
  return t.dtype === d ? t : cast(t, d);
}

/**
 * 2-D convolution (cross-correlation, as in Keras and TF) of x [batch, height, width, channels]
 * with kernel [kernelHeight, kernelWidth, channels, filters], plus optional bias and relu fused in.
 * Output [batch, outHeight, outWidth, filters]; 'same' padding keeps ceil(size / stride).
 * @example conv2d(zeros([8, 28, 28, 1]), zeros([3, 3, 1, 32]), { activation: 'relu' }).shape // [8, 26, 26, 32]
 */
export function conv2d(x: TensorLike, kernel: TensorLike, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  let xt = toTensor(x, op);
  let wt = toTensor(kernel, op);
  let bt = opts.bias === undefined || opts.bias === null ? null : toTensor(opts.bias, op);
  checkNhwc(op, xt);
  if (wt.rank !== 4) {
    throw new ShapeError(`${op}: expected a kernel of rank 4 [kernelHeight, kernelWidth, inChannels, filters], got ${fmtShape(wt.shape)}`);
  }
  if (xt.shape[3] !== wt.shape[2]) {
    throw new ShapeError(
      `${op}: the input has ${xt.shape[3]} channels but the kernel expects ${wt.shape[2]}: input ${fmtShape(xt.shape)}, kernel ${fmtShape(wt.shape)}`,
    );
  }
  const filters = wt.shape[3];
  if (bt && (bt.rank !== 1 || bt.shape[0] !== filters)) {
    throw new ShapeError(`${op}: expected a bias of shape [${filters}] for kernel ${fmtShape(wt.shape)}, got ${fmtShape(bt.shape)}`);
  }
  const activation = opts.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') {
    throw new ArgumentError(`${op}: activation must be 'linear' or 'relu' (apply others after the op), got ${JSON.stringify(activation)}`);
  }
  for (const t of [wt, bt]) {
    if (t && !isFloat(t.dtype)) throw new DtypeError(`${op}: kernel and bias must be float32 or float64, got ${t.dtype}`);
  }
  const dtype = commonFloat(bt ? [xt, wt, bt] : [xt, wt]);
  xt = asFloat(xt, dtype);
  wt = asFloat(wt, dtype);
  bt = bt && asFloat(bt, dtype);
  const strides = size2d(op, 'strides', opts.strides ?? 1);
  const dilations = size2d(op, 'dilationRate', opts.dilationRate ?? 1);
  const padding = checkPadding(op, opts.padding ?? 'valid');
  const geometry = window2d(op, xt.shape, [wt.shape[0], wt.shape[1]], strides, dilations, padding, 'kernel');
  const info: Conv2dInfo = { ...geometry, outChannels: filters };
  const out = stepOutput([info.batch, info.outHeight, info.outWidth, filters], dtype);
  getBackend().conv2d(xt, wt, bt, activation, info, out);
  return record(out, 'conv2d', bt ? [xt, wt, bt] : [xt, wt], { activation, info });
}

/**
 * @internal The gradients of conv2d() given its output y and upstream dy, as one backend call:
 * [dx, dw, db], each null unless asked for by `need`.
 */
export function conv2dBackward(
  x: Tensor,
  w: Tensor,
  y: Tensor,
  dy: Tensor,
  activation: DenseActivation,
  info: Conv2dInfo,
  need: readonly [boolean, boolean, boolean],
): [Tensor | null, Tensor | null, Tensor | null] {
  const dtype = x.dtype;
  const g = asFloat(dy, dtype);
  const dx = need[0] ? stepOutput([...x.shape], dtype) : null;
  // dw is read by the optimizer right after: scratch storage of the training step (as for Dense).
  const dw = need[1] ? scratchTensor([...w.shape], dtype) : null;
  const db = need[2] ? empty([info.outChannels], dtype) : null;
  if (dx || dw || db) getBackend().conv2dBackward(x, w, y, g, activation, info, dx, dw, db);
  return [dx, dw, db];
}
