// conv2d, maxPool2d, avgPool2d and batch normalization: shapes, a hand-worked value, argument
// errors, and forward values and gradients against TensorFlow.js 4.22 (cpu backend) on the same
// float32 inputs. TF.js has no gradient for dilated convolution, so dilation is compared forward only;
// its average-pooling gradient is wrong under 'same' padding, so that one is compared forward only too.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tensor, tensor, zeros, ones, conv2d, maxPool2d, avgPool2d, batchNorm, batchNormTraining, grads, sum, mul,
  ShapeError, ArgumentError,
} from '../index.js';
import type { Conv2dOptions } from './conv.js';
import type { Pool2dOptions } from './pooling.js';
import { assertTensor } from '../test-utils/assert-tensor.js';
import { randomArray, rng } from '../test-utils/random-arrays.js';
import { loadTfjsCpu } from '../test-utils/tfjs.js';

const tf = await loadTfjsCpu();
type TfTensor = ReturnType<typeof tf.tensor>;

function rand(shape: number[], seed: number): Float32Array {
  return randomArray(shape.reduce((a, b) => a * b, 1), rng(seed));
}

/** Fixed output weights, so the compared gradients are not all-ones sums. */
function weights(shape: readonly number[]): Float32Array {
  return rand([...shape], 999);
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * scale, `${what}[${i}]: nerva ${got[i]} vs TF.js ${want[i]}`);
  }
}

describe('conv2d', () => {
  test('hand-worked: 3x3 input, 2x2 kernel, bias', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const w = tensor([1, 0, 0, -1], [2, 2, 1, 1]);
    assertTensor(conv2d(x, w, { bias: [10] }), [1, 2, 2, 1], [6, 6, 6, 6]);
  });
  test('shapes: valid, same, strides, dilation, the MNIST convnet layers', () => {
    assert.deepEqual(conv2d(zeros([2, 28, 28, 1]), zeros([3, 3, 1, 32])).shape, [2, 26, 26, 32]);
    assert.deepEqual(conv2d(zeros([2, 13, 13, 32]), zeros([3, 3, 32, 64])).shape, [2, 11, 11, 64]);
    assert.deepEqual(conv2d(zeros([1, 7, 8, 2]), zeros([3, 3, 2, 4]), { padding: 'same', strides: 2 }).shape, [1, 4, 4, 4]);
    assert.deepEqual(conv2d(zeros([1, 7, 7, 2]), zeros([3, 3, 2, 4]), { dilationRate: 2 }).shape, [1, 3, 3, 4]);
    assert.deepEqual(conv2d(zeros([0, 5, 5, 2]), zeros([3, 3, 2, 4])).shape, [0, 3, 3, 4]);
  });
  test('uint8 images are converted to float32', () => {
    const y = conv2d(tensor([1, 2, 3, 4], [1, 2, 2, 1], 'uint8'), ones([2, 2, 1, 1]));
    assert.equal(y.dtype, 'float32');
    assertTensor(y, [1, 1, 1, 1], [10]);
  });
  test('errors name the op and the shapes', () => {
    const isShape = (re: RegExp) => (e: unknown) => e instanceof ShapeError && re.test(e.message);
    assert.throws(() => conv2d(zeros([5, 28, 28]), zeros([3, 3, 1, 8])),
      isShape(/conv2d: expected input of rank 4 \[batch, height, width, channels\], got \[5, 28, 28\]; add the channel axis, e.g. x.reshape\(\[5, 28, 28, 1\]\)/));
    assert.throws(() => conv2d(zeros([5, 28, 28, 3]), zeros([3, 3, 1, 8])),
      isShape(/conv2d: the input has 3 channels but the kernel expects 1: input \[5, 28, 28, 3\], kernel \[3, 3, 1, 8\]/));
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([5, 5, 1, 8])),
      isShape(/conv2d: the kernel 5 x 5 is larger than the input's 4 x 4 positions \(input \[1, 4, 4, 1\], padding 'valid'\)/));
    assert.throws(() => conv2d(zeros([1, 6, 6, 1]), zeros([3, 3, 1, 8]), { dilationRate: 3 }),
      isShape(/kernel 3 x 3 \(7 x 7 with dilation\) is larger than the input's 6 x 6/));
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1])), isShape(/expected a kernel of rank 4/));
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 8]), { bias: zeros([4]) }), isShape(/expected a bias of shape \[8\].*got \[4\]/));
    const isArg = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test(e.message);
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 8]), { strides: 0 }), isArg(/conv2d: strides must be a whole number >= 1 or a pair of them, got 0/));
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 8]), { dilationRate: [1, 1.5] as [number, number] }), isArg(/dilationRate/));
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 8]), { padding: 'causal' as 'same' }), isArg(/padding must be 'valid' or 'same', got "causal"/));
    assert.throws(() => conv2d(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 8]), { activation: 'tanh' as 'relu' }), isArg(/activation must be 'linear' or 'relu'/));
  });
});

