// The wasm backend against the JS reference on the same inputs: random shapes (sizes not a
// multiple of 4, 0 and 1), all transpose combinations, broadcast batch dims, NaN and Infinity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend } from '../js/index.js';
import { wasmBackend } from './index.js';
import { Tensor } from '../../tensor/tensor.js';
import { sizeOf } from '../../tensor/shape.js';
import * as nv from '../../index.js';

const wasm = wasmBackend();

function rand(shape: number[], seed: number): Tensor {
  let s = seed * 2654435761;
  const v = new Float32Array(sizeOf(shape));
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    v[i] = ((s >>> 8) / (1 << 24)) * 2 - 1;
  }
  return new Tensor(v, shape, 'float32');
}

function empty(shape: number[]): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)), shape, 'float32');
}

function assertClose(got: Float32Array, want: Float32Array, what: string, scale: number): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w)) {
      assert.ok(Number.isNaN(g), `${what}[${i}]: want NaN, got ${g}`);
      continue;
    }
    if (!Number.isFinite(w)) {
      assert.equal(g, w, `${what}[${i}]`);
      continue;
    }
    assert.ok(Math.abs(g - w) <= 1e-5 * scale + 1e-6, `${what}[${i}]: wasm ${g} vs js ${w}`);
  }
}

test('wasm backend is available here (the suite below is not skipped)', () => {
  assert.ok(wasm, 'WebAssembly SIMD should be available in Node 20');
});

test('matMul: wasm equals js over random shapes and every transpose combination', () => {
  const sizes = [0, 1, 2, 3, 5, 7, 8, 9, 16, 17, 33, 64, 100];
  let seed = 1;
  for (const m of sizes) for (const k of [1, 3, 8, 13, 50]) for (const n of [0, 1, 4, 6, 31]) {
    for (const tA of [false, true]) for (const tB of [false, true]) {
      const a = rand(tA ? [k, m] : [m, k], seed++);
      const b = rand(tB ? [n, k] : [k, n], seed++);
      const o1 = empty([m, n]);
      const o2 = empty([m, n]);
      jsBackend.matMul(a, b, tA, tB, o1);
      wasm!.matMul!(a, b, tA, tB, o2);
      assertClose(o2.values as Float32Array, o1.values as Float32Array, `matMul ${m}x${k}x${n} tA=${tA} tB=${tB}`, k);
    }
  }
});

test('matMul: batched with broadcast batch dims, NaN and Infinity', () => {
  const a = rand([3, 1, 5, 7], 3);
  const b = rand([4, 7, 6], 4);
  (a.values as Float32Array)[2] = NaN;
  (b.values as Float32Array)[10] = Infinity;
  const o1 = empty([3, 4, 5, 6]);
  const o2 = empty([3, 4, 5, 6]);
  jsBackend.matMul(a, b, false, false, o1);
  wasm!.matMul!(a, b, false, false, o2);
  assertClose(o2.values as Float32Array, o1.values as Float32Array, 'batched matMul', 7);
  assert.ok((o1.values as Float32Array).some(Number.isNaN), 'the case has NaNs');
});

test('denseForward: wasm equals js (linear and relu, with and without bias)', () => {
  for (const [m, k, n] of [[1, 1, 1], [32, 784, 128], [5, 9, 10], [0, 3, 4], [7, 3, 0]]) {
    for (const act of ['linear', 'relu'] as const) {
      for (const withBias of [true, false]) {
        const x = rand([m, k], m + k);
        const w = rand([k, n], k + n);
        const b = withBias ? rand([n], n + 1) : null;
        const o1 = empty([m, n]);
        const o2 = empty([m, n]);
        jsBackend.denseForward(x, w, b, act, o1);
        wasm!.denseForward!(x, w, b, act, o2);
        assertClose(o2.values as Float32Array, o1.values as Float32Array, `dense ${m}x${k}x${n} ${act} bias=${withBias}`, k);
      }
    }
  }
});

