// The kernel interface: a closed, typed set of primitives every backend implements. Ops work out
// shapes and dtypes and allocate the output before dispatch; a kernel only fills `out.data`.
// The reference JS backend implements all of them (the compiler checks it); a faster backend may
// implement a subset and the dispatcher in ./index.ts falls back to JS in one place.

import type { DType, TypedArray } from '../tensor/dtype.js';

/** What a kernel sees of a tensor: its storage, shape and dtype. */
export interface TensorData {
  readonly values: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'square' | 'reciprocal' | 'sign'
  | 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'erf' | 'log1p' | 'expm1'
  | 'sin' | 'cos' | 'floor' | 'ceil' | 'round' | 'logicalNot' | 'isNaN' | 'isFinite';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'floorDiv' | 'mod'
  | 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual'
  | 'logicalAnd' | 'logicalOr';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

/** Hyper-parameters of one fused Adam step (Keras 3 update rule, see optimizers/adam.ts). */
export interface AdamStep {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 1-based step count, for bias correction. */
  readonly step: number;
}

/** Hyper-parameters of one SGD step (Keras 3 rule, see optimizers/rules.ts). */
export interface SgdStep {
  readonly lr: number;
  /** 0 for plain SGD (then there is no momentum buffer). */
  readonly momentum: number;
  readonly nesterov: boolean;
}

/**
 * The activations the fused Dense and conv2d kernels apply in the same pass ('linear' means none);
 * other activations run as a separate op after the kernel.
 */
export type DenseActivation = 'linear' | 'relu';

/**
 * Geometry of a 2-D sliding window (convolution or pooling) over an NHWC input, worked out once by
 * the op before dispatch. Input x is [batch, inHeight, inWidth, channels]; output position
 * (oh, ow) reads input rows oh*strideHeight - padTop + kh*dilationHeight (kh < windowHeight), and
 * columns likewise; positions outside the input are padding (zero for convolution, skipped by
 * pooling).
 */
export interface Window2d {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly windowHeight: number;
  readonly windowWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly padBottom: number;
  readonly padRight: number;
}

/** A convolution's geometry: the window is the kernel w [windowHeight, windowWidth, channels, outChannels] (HWIO). */
export interface Conv2dInfo extends Window2d {
  readonly outChannels: number;
}

export interface Backend {
  readonly name: string;
  /** out = op(x), elementwise; out may have another dtype (bool for isNaN). */
  unary(op: UnaryOp, x: TensorData, out: TensorData): void;
  /** out = op(a, b) with NumPy broadcasting to out.shape. */
  binary(op: BinaryOp, a: TensorData, b: TensorData, out: TensorData): void;
  /** out = cond ? a : b, all three broadcast to out.shape. */
  where(cond: TensorData, a: TensorData, b: TensorData, out: TensorData): void;
  /** Converts values into out's dtype (floats to ints truncate toward zero, like TF). */
  cast(x: TensorData, out: TensorData): void;
  /** Reduces `axes` (sorted, unique) away; out holds the remaining dims in order. */
  reduce(op: ReduceOp, x: TensorData, axes: readonly number[], out: TensorData): void;
  /** Index of the max/min along `axis` (first one on ties); NaN counts as the max. */
  argReduce(op: 'argmax' | 'argmin', x: TensorData, axis: number, out: TensorData): void;
  /** Batched matrix product over the last two dims; batch dims broadcast. */
  matMul(a: TensorData, b: TensorData, transposeA: boolean, transposeB: boolean, out: TensorData): void;
  transpose(x: TensorData, perm: readonly number[], out: TensorData): void;
  /** Copies x repeated to out.shape (NumPy broadcast rules). */
  broadcastTo(x: TensorData, out: TensorData): void;
  /** out = x[begin[0]:begin[0]+out.shape[0], ...]. */
  slice(x: TensorData, begin: readonly number[], out: TensorData): void;
  /** out = x placed at offset `before` inside a tensor filled with `value`. */
  pad(x: TensorData, before: readonly number[], value: number, out: TensorData): void;
  concat(xs: readonly TensorData[], axis: number, out: TensorData): void;
  /** out = x taken at integer `indices` along `axis`; indices checked by the op. */
  gather(x: TensorData, indices: TensorData, axis: number, out: TensorData): void;
  /** out (zeroed by the caller) += updates scattered at `indices` along `axis`: the gradient of gather. */
  scatterAdd(updates: TensorData, indices: TensorData, axis: number, out: TensorData): void;
  oneHot(indices: TensorData, depth: number, onValue: number, offValue: number, out: TensorData): void;
  /** Softmax over the last axis, max-subtracted for stability. */
  softmax(x: TensorData, out: TensorData): void;
  /** log(softmax(x)) over the last axis as x - max - log(sum(exp(x - max))). */
  logSoftmax(x: TensorData, out: TensorData): void;
  /** Fused Dense forward: out[m,n] = act(x[m,k] · w[k,n] + bias[n]). */
  denseForward(x: TensorData, w: TensorData, bias: TensorData | null, activation: DenseActivation, out: TensorData): void;
  /**
   * Fused Dense backward, given the forward's x [m,k], w [k,n], output y [m,n] and upstream dy [m,n]
   * (all one float dtype): dz = relu ? dy * (y > 0) : dy, then dx = dz · wᵀ, dw = xᵀ · dz and
   * db = sum of dz over rows. Outputs passed as null are not computed.
   */
  denseBackward(
    x: TensorData,
    w: TensorData,
    y: TensorData,
    dy: TensorData,
    activation: DenseActivation,
    dx: TensorData | null,
    dw: TensorData | null,
    db: TensorData | null,
  ): void;
  /**
   * Fused 2-D convolution, NHWC / HWIO: out [batch, outHeight, outWidth, outChannels] =
   * act(conv(x, w) + bias), with x [batch, inHeight, inWidth, channels], w as in `info`.
   */
  conv2d(x: TensorData, w: TensorData, bias: TensorData | null, activation: DenseActivation, info: Conv2dInfo, out: TensorData): void;
  /**
   * Fused conv2d backward, given the forward's x, w, output y and upstream dy (one float dtype):
   * dz = relu ? dy * (y > 0) : dy, then dx = the input gradient (transposed convolution of dz),
   * dw = the filter gradient (x correlated with dz), db = sum of dz over batch and positions.
   * Outputs passed as null are not computed.
   */
  conv2dBackward(
    x: TensorData,
    w: TensorData,
    y: TensorData,
    dy: TensorData,
    activation: DenseActivation,
    info: Conv2dInfo,
    dx: TensorData | null,
    dw: TensorData | null,
    db: TensorData | null,
  ): void;
  /** Max pooling over each window, per channel; padded positions are skipped; NaN propagates. */
  maxPool2d(x: TensorData, info: Window2d, out: TensorData): void;
  /**
   * Its gradient: each window's dy goes to the first position (in row-major window order) holding
   * the window's maximum, as TF's MaxPoolGrad does; overlapping windows add up. dx is overwritten.
   */
  maxPool2dBackward(x: TensorData, dy: TensorData, info: Window2d, dx: TensorData): void;
  /** Average pooling; the divisor is the number of non-padded positions in the window (as TF). */
  avgPool2d(x: TensorData, info: Window2d, out: TensorData): void;
  /** Its gradient: dy / count spread over each window's non-padded positions; dx is overwritten. */
  avgPool2dBackward(dy: TensorData, info: Window2d, dx: TensorData): void;
  /**
   * Batch statistics of x seen as [rows, channels] (channels last): per-channel mean and the biased
   * variance mean((x - mean)^2), both [channels].
   */
  batchNormStats(x: TensorData, mean: TensorData, variance: TensorData): void;
  /** out = (x - mean) / sqrt(variance + epsilon) * gamma + beta per channel (last axis); null gamma = 1, null beta = 0. */
  batchNormForward(
    x: TensorData,
    mean: TensorData,
    variance: TensorData,
    gamma: TensorData | null,
    beta: TensorData | null,
    epsilon: number,
    out: TensorData,
  ): void;
  /**
   * Gradients of batchNormForward given x, the statistics it used and upstream dy. With
   * `batchStats` the statistics were x's own (batchNormStats), so the gradient flows through them
   * into dx; otherwise they were constants. dgamma = sum(dy * xhat), dbeta = sum(dy) per channel.
   * Outputs passed as null are not computed.
   */
  batchNormBackward(
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
  ): void;
  /**
   * Per-sample sparse categorical cross-entropy of pred [batch, classes] against integer labels
   * [batch] (checked by the op). Probabilities are normalised and clipped to [1e-7, 1 - 1e-7] as
   * Keras does; logits go through a stable log-softmax.
   */
  sparseCrossentropy(pred: TensorData, labels: TensorData, fromLogits: boolean, out: TensorData): void;
  /** Its gradient with respect to pred, given the upstream gradient dy [batch]. */
  sparseCrossentropyGrad(pred: TensorData, labels: TensorData, fromLogits: boolean, dy: TensorData, out: TensorData): void;
  /**
   * The gradient of sparseCrossentropy(softmax(z), labels) (probabilities, not logits) with respect
   * to the logits z, given probs = softmax(z) [batch, classes] and dy [batch]: exactly (same
   * rounding) what sparseCrossentropyGrad followed by softmax's gradient rule compute, as one pass.
   */
  softmaxSparseCrossentropyGrad(probs: TensorData, labels: TensorData, dy: TensorData, out: TensorData): void;
  /**
   * Zeroed storage for long-lived tensors (weights, optimizer slots). A backend may place it where
   * its kernels read it without copying; it is still an ordinary, garbage-collected typed array.
   */
  allocatePersistent(dtype: DType, n: number): TypedArray;
  /**
   * Storage for a short-lived tensor that the caller overwrites entirely (its contents are
   * unspecified) and a kernel reads soon after (a weight's gradient, read by the optimizer): like
   * allocatePersistent, but given back with releaseScratch. Only the training step's arena
   * (../backend/arena.ts) calls these two; everything else asks the arena.
   */
  allocateScratch(dtype: DType, n: number): TypedArray;
  /** Gives back storage from allocateScratch (the step has ended); other storage is left alone. */
  releaseScratch(arr: TypedArray): void;
  /**
   * One SGD step in place on the weight (and its momentum buffer m, null without momentum):
   * w -= lr*g; or m = m*momentum - g*lr, then w += nesterov ? m*momentum - g*lr : m.
   */
  sgdUpdate(w: TypedArray, g: TypedArray, m: TypedArray | null, p: SgdStep): void;
  /** One Adam step in place on the weight and its two moment buffers (all float, same size). */
  adamUpdate(w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, p: AdamStep): void;
}
