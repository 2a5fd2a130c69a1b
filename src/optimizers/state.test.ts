// Optimizer state restore: by name, and by TF.js's positional order when names differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam } from './rules.js';
import { Variable } from '../layers/variable.js';
import { tensor, scalar } from '../index.js';
import type { Tensor } from '../tensor/tensor.js';

function vars(): Variable[] {
  return [new Variable('d/kernel', tensor([[1, 2], [3, 4]]), true), new Variable('d/bias', tensor([5, 6]), true)];
}

test('restores slots by name', () => {
  const vs = vars();
  const opt = new Adam();
  const m = new Map<string, Tensor>([
    ['iter', scalar(3)],
    ['d/kernel/m', tensor([[1, 1], [1, 1]])],
    ['d/bias/m', tensor([2, 2])],
    ['d/kernel/v', tensor([[3, 3], [3, 3]])],
    ['d/bias/v', tensor([4, 4])],
  ]);
  opt.setStateWeights(vs, m);
  const state = opt.getStateWeights(vs);
  assert.equal(opt.iterations, 3);
  assert.deepEqual(state.map((s) => [s.name, s.tensor.values[0]]), [['iter', 3], ['d/kernel/m', 1], ['d/kernel/v', 3], ['d/bias/m', 2], ['d/bias/v', 4]]);
});

test('falls back to TF.js order (all m, then all v) when the names are TF.js-internal', () => {
  const vs = vars();
  const opt = new Adam();
  const m = new Map<string, Tensor>([
    ['iter', scalar(1)],
    ['d/kernel_1/m', tensor([[1, 1], [1, 1]])],
    ['d/bias_1/m', tensor([2, 2])],
    ['d/kernel_1/v', tensor([[3, 3], [3, 3]])],
    ['d/bias_1/v', tensor([4, 4])],
  ]);
  opt.setStateWeights(vs, m);
  const state = new Map(opt.getStateWeights(vs).map((s) => [s.name, s.tensor.values[0]]));
  assert.equal(state.get('d/kernel/m'), 1);
  assert.equal(state.get('d/bias/m'), 2);
  assert.equal(state.get('d/kernel/v'), 3);
  assert.equal(state.get('d/bias/v'), 4);
});

test('a positional restore still checks shapes, and a short state is refused naming the slot', () => {
  const vs = vars();
  const opt = new Adam();
  const wrong = new Map<string, Tensor>([
    ['iter', scalar(1)],
    ['x/m', tensor([2, 2])],
    ['y/m', tensor([[1, 1], [1, 1]])],
    ['x/v', tensor([[3, 3], [3, 3]])],
    ['y/v', tensor([4, 4])],
  ]);
  assert.throws(() => opt.setStateWeights(vs, wrong), /lacks 'd\/kernel\/m' of shape \[2, 2\] \(found 'x\/m' of shape \[2\]\)/);
  const short = new Map<string, Tensor>([['iter', scalar(1)], ['d/kernel/m', tensor([[1, 1], [1, 1]])]]);
  assert.throws(() => opt.setStateWeights(vs, short), /lacks 'd\/kernel\/v' \(and holds 1 slot tensors, 4 expected\)/);
  assert.equal(opt.iterations, 0, 'a failed restore changes nothing');
});

test('iter must be a non-negative integer: -1, NaN, 1.5 and a list are refused, and nothing changes', () => {
  const vs = vars();
  const opt = new Adam();
  const state = (iter: Tensor): Map<string, Tensor> => new Map<string, Tensor>([
    ['iter', iter],
    ['d/kernel/m', tensor([[1, 1], [1, 1]])],
    ['d/bias/m', tensor([2, 2])],
    ['d/kernel/v', tensor([[3, 3], [3, 3]])],
    ['d/bias/v', tensor([4, 4])],
  ]);
  for (const bad of [-1, NaN, 1.5, Infinity]) {
    assert.throws(() => opt.setStateWeights(vs, state(scalar(bad))), new RegExp(`Adam: saved optimizer state 'iter' must be a non-negative integer \\(the number of steps taken\\), got ${String(bad).replace('.', '\\.')}$`));
  }
  assert.throws(() => opt.setStateWeights(vs, state(tensor([1, 2]))), /'iter' must hold one number, got shape \[2\]/);
  assert.equal(opt.iterations, 0);
  opt.setStateWeights(vs, state(scalar(7)));
  assert.equal(opt.iterations, 7);
});