test('denseBackward: wasm equals js (relu mask, dx, dw, db; sizes 0, 1, odd; NaN and Infinity)', () => {
  let seed = 100;
  for (const [m, k, n] of [[1, 1, 1], [32, 784, 128], [32, 128, 10], [5, 9, 10], [3, 7, 5], [0, 3, 4], [7, 3, 0], [4, 0, 3]]) {
    for (const act of ['linear', 'relu'] as const) {
      for (const need of [[true, true, true], [false, true, true], [true, false, false]]) {
        const x = rand([m, k], seed++);
        const w = rand([k, n], seed++);
        const y = rand([m, n], seed++);
        const dy = rand([m, n], seed++);
        if (m * n > 2) {
          (dy.values as Float32Array)[0] = NaN;
          (dy.values as Float32Array)[1] = Infinity;
          (y.values as Float32Array)[2] = NaN;
        }
        const outs = (): [Tensor | null, Tensor | null, Tensor | null] => [
          need[0] ? empty([m, k]) : null,
          need[1] ? empty([k, n]) : null,
          need[2] ? empty([n]) : null,
        ];
        const o1 = outs();
        const o2 = outs();
        jsBackend.denseBackward(x, w, y, dy, act, ...o1);
        wasm!.denseBackward!(x, w, y, dy, act, ...o2);
        const what = `denseBackward ${m}x${k}x${n} ${act}`;
        ['dx', 'dw', 'db'].forEach((name, i) => {
          if (o1[i]) assertClose(o2[i]!.values as Float32Array, o1[i]!.values as Float32Array, `${what} ${name}`, Math.max(m, n));
        });
      }
    }
  }
});

test('softmax: wasm equals js (sizes 1, odd, not a multiple of 4; large logits; -Infinity, +Infinity, NaN rows)', () => {
  let seed = 300;
  for (const shape of [[1, 1], [1, 10], [32, 10], [7, 3], [5, 17], [3, 4], [2, 3, 9], [6, 1], [4, 0], [0, 5], [100]]) {
    for (const spread of [1, 30, 200]) {
      const x = rand(shape, seed++);
      const v = x.values as Float32Array;
      for (let i = 0; i < v.length; i++) v[i] *= spread;
      const o1 = empty(shape);
      const o2 = empty(shape);
      jsBackend.softmax(x, o1);
      wasm!.softmax!(x, o2);
      assertClose(o2.values as Float32Array, o1.values as Float32Array, `softmax ${JSON.stringify(shape)} x${spread}`, 1);
    }
  }
  // Row 0 has a -Infinity (its probability is 0), row 1 a NaN, row 2 a +Infinity, row 3 is all -Infinity.
  const x = rand([4, 6], 9);
  const v = x.values as Float32Array;
  v[1] = -Infinity;
  v[6 + 4] = NaN;
  v[12 + 5] = Infinity;
  v.fill(-Infinity, 18, 24);
  const o1 = empty([4, 6]);
  const o2 = empty([4, 6]);
  jsBackend.softmax(x, o1);
  wasm!.softmax!(x, o2);
  assertClose(o2.values as Float32Array, o1.values as Float32Array, 'softmax with infinities and NaN', 1);
  assert.equal((o2.values as Float32Array)[1], 0);
  assert.ok((o2.values as Float32Array).subarray(6, 24).every(Number.isNaN));
});

test('sgdUpdate: wasm equals js over several steps (plain, momentum, Nesterov)', () => {
  const n = 1003;
  for (const [momentum, nesterov] of [[0, false], [0.9, false], [0.5, true]] as const) {
    const w1 = rand([n], 3).values as Float32Array;
    const w2 = w1.slice();
    const m1 = momentum > 0 ? new Float32Array(n) : null;
    const m2 = momentum > 0 ? new Float32Array(n) : null;
    for (let step = 1; step <= 5; step++) {
      const g = rand([n], 20 + step).values as Float32Array;
      const p = { lr: 0.01, momentum, nesterov };
      jsBackend.sgdUpdate(w1, g, m1, p);
      wasm!.sgdUpdate!(w2, g, m2, p);
    }
    assertClose(w2, w1, `sgd w momentum=${momentum} nesterov=${nesterov}`, 1);
    if (m1) assertClose(m2!, m1, `sgd m momentum=${momentum} nesterov=${nesterov}`, 1);
  }
});

test('adamUpdate: wasm equals js over several steps', () => {
  const n = 1003;
  const mk = (): Float32Array[] => [rand([n], 1).values as Float32Array, new Float32Array(n), new Float32Array(n)];
  const [w1, m1, v1] = mk();
  const [w2, m2, v2] = mk();
  for (let step = 1; step <= 5; step++) {
    const g = rand([n], 10 + step).values as Float32Array;
    const p = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step };
    jsBackend.adamUpdate(w1, g, m1, v1, p);
    wasm!.adamUpdate!(w2, g, m2, v2, p);
  }
  assertClose(w2, w1, 'adam w', 1);
  assertClose(m2, m1, 'adam m', 1);
  assertClose(v2, v1, 'adam v', 1);
});

