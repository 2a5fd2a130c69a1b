// Checks the wasm kernels against plain float64 JS loops: every transpose combination of matMul on
// edge-heavy shapes, NaN/Infinity propagation, the fused dense forward and the Keras 3 Adam step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWasmKernels, type WasmKernels } from './kernels.js';
import { ShapeError } from '../../errors.js';
import { randomArray, rng } from '../../test-utils/random-arrays.js';

const DIMS = [0, 1, 3, 5, 7, 8, 9, 17, 33, 100];

/** Naive float64 reference; also returns sum |a||b| per output, the scale of the rounding error. */
function naiveMatMul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let sa = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        s += av * bv;
        sa += Math.abs(av * bv);
      }
      c[i * n + j] = s;
      scale[i * n + j] = sa;
    }
  }
  return { c, scale };
}

function assertClose(who: string, got: Float32Array, want: Float64Array, scale: Float64Array): void {
  assert.equal(got.length, want.length, `${who}: length`);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const g = got[i];
    if (Number.isNaN(w)) {
      assert.ok(Number.isNaN(g), `${who}[${i}]: expected NaN, got ${g}`);
    } else if (!Number.isFinite(w)) {
      assert.equal(g, w, `${who}[${i}]`);
    } else {
      const tol = 1e-5 * (scale[i] + Math.abs(w)) + 1e-30;
      assert.ok(Math.abs(g - w) <= tol, `${who}[${i}]: got ${g}, want ${w} (tol ${tol})`);
    }
  }
}

const variants: Array<[string, WasmKernels | null]> = [
  [`default build (relaxedSimd=${loadWasmKernels()?.relaxedSimd})`, loadWasmKernels()],
  ['baseline SIMD build', loadWasmKernels({ baselineOnly: true })],
  // Browsers without cross-origin isolation have no shared memory: every argument is copied.
  ['plain-memory build', loadWasmKernels({ unshared: true })],
];

test('loadWasmKernels finds SIMD support in Node 20+ and caches the instance', () => {
  const k = loadWasmKernels();
  assert.ok(k, 'expected WebAssembly SIMD to be available');
  assert.equal(k.simd, true);
  assert.equal(loadWasmKernels(), k);
  assert.equal(loadWasmKernels({ baselineOnly: true })?.relaxedSimd, false);
  assert.equal(k.heap.shared, true, 'Node has shared memory: weights can be resident');
  const plain = loadWasmKernels({ unshared: true })!;
  assert.equal(plain.heap.shared, false);
  assert.equal(plain.resident(10), null);
});

