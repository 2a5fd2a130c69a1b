// The relaxed-SIMD loading policy: the FMA build wherever Node can run it (Node 20 included, through
// a V8 flag set only while nerva compiles), the baseline build with NERVA_RELAXED_SIMD=0, and the
// process's own V8 flags left as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeap } from './heap.js';
import { loadWasmKernels } from './kernels.js';
import { withRelaxedSimd } from './relaxed-simd.js';

// (module (func (param v128) (result v128) local.get 0 local.get 0 local.get 0 f32x4.relaxed_madd))
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02,
  0x0b,
]);
const disabled = process.env.NERVA_RELAXED_SIMD === '0';

test('the default build is the relaxed-SIMD one unless NERVA_RELAXED_SIMD=0', () => {
  const k = loadWasmKernels()!;
  assert.equal(k.relaxedSimd, !disabled);
  assert.equal(createHeap({ unshared: true })!.relaxed, !disabled, 'the plain-memory build follows the same policy');
  assert.equal(createHeap({ baselineOnly: true })!.relaxed, false);
});

test('compiling the relaxed build leaves V8 flags as they were', () => {
  const before = WebAssembly.validate(PROBE);
  createHeap();
  assert.equal(WebAssembly.validate(PROBE), before);
  // Inside the call relaxed SIMD validates, whatever Node's default.
  assert.equal(withRelaxedSimd(() => WebAssembly.validate(PROBE)), true);
  assert.equal(WebAssembly.validate(PROBE), before);
});

test('a relaxed build compiled under the temporary flag runs on the thread pool workers too', { skip: disabled }, async () => {
  const { Worker } = await import('node:worker_threads');
  const heap = createHeap()!;
  assert.ok(heap.relaxed && heap.shared);
  const src = `
    const { workerData, parentPort } = require('node:worker_threads');
    const ex = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
    parentPort.postMessage(typeof ex.matMul);`;
  const w = new Worker(src, { eval: true, workerData: { module: heap.module, memory: heap.memory } });
  const got = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  assert.equal(got, 'function');
});