test('adamUpdate and sgdUpdate: a subnormal moment reads as zero on both backends, and the weights do not notice', () => {
  // Lanes: moments stuck in the subnormal range without a gradient (an input that stays zero), the
  // smallest normal (kept), a subnormal with a gradient, -0, ordinary values; odd length for the tails.
  const sub = 3e-45;
  const m0 = new Float32Array([sub, -sub, 2 ** -126, sub, -0, 0.01, -sub, sub, 0.02, sub, sub]);
  const v0 = new Float32Array([sub, 1e-6, 1e-6, sub, 0, 1e-4, sub, 1e-6, 1e-4, 1e-40, 2e-6]);
  const g = new Float32Array([0, 0, 0, 0.5, 0, 0.1, 0, 0, -0.2, 0, 0]);
  const w0 = new Float32Array([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, -0.8, 0.9, 1.1, -1.2]);
  const flush = (a: Float32Array): Float32Array => a.map((x) => (Math.abs(x) < 2 ** -126 ? 0 : x));
  const adam = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 200 };
  const sgd = { lr: 0.01, momentum: 0.9, nesterov: false };
  const results = [jsBackend, wasm!].map((b) => {
    const run = (m: Float32Array, v: Float32Array): Float32Array[] => {
      const [w, ma, va, ws, ms] = [w0.slice(), m.slice(), v.slice(), w0.slice(), m.slice()];
      b.adamUpdate!(w, g, ma, va, adam);
      b.sgdUpdate!(ws, g, ms, sgd);
      return [w, ma, va, ws, ms];
    };
    const raw = run(m0, v0);
    // Exactly the step from the same state with its subnormals set to zero beforehand.
    assert.deepEqual(raw, run(flush(m0), flush(v0)), `${b.name}: subnormal state reads as zero`);
    const [w, m, v, ws, ms] = raw;
    for (const i of [0, 6, 7]) {
      assert.equal(m[i], 0, `${b.name}: adam m[${i}]`);
      assert.equal(w[i], w0[i], `${b.name}: adam w[${i}]`);
      assert.equal(ms[i], 0, `${b.name}: sgd m[${i}]`);
      assert.equal(ws[i], w0[i], `${b.name}: sgd w[${i}]`);
    }
    assert.equal(v[0], 0);
    // The smallest normal moment is not flushed: it decays into a subnormal, stored as such.
    assert.ok(m[2] > 0 && m[2] < 2 ** -126, `${b.name}: adam m[2] = ${m[2]}`);
    return raw;
  });
  ['adam w', 'adam m', 'adam v', 'sgd w', 'sgd m'].forEach((what, i) => assertClose(results[1][i], results[0][i], what, 1));
  // Float64 state has its own normal range: 1e-39 is an ordinary float64 and decays as such.
  const m64 = new Float64Array([1e-39]);
  jsBackend.adamUpdate(new Float64Array([0.5]), new Float64Array([0]), m64, new Float64Array([1e-6]), adam);
  assert.equal(m64[0], 1e-39 + (0 - 1e-39) * (1 - 0.9));
});

test('MNIST model: 1 epoch on js and on wasm with the same seed reach the same accuracy within 0.5 points', async () => {
  const [[xTrain, yTrain], [xTest, yTest]] = nv.datasets.mnist.loadData();
  const x = xTrain.slice([0, 0, 0], [4000, 28, 28]).div(255);
  const y = yTrain.slice([0], [4000]);
  const xt = xTest.slice([0, 0, 0], [2000, 28, 28]).div(255);
  const yt = yTest.slice([0], [2000]);
  const acc: Record<string, number> = {};
  for (const backend of ['js', 'wasm']) {
    nv.setBackend(backend);
    nv.setSeed(11);
    const model = new nv.Sequential([
      nv.layers.flatten({ inputShape: [28, 28] }),
      nv.layers.dense({ units: 128, activation: 'relu' }),
      nv.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
    acc[backend] = model.evaluate(xt, yt).accuracy;
  }
  nv.setBackend('wasm');
  assert.ok(acc.js > 0.8, `js accuracy ${acc.js}`);
  assert.ok(Math.abs(acc.js - acc.wasm) <= 0.005, `js ${acc.js} vs wasm ${acc.wasm}`);
});
