// The one adapter every wasm primitive goes through: non-float32 operands and shapes a kernel
// declines run the JS reference (same results), and NERVA_DEBUG_FALLBACK reports each kind once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsBackend } from '../js/index.js';
import { wasmBackend } from './index.js';
import { Tensor } from '../../tensor/tensor.js';

const wasm = wasmBackend();

test('float64 operands and rank-3 dense inputs give the JS reference results', { skip: !wasm && 'no WebAssembly SIMD' }, () => {
  const a = new Tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3], 'float64');
  const b = new Tensor(Float64Array.from([1, 0, 0, 1, 1, 1]), [3, 2], 'float64');
  const out = (): Tensor => new Tensor(new Float64Array(4), [2, 2], 'float64');
  const [o1, o2] = [out(), out()];
  wasm!.matMul!(a, b, false, false, o1);
  jsBackend.matMul(a, b, false, false, o2);
  assert.deepEqual([...o1.values], [...o2.values]);
  assert.deepEqual([...o1.values], [4, 5, 10, 11]);
});

test('NERVA_DEBUG_FALLBACK=1 names each fallback of a wasm primitive once', { skip: !wasm && 'no WebAssembly SIMD' }, () => {
  const script = `
    import { tensor, matMul } from ${JSON.stringify(fileURLToPath(new URL('../../index.ts', import.meta.url)))};
    const a = tensor([[1, 2], [3, 4]], undefined, 'float64');
    matMul(a, a); matMul(a, a);
    matMul(tensor([[1, 2], [3, 4]]), tensor([[1], [1]]));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, NERVA_DEBUG_FALLBACK: '1', NERVA_BACKEND: 'wasm' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.includes('wasm matMul'));
  assert.deepEqual(lines, ['nerva: wasm matMul falls back to js (an operand is not float32)']);
});
