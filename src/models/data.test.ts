// takeRows: a shuffled batch is exactly the rows at the given indices, whatever the dtype and rank,
// as plain storage or as a training step's scratch storage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../tensor/tensor.js';
import { withStepArena } from '../backend/arena.js';
import { takeRows } from './data.js';

function reference(t: Tensor, idx: Int32Array): number[] {
  const row = t.size / t.shape[0];
  const out: number[] = [];
  for (const i of idx) for (let j = 0; j < row; j++) out.push(t.values[i * row + j]);
  return out;
}

test('takeRows gives the rows at the indices, for images, feature rows and labels', () => {
  const idx = Int32Array.from([4, 0, 7, 7, 2]);
  const cases = [
    new Tensor(Float32Array.from({ length: 8 * 5 * 6 }, (_, i) => i * 0.5), [8, 5, 6], 'float32'), // rows of 30
    new Tensor(Float32Array.from({ length: 8 * 3 }, (_, i) => -i), [8, 3], 'float32'), // rows of 3
    new Tensor(Int32Array.from({ length: 8 }, (_, i) => i * 10), [8], 'int32'), // labels
    new Tensor(Uint8Array.from({ length: 8 * 20 }, (_, i) => i % 251), [8, 20], 'uint8'),
  ];
  for (const t of cases) {
    for (const inStep of [false, true]) {
      const got = withStepArena(() => {
        const b = takeRows(t, idx, inStep);
        assert.deepEqual(b.shape, [idx.length, ...t.shape.slice(1)]);
        assert.equal(b.dtype, t.dtype);
        assert.equal(b.values.constructor, t.values.constructor);
        return Array.from(b.values);
      });
      assert.deepEqual(got, reference(t, idx), `${t.dtype} ${JSON.stringify(t.shape)} inStep=${inStep}`);
    }
  }
});