describe('pooling', () => {
  test('hand-worked max and average, valid and same', () => {
    const x = tensor([1, 5, 2, 4, 3, 6, 9, 8, 7], [1, 3, 3, 1]);
    assertTensor(maxPool2d(x), [1, 1, 1, 1], [5]);
    assertTensor(maxPool2d(x, { padding: 'same' }), [1, 2, 2, 1], [5, 6, 9, 7]);
    assertTensor(avgPool2d(x, { poolSize: 3, strides: 1, padding: 'same' }), [1, 3, 3, 1],
      [13 / 4, 21 / 6, 16 / 4, 30 / 6, 45 / 9, 31 / 6, 24 / 4, 37 / 6, 24 / 4]);
  });
  test('NaN in a window gives NaN', () => {
    assertTensor(maxPool2d(tensor([1, NaN, 3, 4], [1, 2, 2, 1])), [1, 1, 1, 1], [NaN]);
  });
  test('errors', () => {
    assert.throws(() => maxPool2d(zeros([2, 28, 28])), (e: unknown) => e instanceof ShapeError && /maxPool2d: expected input of rank 4.*reshape\(\[2, 28, 28, 1\]\)/.test(e.message));
    assert.throws(() => avgPool2d(zeros([1, 4, 4, 1]), { poolSize: 0 }), (e: unknown) => e instanceof ArgumentError && /avgPool2d: poolSize must be a whole number >= 1/.test(e.message));
    assert.throws(() => maxPool2d(zeros([1, 4, 4, 1]), { strides: [1, 0] }), /maxPool2d: strides must be/);
    assert.throws(() => maxPool2d(zeros([1, 2, 2, 1]), { poolSize: 3 }), /maxPool2d: the pool window 3 x 3 is larger than the input's 2 x 2 positions/);
  });
});

describe('batch normalization', () => {
  test('errors name the shapes', () => {
    assert.throws(() => batchNorm(zeros([2, 3]), zeros([2]), ones([3])), /batchNorm: expected mean of shape \[3\], got \[2\]/);
    assert.throws(() => batchNormTraining(zeros([2, 3]), { gamma: ones([2]) }), /batchNormTraining: expected gamma of shape \[3\] \(the channel axis 1 of input \[2, 3\]\), got \[2\]/);
    assert.throws(() => batchNormTraining(zeros([2, 3]), { axis: 2 }), /axis 2 is out of range/);
  });
});

describe('against TensorFlow.js 4.22 (cpu)', () => {
  const convCases: [string, number[], number[], Conv2dOptions][] = [
    ['MNIST conv1 shape (batch 2)', [2, 28, 28, 1], [3, 3, 1, 32], { activation: 'relu' }],
    ['MNIST conv2 shape (batch 2)', [2, 13, 13, 32], [3, 3, 32, 64], { activation: 'relu' }],
    ['same, stride 2, odd sizes, C = 3, OC = 5', [3, 9, 7, 3], [3, 3, 3, 5], { padding: 'same', strides: 2 }],
    ['valid, strides [2, 1], 1x2 kernel', [2, 6, 5, 2], [1, 2, 2, 7], { strides: [2, 1] }],
    ['same, even 4x4 kernel', [1, 6, 6, 3], [4, 4, 3, 2], { padding: 'same' }],
  ];
  for (const [name, xs, ws, opts] of convCases) {
    test(`conv2d forward and gradients: ${name}`, () => {
      const xv = rand(xs, 1);
      const wv = rand(ws, 2);
      const bv = rand([ws[3]], 3);
      const x = tensor(xv, xs);
      const w = tensor(wv, ws);
      const b = tensor(bv, [ws[3]]);
      const y = conv2d(x, w, { ...opts, bias: b });
      const u = weights(y.shape);
      const [gx, gw, gb] = grads((a, k, c) => sum(mul(conv2d(a, k, { ...opts, bias: c }), tensor(u, y.shape))))(x, w, b);

      const tfForward = (a: TfTensor, k: TfTensor, c: TfTensor): TfTensor => {
        const s = opts.strides ?? 1;
        const z = tf.add(tf.conv2d(a as never, k as never, typeof s === 'number' ? s : [s[0], s[1]], opts.padding ?? 'valid'), c);
        return opts.activation === 'relu' ? tf.relu(z) : z;
      };
      const tx = tf.tensor(xv, xs);
      const tw = tf.tensor(wv, ws);
      const tb = tf.tensor(bv, [ws[3]]);
      const ty = tfForward(tx, tw, tb);
      assert.deepEqual(y.shape, ty.shape);
      assertClose(y.data(), ty.dataSync(), `${name} y`);
      const tu = tf.tensor(u, ty.shape);
      const tg = tf.grads((a: TfTensor, k: TfTensor, c: TfTensor) => tf.sum(tf.mul(tfForward(a, k, c), tu)))([tx, tw, tb]);
      assertClose(gx.data(), tg[0].dataSync(), `${name} dx`);
      assertClose(gw.data(), tg[1].dataSync(), `${name} dw`);
      assertClose(gb.data(), tg[2].dataSync(), `${name} db`);
    });
  }

  test('conv2d forward with dilation 2 (valid and same)', () => {
    for (const padding of ['valid', 'same'] as const) {
      const xs = [2, 9, 8, 3];
      const ws = [3, 2, 3, 4];
      const xv = rand(xs, 4);
      const wv = rand(ws, 5);
      const y = conv2d(tensor(xv, xs), tensor(wv, ws), { dilationRate: 2, padding });
      const ty = tf.conv2d(tf.tensor4d(xv, xs as [number, number, number, number]), tf.tensor4d(wv, ws as [number, number, number, number]), 1, padding, 'NHWC', 2);
      assert.deepEqual(y.shape, ty.shape);
      assertClose(y.data(), ty.dataSync(), `dilated ${padding}`);
    }
  });

  const poolCases: [string, number[], Pool2dOptions][] = [
    ['2x2 valid (MNIST)', [2, 26, 26, 32], {}],
    ['3x3 stride 2 overlapping, odd sizes', [2, 9, 7, 3], { poolSize: 3, strides: 2 }],
    ['2x2 same, odd sizes', [1, 5, 7, 5], { padding: 'same' }],
    ['3x2 stride 1 same', [2, 4, 5, 2], { poolSize: [3, 2], strides: 1, padding: 'same' }],
  ];
  for (const [name, xs, opts] of poolCases) {
    for (const kind of ['max', 'avg'] as const) {
      test(`${kind}Pool2d forward and gradient: ${name}`, () => {
        const xv = rand(xs, 6);
        const x = tensor(xv, xs);
        const f = (a: Tensor): Tensor => (kind === 'max' ? maxPool2d(a, opts) : avgPool2d(a, opts));
        const y = f(x);
        const u = weights(y.shape);
        const [gx] = grads((a) => sum(mul(f(a), tensor(u, y.shape))))(x);
        const size = opts.poolSize ?? 2;
        const pool: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
        const s = opts.strides ?? pool;
        const strides: [number, number] = typeof s === 'number' ? [s, s] : [s[0], s[1]];
        const tfF = (a: TfTensor): TfTensor =>
          kind === 'max' ? tf.maxPool(a as never, pool, strides, opts.padding ?? 'valid') : tf.avgPool(a as never, pool, strides, opts.padding ?? 'valid');
        const tx = tf.tensor(xv, xs);
        const ty = tfF(tx);
        assert.deepEqual(y.shape, ty.shape);
        assertClose(y.data(), ty.dataSync(), `${kind} ${name} y`);
        // TF.js's cpu AvgPoolGrad divides by the whole window area even where its forward divided by
        // the real positions (tfjs-backend-cpu AvgPoolGrad.js `avgMultiplier`), so its 'same'
        // gradient is not the gradient of its forward; ours is (checked by finite differences in
        // conv-gradients.test.ts, and it is what TF's own AvgPoolGrad computes).
        if (kind === 'avg' && opts.padding === 'same') return;
        const tu = tf.tensor(u, ty.shape);
        const [tg] = tf.grads((a: TfTensor) => tf.sum(tf.mul(tfF(a), tu)))([tx]);
        assertClose(gx.data(), tg.dataSync(), `${kind} ${name} dx`);
      });
    }
  }

  test('batchNormTraining and batchNorm: forward and gradients', () => {
    const xs = [4, 5, 3, 6];
    const xv = rand(xs, 7).map((v) => v * 3 + 1);
    const gv = rand([6], 8);
    const bv = rand([6], 9);
    const x = tensor(xv, xs);
    const gamma = tensor(gv, [6]);
    const beta = tensor(bv, [6]);
    const u = weights(xs);
    const eps = 1e-3;
    const r = batchNormTraining(x, { gamma, beta, epsilon: eps });
    const [gx, gg, gb] = grads((a, g, b) => sum(mul(batchNormTraining(a, { gamma: g, beta: b, epsilon: eps }).output, tensor(u, xs))))(x, gamma, beta);

    const tfTrain = (a: TfTensor, g: TfTensor, b: TfTensor): TfTensor => {
      const m = tf.moments(a, [0, 1, 2]);
      return tf.batchNorm(a, m.mean, m.variance, b, g, eps);
    };
    const tx = tf.tensor(xv, xs);
    const tgam = tf.tensor(gv, [6]);
    const tbet = tf.tensor(bv, [6]);
    const m = tf.moments(tx, [0, 1, 2]);
    assertClose(r.mean.data(), m.mean.dataSync(), 'batch mean');
    assertClose(r.variance.data(), m.variance.dataSync(), 'batch variance');
    assertClose(r.output.data(), tfTrain(tx, tgam, tbet).dataSync(), 'training output');
    const tu = tf.tensor(u, xs);
    const tg = tf.grads((a: TfTensor, g: TfTensor, b: TfTensor) => tf.sum(tf.mul(tfTrain(a, g, b), tu)))([tx, tgam, tbet]);
    assertClose(gx.data(), tg[0].dataSync(), 'training dx', 1e-4);
    assertClose(gg.data(), tg[1].dataSync(), 'training dgamma', 1e-4);
    assertClose(gb.data(), tg[2].dataSync(), 'training dbeta');

    // Inference: the moving statistics are constants.
    const mv = rand([6], 10);
    const vv = rand([6], 11).map((v) => v + 1.5);
    const mean = tensor(mv, [6]);
    const variance = tensor(vv, [6]);
    const y = batchNorm(x, mean, variance, { gamma, beta, epsilon: eps });
    const tfInfer = (a: TfTensor, g: TfTensor, b: TfTensor): TfTensor => tf.batchNorm(a, tf.tensor(mv, [6]), tf.tensor(vv, [6]), b, g, eps);
    assertClose(y.data(), tfInfer(tx, tgam, tbet).dataSync(), 'inference output');
    const [ix, ig, ib] = grads((a, g, b) => sum(mul(batchNorm(a, mean, variance, { gamma: g, beta: b, epsilon: eps }), tensor(u, xs))))(x, gamma, beta);
    const ti = tf.grads((a: TfTensor, g: TfTensor, b: TfTensor) => tf.sum(tf.mul(tfInfer(a, g, b), tu)))([tx, tgam, tbet]);
    assertClose(ix.data(), ti[0].dataSync(), 'inference dx');
    assertClose(ig.data(), ti[1].dataSync(), 'inference dgamma', 1e-4);
    assertClose(ib.data(), ti[2].dataSync(), 'inference dbeta');
  });
});

describe('stepScratch', () => {
  test('conv and pooling outputs inside a step live in backend scratch storage and are given back', async () => {
    const { stepScratch } = await import('../backend/arena.js');
    const { getBackend } = await import('../backend/index.js');
    const { loadWasmKernels } = await import('../backend/wasm/kernels.js');
    const x = tensor(rand([2, 24, 24, 3], 20), [2, 24, 24, 3]); // y has 7744 values: above the scratch minimum
    const w = tensor(rand([3, 3, 3, 8], 21), [3, 3, 3, 8]);
    const plain = maxPool2d(conv2d(x, w, { activation: 'relu' }));
    const [inside, release] = stepScratch(() => {
      const y = conv2d(x, w, { activation: 'relu' });
      return { y, p: maxPool2d(y), v: Array.from(maxPool2d(y).data()) };
    }, { activations: true });
    assert.deepEqual(inside.v, Array.from(plain.data()), 'same values');
    const heap = loadWasmKernels()!.heap;
    const onWasm = getBackend().name === 'wasm' && heap.shared;
    assert.equal(heap.offsetOf(inside.y.values as Float32Array) >= 0, onWasm, 'the conv output is scratch storage on wasm');
    const before = heap.scratchBytes;
    release();
    if (onWasm) assert.ok(heap.scratchBytes < before, 'release gave the storage back');
    // Outside a step, and in a step that keeps activations out of its arena, outputs are ordinary arrays.
    assert.equal(heap.offsetOf(conv2d(x, w).values as Float32Array), -1);
    const [plainInStep, done] = stepScratch(() => conv2d(x, w));
    assert.equal(heap.offsetOf(plainInStep.values as Float32Array), -1);
    done();
  });
});
