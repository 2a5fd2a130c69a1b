// The wasm convolution, pooling and batch-norm kernels against the JS reference on the same inputs,
// on every build (default, baseline SIMD, plain memory; run-tests adds the relaxed-SIMD build):
// odd sizes, 1x1 kernels, kernel = input size, batch 1, strides 2, 'same' padding, dilation, no
// bias, channel counts that are not multiples of 4 or 8, NaN and Infinity. Then: threaded results
// equal single-threaded ones bit for bit, a full memory falls back to JS, and wasm memory stays
// flat over many convnet training steps.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Conv2dInfo, DenseActivation, TensorData, Window2d } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { convPrimitives, type ConvPrimitives } from './conv.js';
import { kernelsOn, loadWasmKernels } from './kernels.js';
import { createHeap } from './heap.js';
import { setNumThreads, setThreadThresholds, threadPoolInfo, warmUpThreads } from './threads.js';
import { window2d, type Padding } from '../../ops/conv.js';
import { stepScratch } from '../arena.js';
import { randomArray, rng } from '../../test-utils/random-arrays.js';
import * as nv from '../../index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function data(shape: number[], seed: number, specials = false): TensorData {
  const values = randomArray(shape.reduce((a, b) => a * b, 1), rng(seed));
  if (specials && values.length > 8) {
    values[3] = NaN;
    values[values.length - 2] = Infinity;
    values[5] = -Infinity;
  }
  return { values, shape, dtype: 'float32' };
}

function zeros(shape: number[]): TensorData {
  return { values: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, dtype: 'float32' };
}

/** |got - want| <= 1e-5 * terms + 1e-6 per element (terms: how many products an element sums); NaN and Inf exact. */
function assertClose(got: TensorData, want: TensorData, what: string, terms: number): void {
  const g = got.values;
  const w = want.values;
  assert.equal(g.length, w.length, `${what}: length`);
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i])) assert.ok(Number.isNaN(g[i]), `${what}[${i}]: want NaN, got ${g[i]}`);
    else if (!Number.isFinite(w[i])) assert.equal(g[i], w[i], `${what}[${i}]`);
    else assert.ok(Math.abs(g[i] - w[i]) <= 1e-5 * terms + 1e-6, `${what}[${i}]: wasm ${g[i]} vs js ${w[i]}`);
  }
}

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  strides?: [number, number];
  dilation?: [number, number];
  padding?: Padding;
}

const CONV_CASES: ConvCase[] = [
  { name: 'MNIST conv1 (C = 1), batch 3', x: [3, 28, 28, 1], w: [3, 3, 1, 32] },
  { name: 'MNIST conv2, batch 2', x: [2, 13, 13, 32], w: [3, 3, 32, 64] },
  { name: 'odd sizes, C = 3, OC = 5', x: [2, 9, 7, 3], w: [3, 3, 3, 5] },
  { name: 'batch 1, 1x1 kernel (no Col)', x: [1, 5, 6, 7], w: [1, 1, 7, 9] },
  { name: '1x1 kernel, stride 2', x: [2, 7, 5, 6], w: [1, 1, 6, 3], strides: [2, 2] },
  { name: '1x1 kernel, same padding', x: [2, 4, 4, 4], w: [1, 1, 4, 8], padding: 'same' },
  { name: 'kernel = input size', x: [3, 4, 5, 6], w: [4, 5, 6, 10] },
  { name: 'strides 2, valid', x: [2, 11, 10, 4], w: [3, 3, 4, 12] },
  { name: 'same padding, stride 1, C = 6, OC = 7', x: [2, 8, 9, 6], w: [3, 3, 6, 7], padding: 'same' },
  { name: 'same padding, stride 2, even kernel', x: [2, 9, 8, 5], w: [4, 2, 5, 6], strides: [2, 2], padding: 'same' },
  { name: 'same padding, kernel larger than input', x: [2, 2, 3, 3], w: [5, 4, 3, 2], padding: 'same' },
  { name: 'dilation 2, valid', x: [2, 9, 9, 3], w: [3, 3, 3, 4], dilation: [2, 2] },
  { name: 'dilation [1, 3], same, strides [2, 1]', x: [1, 7, 10, 5], w: [2, 3, 5, 9], dilation: [1, 3], strides: [2, 1], padding: 'same' },
  { name: 'many rows (several row blocks)', x: [4, 20, 21, 2], w: [3, 3, 2, 16] },
  { name: 'wide K (several k-blocks), OC not a multiple of 8', x: [2, 6, 6, 70], w: [3, 3, 70, 13] },
  { name: 'short K (direct forward), 15 rows, same padding', x: [1, 5, 3, 2], w: [2, 2, 2, 8], padding: 'same' },
  { name: 'short K, 3 images of 5 rows, stride 2', x: [3, 5, 9, 3], w: [3, 3, 3, 16], strides: [2, 2] },
];