test('slots must have their variable\'s exact shape: a transposed [3, 4] for a [4, 3] weight is refused', () => {
  const w = [new Variable('d/kernel', tensor(Array.from({ length: 4 }, () => [1, 2, 3])), true)];
  const opt = new Adam();
  const ok = tensor(Array.from({ length: 4 }, () => [0, 0, 0]));
  const transposed = tensor(Array.from({ length: 3 }, () => [0, 0, 0, 0]));
  const byName = (m: Tensor): Map<string, Tensor> => new Map<string, Tensor>([['iter', scalar(1)], ['d/kernel/m', m], ['d/kernel/v', ok]]);
  assert.throws(() => opt.setStateWeights(w, byName(transposed)), /Adam: saved optimizer state lacks 'd\/kernel\/m' of shape \[4, 3\] \(found 'd\/kernel\/m' of shape \[3, 4\]\)/);
  // By position too (TF.js's own slot names).
  const byPosition = new Map<string, Tensor>([['iter', scalar(1)], ['x/m', ok], ['x/v', transposed]]);
  assert.throws(() => opt.setStateWeights(w, byPosition), /lacks 'd\/kernel\/v' of shape \[4, 3\] \(found 'x\/v' of shape \[3, 4\]\)/);
});

test('slot values must be finite, and Adam v, RMSprop rms and Adagrad accumulators non-negative', async () => {
  const { RMSprop, Adagrad, SGD } = await import('./rules.js');
  const w = [new Variable('d/bias', tensor([1, 2]), true)];
  const adam = new Adam();
  assert.throws(() => adam.setStateWeights(w, new Map([['iter', scalar(1)], ['d/bias/m', tensor([0, NaN])], ['d/bias/v', tensor([0, 0])]])), /Adam: saved optimizer state 'd\/bias\/m' is NaN at flat index 1/);
  assert.throws(() => adam.setStateWeights(w, new Map([['iter', scalar(1)], ['d/bias/m', tensor([0, 0])], ['d/bias/v', tensor([0, -0.5])]])), /Adam: saved optimizer state 'd\/bias\/v' is negative \(-0\.5\), which this slot never is, at flat index 1/);
  // m may be negative.
  adam.setStateWeights(w, new Map([['iter', scalar(1)], ['d/bias/m', tensor([-1, -2])], ['d/bias/v', tensor([0, 1])]]));
  const rms = new RMSprop({ centered: true });
  const rmsState = (rmsV: number[], mg: number[]): Map<string, Tensor> => new Map([['iter', scalar(1)], ['d/bias/rms', tensor(rmsV)], ['d/bias/momentum', tensor([0, 0])], ['d/bias/mg', tensor(mg)]]);
  assert.throws(() => rms.setStateWeights(w, rmsState([-1, 0], [0, 0])), /RMSprop: saved optimizer state 'd\/bias\/rms' is negative/);
  rms.setStateWeights(w, rmsState([1, 0], [-1, 0]));
  assert.throws(() => new Adagrad().setStateWeights(w, new Map([['iter', scalar(1)], ['d/bias/accumulator', tensor([-0.1, 0])]])), /Adagrad: saved optimizer state 'd\/bias\/accumulator' is negative/);
  assert.throws(() => new SGD({ momentum: 0.9 }).setStateWeights(w, new Map([['iter', scalar(1)], ['d/bias/momentum', tensor([Infinity, 0])]])), /SGD: saved optimizer state 'd\/bias\/momentum' is Infinity at flat index 0/);
});