for (const [name, kernels] of variants) {
  const K = kernels!;

  test(`${name}: matMul matches float64 on every transpose combination and edge size`, () => {
    const rand = rng(1234);
    let cases = 0;
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        // The full cube would be 1000 shapes per combination; every size on each axis with the
        // others drawn at random, plus the all-equal diagonal, covers each edge path.
        const shapes: Array<[number, number, number]> = [];
        for (const d of DIMS) {
          shapes.push([d, d, d]);
          shapes.push([d, DIMS[Math.floor(rand() * DIMS.length)], DIMS[Math.floor(rand() * DIMS.length)]]);
          shapes.push([DIMS[Math.floor(rand() * DIMS.length)], d, DIMS[Math.floor(rand() * DIMS.length)]]);
          shapes.push([DIMS[Math.floor(rand() * DIMS.length)], DIMS[Math.floor(rand() * DIMS.length)], d]);
        }
        shapes.push([130, 300, 40], [1, 600, 1], [250, 7, 19]); // several m-blocks / k-blocks
        // B read in place (n a multiple of 8, at most 256) across k-blocks and edge row tiles;
        // small m (the unpacked single-sample path) with column tails; wide B packed again.
        shapes.push([37, 600, 64], [130, 520, 256], [3, 784, 136], [2, 300, 21], [4, 9, 264]);
        for (const [m, k, n] of shapes) {
          const a = randomArray(m * k, rand);
          const b = randomArray(k * n, rand);
          const want = naiveMatMul(a, b, m, k, n, transA, transB);
          const got = K.matMul(a, b, m, k, n, transA, transB);
          assertClose(`matMul ${m}x${k}x${n} tA=${transA} tB=${transB}`, got, want.c, want.scale);
          cases++;
        }
      }
    }
    assert.ok(cases > 100);
  });

  test(`${name}: matMul writes into a given out array and leaves inputs untouched`, () => {
    const rand = rng(7);
    const a = randomArray(9 * 17, rand);
    const b = randomArray(17 * 5, rand);
    const aCopy = a.slice();
    const bCopy = b.slice();
    const out = new Float32Array(45).fill(123);
    const res = K.matMul(a, b, 9, 17, 5, false, false, out);
    assert.equal(res, out);
    const want = naiveMatMul(a, b, 9, 17, 5, false, false);
    assertClose('matMul out', out, want.c, want.scale);
    assert.deepEqual(a, aCopy);
    assert.deepEqual(b, bCopy);
    // k = 0 must zero the output rather than keep what was in it.
    const z = new Float32Array(6).fill(5);
    K.matMul(new Float32Array(0), new Float32Array(0), 2, 0, 3, false, false, z);
    assert.deepEqual(z, new Float32Array(6));
  });

  test(`${name}: NaN and Infinity propagate like the naive loop`, () => {
    const rand = rng(99);
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const [m, k, n] = [9, 17, 11];
        const a = randomArray(m * k, rand);
        const b = randomArray(k * n, rand);
        a[3] = NaN;
        a[40] = Infinity;
        b[5] = -Infinity;
        b[k * n - 1] = 0; // Infinity * 0 = NaN, as in the reference
        a[m * k - 1] = Infinity;
        const want = naiveMatMul(a, b, m, k, n, transA, transB);
        const got = K.matMul(a, b, m, k, n, transA, transB);
        let special = 0;
        for (const v of want.c) if (!Number.isFinite(v)) special++;
        assert.ok(special > 0, 'test setup should produce non-finite outputs');
        assertClose(`matMul specials tA=${transA} tB=${transB}`, got, want.c, want.scale);
      }
    }
  });

  test(`${name}: zero columns of A and all-zero micro-panels are skipped with the dense results to the bit`, () => {
    const rand = rng(321);
    const transpose = (x: Float32Array, rows: number, cols: number): Float32Array => {
      const t = new Float32Array(x.length);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
      return t;
    };
    // Equal as numbers (so +0 and -0 match: only a zero's sign may differ), NaN where NaN.
    const sameValues = (who: string, got: Float32Array, want: Float32Array): void => {
      for (let i = 0; i < want.length; i++) {
        if (Number.isNaN(want[i])) assert.ok(Number.isNaN(got[i]), `${who}[${i}]: want NaN, got ${got[i]}`);
        else assert.ok(got[i] === want[i], `${who}[${i}]: ${got[i]} vs ${want[i]}`);
      }
    };
    // MNIST's shape, k-blocks with and without zero columns, edge row tiles, several row blocks,
    // a k tail (k % 4), and n at the direct path's limits.
    const shapes: Array<[number, number, number]> = [[32, 784, 128], [37, 600, 64], [130, 520, 256], [9, 17, 8], [5, 301, 16], [6, 40, 8]];
    for (const [m, k, n] of shapes) {
      for (const pattern of ['borders', 'random', 'none', 'all', 'one block'] as const) {
        const zeroCol = (j: number): boolean =>
          pattern === 'borders' ? j < k / 5 || j > k - k / 4 || (j % 28 < 4) :
          pattern === 'random' ? ((j * 2654435761) >>> 0) % 3 === 0 :
          pattern === 'all' ? true :
          pattern === 'one block' ? j < Math.min(k, 196) : false;
        const a = randomArray(m * k, rand);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < k; j++) {
            if (zeroCol(j)) a[i * k + j] = 0;
            else if ((i + j) % 7 === 0) a[i * k + j] = 0; // zeros in kept columns too
          }
        }
        a[k + 1] = -0; // -0 keeps its column
        const b = randomArray(k * n, rand);
        const bT = transpose(b, k, n);
        const who = `${m}x${k}x${n} ${pattern}`;
        // The packed path (transposed B) never skips: the dense result to compare with.
        const dense = K.matMul(a, bT, m, k, n, false, true);
        sameValues(`skip zero columns ${who}`, K.matMul(a, b, m, k, n, false, false), dense);
        const want = naiveMatMul(a, b, m, k, n, false, false);
        assertClose(`skip zero columns ${who} vs float64`, K.matMul(a, b, m, k, n, false, false), want.c, want.scale);
        // The weight-gradient form x^T dz: rows of op(A) = x^T that are zero skip whole micro-panels.
        const dz = randomArray(m * n, rand);
        const dzT = transpose(dz, m, n);
        sameValues(`skip zero panels ${who}`, K.matMul(a, dz, k, m, n, true, false), K.matMul(a, dzT, k, m, n, true, true));
        // A weight that is not finite in a skipped row, or in dz, must still make NaN (0 * Inf).
        if (pattern !== 'none') {
          const j = Array.from({ length: k }, (_, q) => q).find(zeroCol)!;
          const bad = b.slice();
          bad[j * n + (n >> 1)] = Infinity;
          const wantBad = naiveMatMul(a, bad, m, k, n, false, false);
          assertClose(`Infinity in a skipped row ${who}`, K.matMul(a, bad, m, k, n, false, false), wantBad.c, wantBad.scale);
          assert.ok(Number.isNaN(K.matMul(a, bad, m, k, n, false, false)[n >> 1]));
          const dzBad = dz.slice();
          dzBad[1] = NaN;
          const wantDw = naiveMatMul(a, dzBad, k, m, n, true, false);
          assertClose(`NaN in dz ${who}`, K.matMul(a, dzBad, k, m, n, true, false), wantDw.c, wantDw.scale);
        }
      }
    }
  });

  test(`${name}: denseForward = act(x w + bias)`, () => {
    const rand = rng(5);
    for (const [m, k, n] of [[32, 100, 17], [1, 3, 1], [5, 9, 8], [0, 4, 3], [3, 0, 5]] as const) {
      const x = randomArray(m * k, rand);
      const w = randomArray(k * n, rand);
      const bias = randomArray(n, rand);
      bias[0] = NaN;
      const ref = naiveMatMul(x, w, m, k, n, false, false);
      for (const act of ['linear', 'relu'] as const) {
        for (const useBias of [true, false]) {
          const want = new Float64Array(m * n);
          for (let i = 0; i < m * n; i++) {
            let v = ref.c[i] + (useBias ? bias[i % n] : 0);
            if (act === 'relu') v = Number.isNaN(v) ? v : Math.max(v, 0);
            want[i] = v;
          }
          const got = K.denseForward(x, w, useBias ? bias : null, m, k, n, act);
          const scale = ref.scale.map((s, i) => s + (useBias ? Math.abs(bias[i % n]) : 0));
          assertClose(`denseForward ${m}x${k}x${n} ${act} bias=${useBias}`, got, want, scale);
          if (act === 'relu') for (const v of got) assert.ok(!(v < 0), 'relu output is never negative');
        }
      }
    }
  });

  test(`${name}: sgdUpdate follows the Keras 3 formula (plain, momentum, Nesterov)`, () => {
    const rand = rng(12);
    for (const len of [0, 1, 3, 4, 7, 1001]) {
      for (const [mu, nesterov] of [[0, false], [0.9, false], [0.9, true]] as const) {
        const w = randomArray(len, rand);
        const g = randomArray(len, rand);
        const m = mu > 0 ? randomArray(len, rand) : null;
        const lr = 0.01;
        const wantW = new Float64Array(len);
        const wantM = new Float64Array(len);
        const scale = new Float64Array(len);
        for (let i = 0; i < len; i++) {
          scale[i] = 10 * (Math.abs(w[i]) + Math.abs(g[i]) + (m ? Math.abs(m[i]) : 0));
          if (!m) {
            wantW[i] = w[i] - g[i] * lr;
            continue;
          }
          wantM[i] = m[i] * mu - g[i] * lr;
          wantW[i] = w[i] + (nesterov ? wantM[i] * mu - g[i] * lr : wantM[i]);
        }
        K.sgdUpdate(w, g, m, lr, mu, nesterov);
        assertClose(`sgd w mu=${mu} nesterov=${nesterov}`, w, wantW, scale);
        if (m) assertClose(`sgd m mu=${mu} nesterov=${nesterov}`, m, wantM, scale);
      }
    }
    assert.throws(() => K.sgdUpdate(new Float32Array(3), new Float32Array(2), null, 0.1, 0, false), /sgdUpdate: expected w, g of one length, got 3, 2/);
  });

  test(`${name}: adamUpdate follows the Keras 3 formula`, () => {
    const rand = rng(11);
    for (const len of [0, 1, 3, 4, 7, 1000]) {
      const w = randomArray(len, rand);
      const g = randomArray(len, rand);
      const m = randomArray(len, rand).map((x) => x * 0.1);
      const v = randomArray(len, rand).map((x) => Math.abs(x) * 0.01);
      const [lr, b1, b2, eps, t] = [0.001, 0.9, 0.999, 1e-7, 3];
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      const wantW = new Float64Array(len);
      const wantM = new Float64Array(len);
      const wantV = new Float64Array(len);
      // Rounding scale of each result: the float32 magnitudes it is computed from.
      const scaleM = new Float64Array(len);
      const scaleV = new Float64Array(len);
      for (let i = 0; i < len; i++) {
        scaleM[i] = 10 * (Math.abs(m[i]) + Math.abs(g[i]));
        scaleV[i] = 10 * (Math.abs(v[i]) + g[i] * g[i]);
        wantM[i] = m[i] + (g[i] - m[i]) * (1 - b1);
        wantV[i] = v[i] + (g[i] * g[i] - v[i]) * (1 - b2);
        wantW[i] = w[i] - (wantM[i] * lrT) / (Math.sqrt(wantV[i]) + eps);
      }
      K.adamUpdate(w, g, m, v, lrT, b1, b2, eps);
      assertClose('adam m', m, wantM, scaleM);
      assertClose('adam v', v, wantV, scaleV);
      // The step itself is ~lr, so its error is bounded relative to lrT, not to w.
      assertClose('adam w', w, wantW, wantW.map(() => lrT * 10));
      if (len > 0) assert.notEqual(w[0], 0);
    }
    assert.throws(() => K.adamUpdate(new Float32Array(2), new Float32Array(3), new Float32Array(2), new Float32Array(2), 1, 0.9, 0.999, 1e-7), ShapeError);
  });

  test(`${name}: softmax matches float64 per row (odd widths, in place too)`, () => {
    const rand = rng(21);
    for (const [rows, cols] of [[1, 1], [3, 10], [5, 7], [2, 4], [9, 33], [4, 130]]) {
      const x = randomArray(rows * cols, rand).map((v) => v * 20);
      const want = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
        const m = Math.max(...row);
        const sum = row.reduce((s, v) => s + Math.exp(v - m), 0);
        row.forEach((v, j) => (want[r * cols + j] = Math.exp(v - m) / sum));
      }
      const got = K.softmax(x, rows, cols);
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= 1e-6 * want[i] + 1e-7, `softmax ${rows}x${cols}[${i}]: ${got[i]} vs ${want[i]}`);
      }
      assert.deepEqual(K.softmax(x, rows, cols, x), got, 'in place');
    }
  });

  test(`${name}: size mismatches throw a ShapeError naming the op and shapes`, () => {
    assert.throws(
      () => K.matMul(new Float32Array(6), new Float32Array(5), 2, 3, 2, false, true),
      (e: Error) => e instanceof ShapeError && /matMul: expected b of 6 elements \(\[2, 3\]\), got 5/.test(e.message),
    );
    assert.throws(() => K.matMul(new Float32Array(6), new Float32Array(6), 2, 3, 2, false, false, new Float32Array(3)), ShapeError);
    assert.throws(() => K.denseForward(new Float32Array(6), new Float32Array(6), new Float32Array(1), 2, 3, 2, 'relu'), /denseForward: expected bias/);
  });

  test(`${name}: arena survives growth between a large and a small call`, () => {
    const rand = rng(3);
    const big = 300;
    const a = randomArray(big * 64, rand);
    const b = randomArray(64 * big, rand);
    const got = K.matMul(a, b, big, 64, big, false, false);
    const want = naiveMatMul(a, b, big, 64, big, false, false);
    assertClose('big', got, want.c, want.scale);
    const s = K.matMul(new Float32Array([2]), new Float32Array([3]), 1, 1, 1, false, false);
    assert.deepEqual(s, new Float32Array([6]));
  });
}