function convInfo(c: ConvCase): Conv2dInfo {
  const g = window2d('test', c.x, [c.w[0], c.w[1]], c.strides ?? [1, 1], c.dilation ?? [1, 1], c.padding ?? 'valid');
  return { ...g, outChannels: c.w[3] };
}

const variants: Array<[string, ConvPrimitives]> = [
  [`default build (relaxedSimd=${loadWasmKernels()?.relaxedSimd})`, convPrimitives(loadWasmKernels()!)],
  ['baseline SIMD build', convPrimitives(loadWasmKernels({ baselineOnly: true })!)],
  ['plain-memory build', convPrimitives(loadWasmKernels({ unshared: true })!)],
];

for (const [build, K] of variants) {
  describe(`${build}: conv2d`, () => {
    CONV_CASES.forEach((c, i) => {
      test(c.name, () => {
        const info = convInfo(c);
        const yShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
        const terms = c.w[0] * c.w[1] * c.w[2];
        const x = data(c.x, 10 + i, i % 3 === 2);
        const w = data(c.w, 40 + i);
        for (const act of ['linear', 'relu'] as DenseActivation[]) {
          for (const bias of [data([c.w[3]], 70 + i), null]) {
            const want = zeros(yShape);
            const got = zeros(yShape);
            jsBackend.conv2d(x, w, bias, act, info, want);
            K.conv2d(x, w, bias, act, info, got);
            assertClose(got, want, `forward ${act} bias=${bias !== null}`, terms);
          }
        }
        // Backward: y from the forward (so the relu mask is realistic), dy random, with NaN/Inf on some cases.
        const rows = info.batch * info.outHeight * info.outWidth;
        for (const act of ['linear', 'relu'] as DenseActivation[]) {
          const y = zeros(yShape);
          jsBackend.conv2d(x, w, null, act, info, y);
          const dy = data(yShape, 90 + i, i % 4 === 1);
          for (const need of [[true, true, true], [false, true, true], [true, false, false]]) {
            const outs = (): [TensorData | null, TensorData | null, TensorData | null] => [
              need[0] ? zeros(c.x) : null, need[1] ? zeros(c.w) : null, need[2] ? zeros([c.w[3]]) : null,
            ];
            const want = outs();
            const got = outs();
            jsBackend.conv2dBackward(x, w, y, dy, act, info, ...want);
            K.conv2dBackward(x, w, y, dy, act, info, ...got);
            const what = `backward ${act} need=${need.join(',')}`;
            if (want[0]) assertClose(got[0]!, want[0], `${what} dx`, c.w[0] * c.w[1] * c.w[3]);
            if (want[1]) assertClose(got[1]!, want[1], `${what} dw`, rows);
            if (want[2]) assertClose(got[2]!, want[2], `${what} db`, rows);
          }
        }
      });
    });
  });

  describe(`${build}: pooling`, () => {
    const cases: [string, number[], [number, number], [number, number], Padding][] = [
      ['2x2 valid (MNIST pool1 shape, batch 2)', [2, 26, 26, 32], [2, 2], [2, 2], 'valid'],
      ['2x2 valid, odd sizes, C = 3', [3, 11, 9, 3], [2, 2], [2, 2], 'valid'],
      ['3x3 stride 2 (overlapping), C = 6', [2, 9, 8, 6], [3, 3], [2, 2], 'valid'],
      ['3x3 stride 1 same (overlapping, padded), C = 5', [1, 5, 6, 5], [3, 3], [1, 1], 'same'],
      ['2x3 stride [1, 2] same, C = 1', [2, 6, 7, 1], [2, 3], [1, 2], 'same'],
      ['pool = input size, C = 9', [2, 4, 5, 9], [4, 5], [1, 1], 'valid'],
    ];
    cases.forEach(([name, xs, pool, strides, padding], i) => {
      test(name, () => {
        const info: Window2d = window2d('test', xs, pool, strides, [1, 1], padding);
        const yShape = [info.batch, info.outHeight, info.outWidth, info.channels];
        const x = data(xs, 200 + i, i % 2 === 1);
        if (i === 0) {
          // Ties: the gradient goes to the first maximum in both.
          (x.values as Float32Array).fill(0.5, 0, 64);
        }
        const dy = data(yShape, 230 + i);
        for (const kind of ['max', 'avg'] as const) {
          const want = zeros(yShape);
          const got = zeros(yShape);
          jsBackend[`${kind}Pool2d`](x, info, want);
          K[`${kind}Pool2d`](x, info, got);
          assertClose(got, want, `${kind} forward`, 1);
          const wdx = zeros(xs);
          const gdx = zeros(xs);
          if (kind === 'max') {
            jsBackend.maxPool2dBackward(x, dy, info, wdx);
            K.maxPool2dBackward(x, dy, info, gdx);
          } else {
            jsBackend.avgPool2dBackward(dy, info, wdx);
            K.avgPool2dBackward(dy, info, gdx);
          }
          assertClose(gdx, wdx, `${kind} backward`, pool[0] * pool[1]);
        }
      });
    });
  });

  describe(`${build}: batch normalization`, () => {
    for (const [xs, withAffine] of [[[4, 5, 3, 6], true], [[7, 13], false], [[2, 3, 3, 1], true], [[300, 9], true]] as const) {
      test(`x [${xs.join(', ')}], gamma/beta ${withAffine}`, () => {
        const ch = xs[xs.length - 1];
        const x = data([...xs], 300 + ch);
        (x.values as Float32Array).forEach((v, j, arr) => (arr[j] = v * 4 + 2)); // a mean away from 0
        const gamma = withAffine ? data([ch], 301) : null;
        const beta = withAffine ? data([ch], 302) : null;
        const stats = (): [TensorData, TensorData] => [zeros([ch]), zeros([ch])];
        const [wm, wv] = stats();
        const [gm, gv] = stats();
        jsBackend.batchNormStats(x, wm, wv);
        K.batchNormStats(x, gm, gv);
        assertClose(gm, wm, 'mean', 1);
        assertClose(gv, wv, 'variance', 1);
        const want = zeros([...xs]);
        const got = zeros([...xs]);
        jsBackend.batchNormForward(x, wm, wv, gamma, beta, 1e-3, want);
        K.batchNormForward(x, wm, wv, gamma, beta, 1e-3, got);
        assertClose(got, want, 'forward', 1);
        const dy = data([...xs], 303);
        for (const batchStats of [true, false]) {
          const outs = (): TensorData[] => [zeros([...xs]), zeros([ch]), zeros([ch])];
          const w = outs();
          const g = outs();
          jsBackend.batchNormBackward(x, wm, wv, gamma, dy, 1e-3, batchStats, w[0], w[1], w[2]);
          K.batchNormBackward(x, wm, wv, gamma, dy, 1e-3, batchStats, g[0], g[1], g[2]);
          const rows = x.values.length / ch;
          assertClose(g[0], w[0], `dx batchStats=${batchStats}`, 10);
          assertClose(g[1], w[1], 'dgamma', rows);
          assertClose(g[2], w[2], 'dbeta', rows);
        }
      });
    }
  });
}

