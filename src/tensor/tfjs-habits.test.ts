// TF.js habits on a Tensor: dataSync/arraySync/array/print, JSON.stringify giving nested arrays
// (res.json({ probs })), toArray typed by rank, and the chainable form of every elementwise op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from './tensor.js';
import * as ops from '../ops/index.js';
import { ShapeError } from '../errors.js';

const t2 = ops.tensor([[1, 2, 3], [4, 5, 6]]);

test('dataSync, arraySync, array() and data() as TF.js code uses them', async () => {
  const d = t2.dataSync();
  assert.ok(d instanceof Float32Array);
  assert.deepEqual(Array.from(d), [1, 2, 3, 4, 5, 6]);
  d[0] = 99; // a copy: the tensor is unchanged
  assert.equal(t2.values[0], 1);
  assert.deepEqual(t2.arraySync(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(await t2.array(), [[1, 2, 3], [4, 5, 6]]);
  // data() is synchronous in nerva; `await t.data()` (the TF.js form) still gives the values.
  assert.deepEqual(Array.from(await t2.data()), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(ops.tensor([true, false]).arraySync(), [true, false]);
});

test('JSON.stringify of a tensor (as res.json does) writes nested arrays', () => {
  assert.equal(JSON.stringify({ probs: t2 }), '{"probs":[[1,2,3],[4,5,6]]}');
  assert.equal(JSON.stringify(ops.scalar(0.5)), '0.5');
  assert.equal(JSON.stringify(ops.tensor([true, false])), '[true,false]');
  assert.equal(JSON.stringify(ops.tensor([NaN, Infinity, 1])), '[null,null,1]');
  assert.equal(JSON.stringify(ops.zeros([2, 0])), '[[],[]]');
});

test('toArray1d/2d/3d are typed by rank and check it', () => {
  const rows: number[][] = t2.toArray2d();
  assert.equal(rows[1][2], 6);
  const flat: number[] = t2.reshape([6]).toArray1d();
  assert.deepEqual(flat, [1, 2, 3, 4, 5, 6]);
  const cube: number[][][] = t2.reshape([1, 2, 3]).toArray3d();
  assert.deepEqual(cube, [[[1, 2, 3], [4, 5, 6]]]);
  // bool tensors give 0/1 numbers, so the declared type holds.
  assert.deepEqual(ops.tensor([true, false]).toArray1d(), [1, 0]);
  assert.throws(() => t2.toArray1d(), (e: unknown) => e instanceof ShapeError && e.message === 'toArray1d: expected a rank-1 tensor, got shape [2, 3] of rank 2 (reshape or slice it first)');
  assert.throws(() => t2.toArray3d(), /toArray3d: expected a rank-3 tensor, got shape \[2, 3\] of rank 2 \(expandDims or reshape it first\)/);
  assert.equal(ops.scalar(3).toArray(), 3);
});

test('print() logs what toString shows', (t) => {
  const logged: unknown[] = [];
  t.mock.method(console, 'log', (...a: unknown[]) => void logged.push(...a));
  t2.print();
  assert.deepEqual(logged, [t2.toString()]);
  assert.match(String(logged[0]), /^Tensor\(\[\[1\., 2\., 3\.\],/);
});

test('every exported elementwise op has a chainable method giving the same result', () => {
  const x = ops.tensor([-1.5, -0.5, 0, 0.25, 2.5]);
  const b = ops.tensor([true, false, true, false, true]);
  const y = ops.tensor([2, 2, 2, 2, 2]);
  type Unary = (t: Tensor) => Tensor;
  const unary: Record<string, Unary> = {
    neg: ops.neg, abs: ops.abs, exp: ops.exp, log: ops.log, sqrt: ops.sqrt, square: ops.square, reciprocal: ops.reciprocal,
    sign: ops.sign, log1p: ops.log1p, expm1: ops.expm1, sin: ops.sin, cos: ops.cos, floor: ops.floor, ceil: ops.ceil,
    round: ops.round, erf: ops.erf, isNaN: ops.isNaN, isFinite: ops.isFinite, relu: ops.relu, sigmoid: ops.sigmoid,
    tanh: ops.tanh, softplus: ops.softplus, leakyRelu: (t) => ops.leakyRelu(t), elu: (t) => ops.elu(t), silu: ops.silu,
    gelu: (t) => ops.gelu(t), softmax: (t) => ops.softmax(t), logSoftmax: (t) => ops.logSoftmax(t),
  };
  const same = (a: Tensor, c: Tensor, name: string) => {
    assert.deepEqual(a.shape, c.shape, name);
    assert.equal(a.dtype, c.dtype, name);
    assert.deepEqual(Array.from(a.values), Array.from(c.values), name);
  };
  for (const [name, fn] of Object.entries(unary)) {
    const method = (x as unknown as Record<string, () => Tensor>)[name];
    assert.equal(typeof method, 'function', `tensor.${name}() is missing`);
    same(method.call(x), fn(x), name);
  }
  same(x.leakyRelu(0.1), ops.leakyRelu(x, 0.1), 'leakyRelu(0.1)');
  same(x.elu(0.5), ops.elu(x, 0.5), 'elu(0.5)');
  same(x.gelu(true), ops.gelu(x, true), 'gelu(true)');
  same(x.clip(-1, 1), ops.clip(x, -1, 1), 'clip');
  same(b.logicalNot(), ops.logicalNot(b), 'logicalNot');
  same(b.logicalAnd(b.logicalNot()), ops.logicalAnd(b, ops.logicalNot(b)), 'logicalAnd');
  same(b.logicalOr(b.logicalNot()), ops.logicalOr(b, ops.logicalNot(b)), 'logicalOr');
  const binary = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', 'floorDiv', 'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'] as const;
  for (const name of binary) same(x[name](y), ops[name](x, y), name);
  // The findings' example: x.floor() where only nv.floor(x) existed.
  assert.deepEqual(x.floor().toArray(), [-2, -1, 0, 0, 2]);
});
