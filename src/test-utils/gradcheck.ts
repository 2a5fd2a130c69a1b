// Central finite-difference gradient checker in float64: compares nerva's reverse-mode gradients
// with numeric ones, for tests of ops, layers and losses.

import { AssertionError } from 'node:assert';
import { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { valueAndGrad, noGrad } from '../autograd/engine.js';
import { cast, mul, sum, tensor } from '../ops/index.js';

export interface GradCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Absolute tolerance, for gradients near zero (default 1e-6). */
  atol?: number;
}

export interface GradCheckResult {
  /** Largest |analytic - numeric| over all checked elements. */
  maxAbsError: number;
  /** Number of (input, element) pairs compared numerically. */
  checked: number;
  /** The analytic gradients, one per input (float64 for float inputs). */
  grads: Tensor[];
}

// A small local generator for the output weights, so a check never moves the global seed.
function weights(n: number): Float64Array {
  const w = new Float64Array(n);
  let s = 0x2545f491;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    w[i] = 0.5 + ((s >>> 0) / 4294967296); // in [0.5, 1.5): no weight near zero hides an error
  }
  return w;
}

/**
 * Checks the gradients of `f` at `inputs`. Float inputs are promoted to float64; `f`'s output (any
 * shape) is reduced to sum(f(x) * w) with fixed pseudo-random weights w, so that errors a plain sum
 * would cancel (softmax rows sum to 1) still show. Integer inputs must get an all-zero gradient of
 * their own dtype. Throws an AssertionError naming the input, element and both values.
 * @example checkGrad((a, b) => a.mul(b), [randomNormal([3, 1]), randomNormal([1, 4])]);
 */
export function checkGrad(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const eps = opts.eps ?? 1e-6;
  const rtol = opts.rtol ?? 1e-3;
  const atol = opts.atol ?? 1e-6;
  const xs = inputs.map((x) => (isFloat(x.dtype) ? cast(x, 'float64') : x));
  const probe = noGrad(() => f(...xs));
  const w = weights(probe.size);
  const wT = tensor(w, [...probe.shape], 'float64');
  const objective = (...args: Tensor[]): Tensor => sum(mul(f(...args), wT));
  // Numeric side: evaluated in plain doubles, outside autograd.
  const value = (args: Tensor[]): number => {
    const y = noGrad(() => f(...args));
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.values[i] * w[i];
    return s;
  };
  const [, analytic] = valueAndGrad(objective)(...xs);
  let maxAbsError = 0;
  let checked = 0;
  xs.forEach((x, k) => {
    const g = analytic[k];
    if (!g || g.size !== x.size || g.shape.join(',') !== x.shape.join(',')) {
      throw new AssertionError({ message: `checkGrad: gradient of input ${k} has shape [${g?.shape.join(', ')}], expected [${x.shape.join(', ')}]` });
    }
    if (!isFloat(x.dtype)) {
      if (g.dtype !== x.dtype || g.values.some((v) => v !== 0)) {
        throw new AssertionError({ message: `checkGrad: integer input ${k} (${x.dtype}) should get an all-zero ${x.dtype} gradient, got ${g.toString()}` });
      }
      return;
    }
    for (let i = 0; i < x.size; i++) {
      const plus = new Float64Array(x.values);
      const minus = new Float64Array(x.values);
      plus[i] += eps;
      minus[i] -= eps;
      const at = (v: Float64Array): number => value(xs.map((u, j) => (j === k ? new Tensor(v, [...x.shape], 'float64') : u)));
      const numeric = (at(plus) - at(minus)) / (2 * eps);
      const a = g.values[i];
      const err = Math.abs(a - numeric);
      checked++;
      if (!(err <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)))) {
        throw new AssertionError({
          message: `checkGrad: input ${k} (shape [${x.shape.join(', ')}]) element ${i}: analytic ${a} vs numeric ${numeric} (|diff| ${err}, rtol ${rtol}, atol ${atol})`,
        });
      }
      maxAbsError = Math.max(maxAbsError, err);
    }
  });
  return { maxAbsError, checked, grads: analytic };
}
