// The resampler behind the image loaders: area averaging when shrinking, bilinear when enlarging,
// flat images stay flat, and a fine checkerboard shrinks to grey instead of aliasing.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { axisTaps, resizeRows } from './resize.js';

/** Resizes a [h, w, c] float image given as a flat array. */
function resize(src: number[], h: number, w: number, c: number, outH: number, outW: number): number[] {
  const out = new Float32Array(outH * outW * c);
  resizeRows(w, h, c, outH, outW, (y, buf) => buf.set(src.slice(y * w * c, (y + 1) * w * c)), out, 0);
  return Array.from(out);
}

const close = (a: number[], b: number[], tol = 1e-4): void => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `index ${i}: ${v} vs ${b[i]}`));
};

describe('axisTaps', () => {
  test('every output row of weights sums to 1, indices in range', () => {
    for (const [i, o] of [[7, 3], [3, 7], [5, 5], [100, 1], [1, 9], [28, 64], [640, 224], [2, 1]]) {
      const t = axisTaps(i, o);
      for (let k = 0; k < o; k++) {
        let s = 0;
        for (let j = t.start[k]; j < t.start[k + 1]; j++) {
          assert.ok(t.index[j] >= 0 && t.index[j] < i);
          s += t.weight[j];
        }
        assert.ok(Math.abs(s - 1) < 1e-12, `${i}->${o} row ${k} sums to ${s}`);
      }
    }
  });
});

describe('resizeRows', () => {
  test('a constant image stays exactly constant at any size', () => {
    for (const [h, w, oh, ow] of [[5, 7, 2, 3], [3, 3, 8, 5], [10, 1, 3, 1], [6, 6, 6, 6], [97, 31, 13, 64]]) {
      const src = new Array(h * w * 3).fill(0).map((_, i) => [200, 17, 3][i % 3]);
      const out = resize(src, h, w, 3, oh, ow);
      out.forEach((v, i) => assert.equal(v, [200, 17, 3][i % 3], `${h}x${w}->${oh}x${ow} at ${i}`));
    }
  });

  test('2x2 -> 1x1 is the mean; 4x4 -> 2x2 averages each 2x2 block', () => {
    assert.deepEqual(resize([10, 20, 30, 60], 2, 2, 1, 1, 1), [30]);
    const src = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    assert.deepEqual(resize(src, 4, 4, 1, 2, 2), [3.5, 5.5, 11.5, 13.5]);
  });

  test('a non-integer shrink weights partial pixels by the area they cover', () => {
    // 3 -> 2: output 0 covers pixel 0 and half of pixel 1.
    close(resize([0, 30, 90], 1, 3, 1, 1, 2), [(0 + 0.5 * 30) / 1.5, (0.5 * 30 + 90) / 1.5]);
  });

  test('enlarging is bilinear between pixel centres, clamped at the edges', () => {
    close(resize([0, 100], 1, 2, 1, 1, 4), [0, 25, 75, 100]);
    close(resize([0, 100], 2, 1, 1, 4, 1), [0, 25, 75, 100]);
  });

  test('a 1-pixel checkerboard shrunk 8x is flat grey (no aliasing)', () => {
    const n = 64;
    const src: number[] = [];
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) src.push((x + y) % 2 ? 255 : 0);
    const out = resize(src, n, n, 1, 8, 8);
    out.forEach((v) => assert.equal(v, 127.5));
  });

  test('channels stay separate and the output lands at the given offset', () => {
    const out = new Float32Array(2 + 3);
    resizeRows(2, 1, 3, 1, 1, (_, buf) => buf.set([0, 10, 100, 2, 20, 200]), out, 2);
    assert.deepEqual(Array.from(out), [0, 0, 1, 15, 150]);
  });
});