/** Index of the first element where two arrays differ bitwise, or -1. */
function firstDiff(a: TensorData, b: TensorData): number {
  const x = new Uint32Array((a.values as Float32Array).buffer, a.values.byteOffset, a.values.length);
  const y = new Uint32Array((b.values as Float32Array).buffer, b.values.byteOffset, b.values.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

test('threaded conv2d, its backward and pooling equal the single-threaded kernels bit for bit', () => {
  const K = variants[0][1];
  setNumThreads(2);
  assert.equal(warmUpThreads(), true);
  // Big enough for every call to have work units for both threads (512-row forward blocks).
  const cases: ConvCase[] = [
    { name: 'MNIST conv1, batch 4', x: [4, 28, 28, 1], w: [3, 3, 1, 32] },
    { name: 'MNIST conv2, batch 16', x: [16, 13, 13, 32], w: [3, 3, 32, 64] },
    { name: 'same, stride 2, odd sizes', x: [6, 20, 17, 3], w: [3, 3, 3, 5], strides: [2, 2], padding: 'same' },
    { name: 'dilation [1, 3], same, strides [2, 1]', x: [6, 17, 15, 5], w: [2, 3, 5, 9], dilation: [1, 3], strides: [2, 1], padding: 'same' },
  ];
  for (const c of cases) {
    const info = convInfo(c);
    const yShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const x = data(c.x, 1);
    const w = data(c.w, 2);
    const b = data([c.w[3]], 3);
    const dy = data(yShape, 4);
    const runAll = (): TensorData[] => {
      const y = zeros(yShape);
      K.conv2d(x, w, b, 'relu', info, y);
      const grads = [zeros(c.x), zeros(c.w), zeros([c.w[3]])];
      K.conv2dBackward(x, w, y, dy, 'relu', info, grads[0], grads[1], grads[2]);
      const pool = window2d('test', yShape, [2, 2], [2, 2], [1, 1], 'same');
      const p = zeros([pool.batch, pool.outHeight, pool.outWidth, pool.channels]);
      K.maxPool2d(y, pool, p);
      const pdx = zeros(yShape);
      K.maxPool2dBackward(y, p, pool, pdx);
      return [y, ...grads, p, pdx];
    };
    setNumThreads(1);
    const one = runAll();
    setNumThreads(2);
    setThreadThresholds({ minFlops: 0 });
    const before = threadPoolInfo().threadedCalls;
    const two = runAll();
    setThreadThresholds({ minFlops: 24e6 });
    // Forward, backward and the two pooling calls.
    assert.ok(threadPoolInfo().threadedCalls >= before + 4, `${c.name}: the calls ran threaded`);
    ['y', 'dx', 'dw', 'db', 'pool', 'pool dx'].forEach((name, i) => {
      const at = firstDiff(two[i], one[i]);
      assert.equal(at, -1, `${c.name} ${name}[${at}]: ${two[i].values[at]} vs ${one[i].values[at]}`);
    });
  }
});

test('a full wasm memory falls back to the JS kernels with the same results', { skip: !createHeap()?.shared }, () => {
  const K = convPrimitives(kernelsOn(createHeap({ maxPages: 64 })!)); // 4 MiB
  const c: ConvCase = { name: 'big', x: [64, 28, 28, 8], w: [3, 3, 8, 32] }; // y alone is 5.5 MB
  const info = convInfo(c);
  const yShape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
  const x = data(c.x, 5);
  const w = data(c.w, 6);
  const want = zeros(yShape);
  const got = zeros(yShape);
  jsBackend.conv2d(x, w, null, 'relu', info, want);
  K.conv2d(x, w, null, 'relu', info, got);
  assert.equal(firstDiff(got, want), -1, 'the JS kernel ran');
});

test('wasm memory stays flat over many convnet training steps', async () => {
  if (nv.getBackend().name !== 'wasm') return;
  const heap = loadWasmKernels()!.heap;
  nv.setSeed(3);
  const w1 = nv.randomNormal([3, 3, 1, 8], 0, 0.3);
  const w2 = nv.randomNormal([3, 3, 8, 16], 0, 0.1);
  const wd = nv.randomNormal([400, 10], 0, 0.05);
  const x = nv.randomUniform([64, 28, 28, 1]);
  const loss = (a: nv.Tensor, b: nv.Tensor, d: nv.Tensor): nv.Tensor => {
    const h1 = nv.maxPool2d(nv.conv2d(x, a, { activation: 'relu' }));
    const h2 = nv.maxPool2d(nv.conv2d(h1, b, { activation: 'relu' }));
    return nv.mean(nv.square(nv.matMul(nv.reshape(h2, [64, 400]), d)));
  };
  const grad = nv.valueAndGrad(loss);
  // As the training loop does: weight gradients are given back once applied; every other step
  // runs in step scratch storage, given back at its end.
  let scoped = false;
  const step = (...ws: nv.Tensor[]): void => {
    const run = (): void => {
      for (const g of grad(ws[0], ws[1], ws[2])[1]) nv.getBackend().releaseScratch(g.values);
    };
    scoped = !scoped;
    if (!scoped) return run();
    const [, release] = stepScratch(run, { activations: true });
    release();
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  for (let i = 0; i < 3; i++) step(w1, w2, wd);
  await settle();
  const bytes = heap.bytes;
  const resident = heap.residentBytes;
  const scratchBytes = heap.scratchBytes;
  for (let i = 0; i < 30; i++) step(w1, w2, wd);
  assert.equal(heap.scratchBytes, scratchBytes, 'every step gave its scratch storage back');
  assert.equal(heap.residentBytes, resident, 'and made no resident storage');
  await settle();
  assert.equal(heap.bytes, bytes, 'no growth after the first steps');
});
