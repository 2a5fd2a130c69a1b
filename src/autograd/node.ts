// The differentiable primitives and what a recorded step of the computation remembers.
// The set is closed: rules.ts must give a gradient rule for every entry (the compiler checks it).

import type { BinaryOp, Conv2dInfo, DenseActivation, ReduceOp, UnaryOp, Window2d } from '../backend/backend.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

export interface PrimParams {
  unary: { op: UnaryOp };
  binary: { op: BinaryOp };
  /** inputs: [cond, a, b] */
  where: Record<string, never>;
  cast: { dtype: DType };
  /** Output has the reduced axes removed (keepDims is a reshape on top). */
  reduce: { op: ReduceOp; axes: number[] };
  matMul: { transposeA: boolean; transposeB: boolean };
  transpose: { perm: number[] };
  reshape: Record<string, never>;
  broadcastTo: Record<string, never>;
  slice: { begin: number[] };
  pad: { before: number[]; value: number };
  concat: { axis: number };
  /** inputs: [x, indices] */
  gather: { axis: number };
  softmax: Record<string, never>;
  /** Fused act(x · w + b); inputs: [x, w] or [x, w, b]. */
  dense: { activation: DenseActivation };
  /** Per-sample sparse categorical cross-entropy; inputs: [pred, labels]. */
  sparseCrossentropy: { fromLogits: boolean };
  /**
   * sparseCrossentropy of probabilities that softmax made from logits, recorded against the logits
   * so that backward takes one pass instead of two rules; inputs: [logits, labels].
   */
  softmaxSparseCrossentropy: { probs: Tensor };
  logSoftmax: Record<string, never>;
  /** Fused act(conv(x, w) + b), NHWC / HWIO; inputs: [x, w] or [x, w, b]. */
  conv2d: { activation: DenseActivation; info: Conv2dInfo };
  maxPool2d: { info: Window2d };
  avgPool2d: { info: Window2d };
  /** With given statistics, channel axis last; inputs: [x, mean, variance, gamma?, beta?]. */
  batchNorm: { epsilon: number; hasGamma: boolean; hasBeta: boolean };
  /** With the batch's own statistics (kept here, computed from x); inputs: [x, gamma?, beta?]. */
  batchNormTraining: { epsilon: number; hasGamma: boolean; hasBeta: boolean; mean: Tensor; variance: Tensor };
}

export type Prim = keyof PrimParams;

/** One recorded step: which primitive made a tensor, from which inputs, with which parameters. */
export type GradNode = { [P in Prim]: { prim: P; inputs: Tensor[]; params: PrimParams[P] } }[Prim];
