// One gradient rule per primitive, written with ops (so rules read like the maths). Each returns
// one gradient per input (null where none flows); backward() casts to the input's dtype.
// Broadcasting is undone by `unbroadcast`, which sums a gradient back down to its input's shape.

import type { Tensor } from '../tensor/tensor.js';
import type { Prim, PrimParams } from './node.js';
import type { UnaryOp } from '../backend/backend.js';
import * as ops from '../ops/index.js';
import { shapesEqual } from '../tensor/shape.js';

type Rule<P extends Prim> = (dy: Tensor, inputs: Tensor[], out: Tensor, params: PrimParams[P]) => (Tensor | null)[];

/** Sums `g` over the axes that broadcasting added or stretched, giving a tensor of `shape`. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.rank; d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  }
  const s = axes.length ? ops.sum(g, axes) : g;
  return ops.reshape(s, [...shape]);
}

const SQRT_PI = Math.sqrt(Math.PI);

function unaryGrad(op: UnaryOp, dy: Tensor, x: Tensor, y: Tensor): Tensor | null {
  switch (op) {
    case 'neg': return ops.neg(dy);
    case 'abs': return ops.mul(dy, ops.sign(x));
    case 'exp': return ops.mul(dy, y);
    case 'log': return ops.div(dy, x);
    case 'sqrt': return ops.div(dy, ops.mul(y, 2));
    case 'square': return ops.mul(dy, ops.mul(x, 2));
    case 'reciprocal': return ops.neg(ops.mul(dy, ops.square(y)));
    case 'relu': return ops.mul(dy, ops.cast(ops.greater(x, 0), dy.dtype));
    case 'sigmoid': return ops.mul(dy, ops.mul(y, ops.sub(1, y)));
    case 'tanh': return ops.mul(dy, ops.sub(1, ops.square(y)));
    case 'softplus': return ops.mul(dy, ops.sigmoid(x));
    case 'erf': return ops.mul(dy, ops.mul(ops.exp(ops.neg(ops.square(x))), 2 / SQRT_PI));
    case 'log1p': return ops.div(dy, ops.add(x, 1));
    case 'expm1': return ops.mul(dy, ops.add(y, 1));
    case 'sin': return ops.mul(dy, ops.cos(x));
    case 'cos': return ops.neg(ops.mul(dy, ops.sin(x)));
    // Piecewise-constant ops have zero gradient almost everywhere.
    case 'sign': case 'floor': case 'ceil': case 'round': return ops.zerosLike(dy);
    case 'logicalNot': case 'isNaN': case 'isFinite': return null;
  }
}

/** Keeps the reduced axes as size 1 so a reduced gradient broadcasts against the input. */
function keepDimsShape(inShape: readonly number[], axes: readonly number[]): number[] {
  return inShape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export const GRAD_RULES: { [P in Prim]: Rule<P> } = {
  unary: (dy, [x], y, { op }) => [unaryGrad(op, dy, x, y)],

  binary: (dy, [a, b], y, { op }) => {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    // A constant operand (a scalar count in mean, a fixed mask) needs no gradient: skipping it
    // saves several ops per training step.
    if (!a.requiresGrad && !b.requiresGrad) return [null, null];
    switch (op) {
      case 'add': ga = dy; gb = dy; break;
      case 'sub': ga = dy; gb = ops.neg(dy); break;
      case 'mul': ga = a.requiresGrad ? ops.mul(dy, b) : null; gb = b.requiresGrad ? ops.mul(dy, a) : null; break;
      case 'div':
        ga = a.requiresGrad ? ops.div(dy, b) : null;
        gb = b.requiresGrad ? ops.neg(ops.div(ops.mul(dy, a), ops.square(b))) : null;
        break;
      case 'pow': {
        ga = ops.mul(dy, ops.mul(b, ops.pow(a, ops.sub(b, 1))));
        // d/db a^b = a^b log a, taken as 0 where a <= 0 (log undefined), as TF does.
        const safeLog = ops.where(ops.greater(a, 0), ops.log(ops.maximum(a, Number.MIN_VALUE)), 0);
        gb = ops.mul(dy, ops.mul(y, safeLog));
        break;
      }
      case 'maximum': {
        const m = ops.cast(ops.greaterEqual(a, b), dy.dtype);
        ga = ops.mul(dy, m); gb = ops.mul(dy, ops.sub(1, m)); break;
      }
      case 'minimum': {
        const m = ops.cast(ops.lessEqual(a, b), dy.dtype);
        ga = ops.mul(dy, m); gb = ops.mul(dy, ops.sub(1, m)); break;
      }
      case 'mod': ga = dy; gb = ops.mul(ops.neg(dy), ops.floorDiv(a, b)); break;
      default: return [null, null];
    }
    return [ga && a.requiresGrad ? unbroadcast(ga, a.shape) : null, gb && b.requiresGrad ? unbroadcast(gb, b.shape) : null];
  },

  where: (dy, [cond, a, b]) => {
    const zero = ops.zerosLike(dy);
    return [null, unbroadcast(ops.where(cond, dy, zero), a.shape), unbroadcast(ops.where(cond, zero, dy), b.shape)];
  },

  cast: (dy, [x]) => [ops.cast(dy, x.dtype)],

  reduce: (dy, [x], y, { op, axes }) => {
    const kept = keepDimsShape(x.shape, axes);
    const dyK = ops.reshape(dy, kept);
    switch (op) {
      case 'sum':
        return [ops.broadcastTo(dyK, [...x.shape])];
      case 'prod': {
        // The gradient of each entry is the product of the others. y / x would give 0/0 at a zero,
        // so it is built from the product of the non-zero entries and the count of zeros: with no
        // zero it is prodNz / x; with exactly one, the zero entry gets prodNz and the rest 0;
        // with more, everything is 0.
        const isZero = ops.equal(x, 0);
        const nonZero = ops.where(isZero, 1, x);
        const prodNz = ops.reshape(ops.prod(nonZero, axes), kept);
        const zeros = ops.reshape(ops.sum(isZero, axes), kept);
        const atZero = ops.where(ops.equal(zeros, 1), prodNz, 0);
        const elsewhere = ops.where(ops.equal(zeros, 0), ops.div(prodNz, nonZero), 0);
        return [ops.mul(ops.broadcastTo(dyK, [...x.shape]), ops.where(isZero, atZero, elsewhere))];
      }
      case 'max':
      case 'min': {
        // The gradient is shared equally among tied extremes, as TF does.
        const mask = ops.cast(ops.equal(x, ops.reshape(y, kept)), dy.dtype);
        const count = ops.reshape(ops.sum(mask, axes), kept);
        return [ops.mul(mask, ops.div(dyK, count))];
      }
    }
  },

  matMul: (dy, [a, b], _y, { transposeA: tA, transposeB: tB }) => {
    // Each product is only computed when its input wants a gradient: the input batch of a model
    // never does, and skipping its dX saves a third of a first Dense layer's backward pass.
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    const needA = a.requiresGrad;
    const needB = b.requiresGrad;
    if (!tA && !tB) {
      if (needA) ga = ops.matMul(dy, b, { transposeB: true });
      if (needB) gb = ops.matMul(a, dy, { transposeA: true });
    } else if (!tA && tB) {
      if (needA) ga = ops.matMul(dy, b);
      if (needB) gb = ops.matMul(dy, a, { transposeA: true });
    } else if (tA && !tB) {
      if (needA) ga = ops.matMul(b, dy, { transposeB: true });
      if (needB) gb = ops.matMul(a, dy);
    } else {
      if (needA) ga = ops.matMul(b, dy, { transposeA: true, transposeB: true });
      if (needB) gb = ops.matMul(dy, a, { transposeA: true, transposeB: true });
    }
    return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
  },

  transpose: (dy, _inputs, _y, { perm }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [ops.transpose(dy, inv)];
  },

  reshape: (dy, [x]) => [ops.reshape(dy, [...x.shape])],

  broadcastTo: (dy, [x]) => [unbroadcast(dy, x.shape)],

  slice: (dy, [x], _y, { begin }) => [ops.pad(dy, begin.map((b, i) => [b, x.shape[i] - b - dy.shape[i]]))],

  pad: (dy, [x], _y, { before }) => [ops.slice(dy, before, [...x.shape])],

  concat: (dy, inputs, _y, { axis }) => {
    let offset = 0;
    return inputs.map((x) => {
      const begin = dy.shape.map((_, d) => (d === axis ? offset : 0));
      offset += x.shape[axis];
      return ops.slice(dy, begin, [...x.shape]);
    });
  },

  gather: (dy, [x, indices], _y, { axis }) => [ops.scatterAdd(dy, indices, axis, [...x.shape]), null],

  softmax: (dy, _inputs, y) => [ops.mul(y, ops.sub(dy, ops.sum(ops.mul(dy, y), -1, { keepDims: true })))],

  dense: (dy, [x, w, b], y, { activation }) =>
    ops.denseBackward(x, w, b ?? null, y, dy, activation, [x.requiresGrad, w.requiresGrad, b !== undefined]),

  sparseCrossentropy: (dy, [pred, labels], _y, { fromLogits }) => [ops.sparseCrossentropyGrad(pred, labels, fromLogits, dy), null],

  softmaxSparseCrossentropy: (dy, [, labels], _y, { probs }) => [ops.softmaxSparseCrossentropyGrad(probs, labels, dy), null],

  logSoftmax: (dy, _inputs, y) => [ops.sub(dy, ops.mul(ops.exp(y), ops.sum(dy, -1, { keepDims: true })))],

  // Only the gradients some input wants are computed: the first layer's dx (its input is data) is skipped.
  conv2d: (dy, [x, w, b], y, { activation, info }) =>
    ops.conv2dBackward(x, w, y, dy, activation, info, [x.requiresGrad, w.requiresGrad, b !== undefined && b.requiresGrad]),

  maxPool2d: (dy, [x], _y, { info }) => [ops.maxPool2dBackward(x, dy, info)],

  avgPool2d: (dy, [x], _y, { info }) => [ops.avgPool2dBackward(x, dy, info)],

  batchNorm: (dy, inputs, _y, { epsilon, hasGamma, hasBeta }) => {
    const [x, mean, variance] = inputs;
    const gamma = hasGamma ? inputs[3] : null;
    const beta = hasBeta ? inputs[hasGamma ? 4 : 3] : null;
    const statsGrad = mean.requiresGrad || variance.requiresGrad;
    // Gradients for the statistics come from the per-channel sums the kernel already makes:
    // dmean = -gamma * rstd * sum(dy), dvar = -gamma * rstd^2 * sum(dy * xhat) / 2.
    const [dx, dgamma, dbeta] = ops.batchNormBackward(x, mean, variance, gamma, dy, epsilon, false, [
      x.requiresGrad,
      (gamma?.requiresGrad ?? false) || variance.requiresGrad,
      (beta?.requiresGrad ?? false) || mean.requiresGrad,
    ]);
    let dmean: Tensor | null = null;
    let dvar: Tensor | null = null;
    if (statsGrad) {
      const rstd = ops.div(1, ops.sqrt(ops.add(variance, epsilon)));
      const k = gamma ? ops.mul(gamma, rstd) : rstd;
      if (mean.requiresGrad) dmean = ops.neg(ops.mul(k, dbeta!));
      if (variance.requiresGrad) dvar = ops.mul(ops.mul(k, rstd), ops.mul(dgamma!, -0.5));
    }
    const out: (Tensor | null)[] = [dx, dmean, dvar];
    if (gamma) out.push(dgamma);
    if (beta) out.push(dbeta);
    return out;
  },

  batchNormTraining: (dy, inputs, _y, { epsilon, hasGamma, hasBeta, mean, variance }) => {
    const [x] = inputs;
    const gamma = hasGamma ? inputs[1] : null;
    const beta = hasBeta ? inputs[hasGamma ? 2 : 1] : null;
    const [dx, dgamma, dbeta] = ops.batchNormBackward(x, mean, variance, gamma, dy, epsilon, true, [
      x.requiresGrad,
      gamma?.requiresGrad ?? false,
      beta?.requiresGrad ?? false,
    ]);
    const out: (Tensor | null)[] = [dx];
    if (gamma) out.push(dgamma);
    if (beta) out.push(dbeta);
    return out;
  },
};
