// Convolution, pooling and batch-normalization layers: the errors a user meets name the layer and
// the shapes with the fix (a missing channel axis, a kernel larger than the image, zero strides,
// 'causal' padding, channels_first, integer input to batch normalization), and Keras' semantics
// (moving statistics in training only, a frozen layer normalizing with them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sequential } from '../models/sequential.js';
import * as layers from './index.js';
import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { ArgumentError, DtypeError, ShapeError, UnsupportedError } from '../errors.js';

const images = (n: number, h: number, w: number, c: number): Tensor =>
  new Tensor(Float32Array.from({ length: n * h * w * c }, (_, i) => Math.sin(i * 0.37)), [n, h, w, c], 'float32');

test('a rank-3 image batch given to Conv2D says to add the channel axis', () => {
  assert.throws(() => new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [28, 28], name: 'c0' })]),
    (e: unknown) => e instanceof ShapeError && /Conv2D "c0": expected images of rank 4 \[batch, height, width, channels\], got \[None, 28, 28\]; add the channel axis, e\.g\. reshape\(\[n, 28, 28, 1\]\) or inputShape \[28, 28, 1\]/.test(e.message));
  const m = new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, name: 'c1' })]);
  assert.throws(() => m.predict(ops.zeros([4, 28, 28])), (e: unknown) => e instanceof ShapeError && /Conv2D "c1": expected images of rank 4.*got \[None, 28, 28\]; add the channel axis/.test(e.message));
});

test('a kernel or pool window larger than the (padded) image is refused when the model is built', () => {
  assert.throws(() => new Sequential([layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [4, 4, 1], name: 'big' })]),
    (e: unknown) => e instanceof ShapeError && /Conv2D "big": the kernel 5 x 5 is larger than the input's 4 x 4 positions \(input \[None, 4, 4, 1\], padding 'valid'\); use a smaller kernel or padding 'same'/.test(e.message));
  assert.throws(() => new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, inputShape: [4, 4, 1], name: 'dil' })]),
    /Conv2D "dil": the kernel 3 x 3 \(5 x 5 with dilation\) is larger than the input's 4 x 4 positions/);
  // 'same' padding fits any kernel.
  assert.deepEqual(new Sequential([layers.conv2d({ filters: 2, kernelSize: 5, padding: 'same', inputShape: [4, 4, 1] })]).outputShape, [null, 4, 4, 2]);
  assert.throws(() => new Sequential([layers.input({ shape: [3, 3, 1] }), layers.maxPooling2d({ poolSize: 4, name: 'p' })]),
    /MaxPooling2D "p": the pool window 4 x 4 is larger than the input's 3 x 3 positions/);
});

test('zero or fractional strides, pool sizes and filters are refused by name', () => {
  assert.throws(() => layers.conv2d({ filters: 2, kernelSize: 3, strides: 0, name: 's' }), (e: unknown) => e instanceof ArgumentError && /Conv2D "s": strides must be a whole number >= 1 or a pair of them, got 0/.test(e.message));
  assert.throws(() => layers.maxPooling2d({ poolSize: 0, name: 'p0' }), /MaxPooling2D "p0": poolSize must be a whole number >= 1 or a pair of them, got 0/);
  assert.throws(() => layers.averagePooling2d({ poolSize: [2, 1.5], name: 'p1' }), /AveragePooling2D "p1": poolSize must be a whole number >= 1 or a pair of them, got \[2,1\.5\]/);
  assert.throws(() => layers.conv2d({ filters: 0, kernelSize: 3, name: 'f' }), /Conv2D "f": filters must be a positive integer/);
  assert.throws(() => layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2, name: 'sd' }), /Conv2D "sd": strides > 1 cannot be combined with dilationRate > 1/);
});

test("'causal' padding and channels_first are refused, saying what nerva does instead", () => {
  assert.throws(() => layers.conv2d({ filters: 2, kernelSize: 3, padding: 'causal' as 'same', name: 'cz' }),
    (e: unknown) => e instanceof UnsupportedError && /Conv2D "cz": padding 'causal' is for 1-D convolutions \(Conv1D\); a 2-D layer takes 'valid' or 'same'/.test(e.message));
  assert.throws(() => layers.maxPooling2d({ dataFormat: 'channels_first' as 'channels_last', name: 'cf' }),
    (e: unknown) => e instanceof UnsupportedError && /MaxPooling2D "cf": dataFormat 'channels_first' is not supported; .*\[batch, height, width, channels\]/.test(e.message));
});

test('BatchNormalization refuses integer input and a batch axis, naming the layer', () => {
  const bn = layers.batchNormalization({ name: 'bn' });
  bn.buildFor([null, 3, 3, 2]);
  assert.throws(() => bn.apply(new Tensor(new Int32Array(18), [1, 3, 3, 2], 'int32')), (e: unknown) => e instanceof DtypeError && /BatchNormalization "bn": expects float input, got int32 \[1, 3, 3, 2\]; cast it first/.test(e.message));
  assert.throws(() => new Sequential([layers.batchNormalization({ axis: 0, inputShape: [4], name: 'b0' })]), /BatchNormalization "b0": axis 0 is not a feature axis/);
});

test('BatchNormalization: batch statistics and moving averages in training, moving statistics at inference, none when frozen', () => {
  const bn = layers.batchNormalization({ momentum: 0.5, epsilon: 1e-3 });
  const m = new Sequential([layers.input({ shape: [2, 2, 3] }), bn]);
  const x = images(4, 2, 2, 3);
  const y = bn.apply(x, { training: true });
  // Each channel of the training output has mean 0 and (biased) variance v / (v + eps).
  const per = ops.mean(y, [0, 1, 2]).toArray() as number[];
  for (const v of per) assert.ok(Math.abs(v) < 1e-6, `channel mean ${v}`);
  const mean = ops.mean(x, [0, 1, 2]).values;
  const mm = bn.movingMean!.value.values;
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(mm[c] - 0.5 * mean[c]) < 1e-6, 'moving mean moved halfway (momentum 0.5) from 0');
  // Inference uses the moving statistics (not the batch's), and leaves them alone.
  const before = Array.from(mm);
  const yi = m.predict(x);
  assert.notDeepEqual(Array.from(yi.values), Array.from(y.values));
  assert.deepEqual(Array.from(mm), before);
  // A frozen layer normalizes with its moving statistics even in training, and does not move them.
  bn.trainable = false;
  assert.deepEqual(Array.from(bn.apply(x, { training: true }).values), Array.from(yi.values));
  assert.deepEqual(Array.from(mm), before);
});
