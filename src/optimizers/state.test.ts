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
  assert.throws(() => opt.setStateWeights(vs, wrong), /lacks 'd\/kernel\/m' of shape \[2, 2\] \(found shape \[2\]\)/);
  const short = new Map<string, Tensor>([['iter', scalar(1)], ['d/kernel/m', tensor([[1, 1], [1, 1]])]]);
  assert.throws(() => opt.setStateWeights(vs, short), /lacks 'd\/kernel\/v' \(and holds 1 slot tensors, 4 expected\)/);
  assert.equal(opt.iterations, 0, 'a failed restore changes nothing');
});
