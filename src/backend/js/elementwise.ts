// Reference elementwise kernels: unary, binary with broadcasting, where, cast.
// Written for clarity first; the common shapes (same shape, scalar, trailing-vector broadcast like
// a bias add) get plain loops because they dominate training time.

import type { BinaryOp, TensorData, UnaryOp } from '../backend.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import type { TypedArray } from '../../tensor/dtype.js';

const SQRT_2_OVER_PI = 2 / Math.sqrt(Math.PI);

// Abramowitz-Stegun 7.1.26 is only good to 1e-7 absolute; this uses the series / continued
// fraction split so that gelu and its gradient check hold in float64.
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2) {
    // Maclaurin series: converges fast for |x| < 2.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return sum * SQRT_2_OVER_PI;
  }
  if (ax > 6) return Math.sign(x);
  // erfc via Lentz continued fraction for larger |x|.
  const erfc = erfcContinuedFraction(ax);
  return x > 0 ? 1 - erfc : erfc - 1;
}

function erfcContinuedFraction(x: number): number {
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function softplus(x: number): number {
  // log(1 + e^x) without overflow for large x or loss of precision for very negative x.
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * relu that keeps NaN, like tf.nn.relu: x > 0 gives x, NaN gives the same NaN, anything else
 * (-0 and the negatives) +0. Every JS relu (unary, Dense and conv2d forward) goes through it.
 */
export function relu(v: number): number {
  return v > 0 ? v : v === v ? 0 : v;
}

/**
 * o[i] = relu(a[i]) over all of a (o may be a). A function of its own because the same loop calling
 * relu from inside denseForward measured ~1.3x slower there than the inline expression it replaced.
 */
export function reluInto(a: TypedArray, o: TypedArray): void {
  for (let i = 0; i < a.length; i++) o[i] = relu(a[i]);
}

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sign: (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0),
  relu, // unary() takes relu through reluInto; the entry keeps the table complete
  sigmoid,
  tanh: Math.tanh,
  softplus,
  erf,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  ceil: Math.ceil,
  // Round half to even, as NumPy and TF do.
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  logicalNot: (x) => (x ? 0 : 1),
  isNaN: (x) => (Number.isNaN(x) ? 1 : 0),
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

export function unary(op: UnaryOp, x: TensorData, out: TensorData): void {
  const a = x.values;
  const o = out.values;
  const n = a.length;
  if (op === 'relu') {
    reluInto(a, o);
    return;
  }
  const f = UNARY[op];
  for (let i = 0; i < n; i++) o[i] = f(a[i]);
}

function floorMod(a: number, b: number): number {
  // Python/NumPy semantics: the result has the sign of the divisor.
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

export const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  // NaN wins in maximum/minimum, as in NumPy and TF (Math.max already does this).
  maximum: Math.max,
  minimum: Math.min,
  floorDiv: (a, b) => Math.floor(a / b),
  mod: floorMod,
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  logicalAnd: (a, b) => (a && b ? 1 : 0),
  logicalOr: (a, b) => (a || b ? 1 : 0),
};

/**
 * Walks every element of `outShape` and calls `visit(outIndex, offsets)` with each input's flat
 * offset, given per-input broadcast strides. The innermost dimension is a plain loop.
 */
function forEachBroadcast(
  outShape: readonly number[],
  inputs: readonly TensorData[],
  visitRow: (outStart: number, len: number, starts: number[], innerStrides: number[]) => void,
): void {
  const rank = outShape.length;
  const n = sizeOf(outShape);
  if (n === 0) return;
  if (rank === 0) {
    visitRow(0, 1, inputs.map(() => 0), inputs.map(() => 0));
    return;
  }
  const strides = inputs.map((t) => broadcastStrides(t.shape, outShape));
  const inner = outShape[rank - 1];
  const innerStrides = strides.map((s) => s[rank - 1]);
  const idx = new Array<number>(rank - 1).fill(0);
  const starts = inputs.map(() => 0);
  for (let outStart = 0; outStart < n; outStart += inner) {
    visitRow(outStart, inner, starts, innerStrides);
    // Advance the multi-index over the outer dims and update the input offsets incrementally.
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (let t = 0; t < starts.length; t++) starts[t] += strides[t][d];
      if (idx[d] < outShape[d]) break;
      for (let t = 0; t < starts.length; t++) starts[t] -= strides[t][d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export function binary(op: BinaryOp, a: TensorData, b: TensorData, out: TensorData): void {
  const x = a.values;
  const y = b.values;
  const o = out.values;
  const n = o.length;
  if (x.length === n && y.length === n) {
    run(op, x, 0, 1, y, 0, 1, o, 0, n);
  } else if (y.length === 1 && x.length === n) {
    run(op, x, 0, 1, y, 0, 0, o, 0, n);
  } else if (x.length === 1 && y.length === n) {
    run(op, x, 0, 0, y, 0, 1, o, 0, n);
  } else {
    forEachBroadcast(out.shape, [a, b], (start, len, [sa, sb], [ia, ib]) => run(op, x, sa, ia, y, sb, ib, o, start, len));
  }
}

/**
 * o[oOff + i] = op(x[xOff + i*xInc], y[yOff + i*yInc]) for i < len. The hot arithmetic ops get
 * their own loops: a call through a function table per element costs more than the arithmetic.
 */
function run(
  op: BinaryOp, x: TypedArray, xOff: number, xInc: number, y: TypedArray, yOff: number, yInc: number,
  o: TypedArray, oOff: number, len: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < len; i++) o[oOff + i] = x[xOff + i * xInc] + y[yOff + i * yInc];
      return;
    case 'sub':
      for (let i = 0; i < len; i++) o[oOff + i] = x[xOff + i * xInc] - y[yOff + i * yInc];
      return;
    case 'mul':
      for (let i = 0; i < len; i++) o[oOff + i] = x[xOff + i * xInc] * y[yOff + i * yInc];
      return;
    case 'div':
      for (let i = 0; i < len; i++) o[oOff + i] = x[xOff + i * xInc] / y[yOff + i * yInc];
      return;
    default: {
      const f = BINARY[op];
      for (let i = 0; i < len; i++) o[oOff + i] = f(x[xOff + i * xInc], y[yOff + i * yInc]);
    }
  }
}

export function where(cond: TensorData, a: TensorData, b: TensorData, out: TensorData): void {
  const c = cond.values;
  const x = a.values;
  const y = b.values;
  const o = out.values;
  forEachBroadcast(out.shape, [cond, a, b], (start, len, [sc, sa, sb], [ic, ia, ib]) => {
    for (let i = 0; i < len; i++) o[start + i] = c[sc + i * ic] ? x[sa + i * ia] : y[sb + i * ib];
  });
}

export function broadcastTo(x: TensorData, out: TensorData): void {
  const a = x.values;
  const o = out.values;
  forEachBroadcast(out.shape, [x], (start, len, [s], [inc]) => {
    for (let i = 0; i < len; i++) o[start + i] = a[s + i * inc];
  });
}

export function cast(x: TensorData, out: TensorData): void {
  const a = x.values;
  const o = out.values;
  const n = a.length;
  if (out.dtype === 'bool') {
    for (let i = 0; i < n; i++) o[i] = a[i] !== 0 ? 1 : 0;
  } else if (out.dtype === 'int32' || out.dtype === 'uint8') {
    // Truncate toward zero like tf.cast; NaN becomes 0 (typed-array conversion).
    for (let i = 0; i < n; i++) o[i] = Math.trunc(a[i]);
  } else {
    for (let i = 0; i < n; i++) o[i] = a[i];
  }
}
