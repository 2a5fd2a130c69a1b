// Small assertion helpers shared by the op tests: compare a tensor's values and shape in one line.

import assert from 'node:assert/strict';
import type { Tensor } from '../tensor/tensor.js';

/** The values as a plain array (NaN stays NaN). */
export function vals(t: Tensor): number[] {
  return Array.from(t.data());
}

/** Asserts shape, and values within `tol` (exact when 0). NaN matches NaN, Infinity matches Infinity. */
export function assertTensor(t: Tensor, shape: number[], expected: number[], tol = 1e-6): void {
  assert.deepEqual(t.shape, shape, `shape [${t.shape.join(', ')}] vs expected [${shape.join(', ')}]`);
  const got = vals(t);
  assert.equal(got.length, expected.length, `value count ${got.length} vs ${expected.length}`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(g) : g === e || Math.abs(g - e) <= tol * Math.max(1, Math.abs(e));
    assert.ok(ok, `element ${i}: got ${g}, expected ${e} (got [${got.join(', ')}])`);
  }
}
