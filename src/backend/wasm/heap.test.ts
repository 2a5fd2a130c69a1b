// The wasm heap: allocator bookkeeping, resident storage that survives memory growth and is read by
// kernels in place, and blocks given back when their arrays are garbage-collected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHeap, HeapFullError } from './heap.js';
import { kernelsOn, loadWasmKernels } from './kernels.js';
import { randomArray, rng } from '../../test-utils/random-arrays.js';
import * as nv from '../../index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('malloc gives aligned, disjoint blocks and release coalesces them', () => {
  const heap = createHeap()!;
  const a = heap.malloc(10);
  const b = heap.malloc(100);
  const c = heap.malloc(64);
  for (const off of [a, b, c]) assert.equal(off % 64, 0);
  assert.ok(a + 64 <= b && b + 128 <= c, `${a} ${b} ${c}`);
  heap.release(b);
  assert.equal(heap.malloc(128), b, 'a freed block is reused');
  heap.release(a);
  heap.release(b);
  heap.release(c);
  // All three merged back: one block as large as the three fits where the first was.
  assert.equal(heap.malloc(64 + 128 + 64), a);
});

test('malloc grows memory when nothing fits, and old offsets stay valid', () => {
  const heap = createHeap()!;
  const before = heap.bytes;
  const small = heap.malloc(16);
  heap.f32()[small >> 2] = 42;
  const big = heap.malloc(before * 2);
  assert.ok(heap.bytes >= big + before * 2, `grew to ${heap.bytes}`);
  assert.ok(big >= small + 64);
  assert.equal(heap.f32()[small >> 2], 42);
});

test('resident arrays live in wasm memory, are zeroed, and survive growth', { skip: !createHeap()?.shared }, () => {
  const heap = createHeap()!;
  const r = heap.resident(1000)!;
  assert.ok(r instanceof Float32Array && r.length === 1000);
  assert.ok(r.every((v) => v === 0));
  assert.equal(heap.offsetOf(r), r.byteOffset);
  r[999] = 7;
  heap.malloc(heap.bytes * 2); // forces growth
  assert.equal(r.length, 1000, 'the view is not detached by growth');
  assert.equal(r[999], 7);
  assert.equal(heap.f32()[(r.byteOffset >> 2) + 999], 7, 'the kernels see the same memory');
  assert.equal(heap.offsetOf(new Float32Array(1000)), -1, 'a plain array is not resident');
});

test('resident blocks are given back when their arrays are collected', { skip: !createHeap()?.shared }, async () => {
  const heap = createHeap()!;
  const base = heap.residentBytes;
  (() => {
    for (let i = 0; i < 50; i++) heap.resident(10_000);
  })();
  assert.equal(heap.residentBytes, base + 50 * 40_000);
  for (let i = 0; i < 10 && heap.residentBytes > base; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10)); // finalizers run in a later task
  }
  assert.equal(heap.residentBytes, base);
});

test('kernels give the same results on resident and plain arrays, and write resident outputs in place', () => {
  const K = loadWasmKernels()!;
  const rand = rng(11);
  const [m, k, n] = [37, 50, 29];
  const a = randomArray(m * k, rand);
  const b = randomArray(k * n, rand);
  const ra = K.resident(m * k) ?? new Float32Array(m * k);
  const rb = K.resident(k * n) ?? new Float32Array(k * n);
  const rout = K.resident(m * n) ?? new Float32Array(m * n);
  ra.set(a);
  rb.set(b);
  const want = K.matMul(a, b, m, k, n, false, false);
  assert.deepEqual(K.matMul(ra, rb, m, k, n, false, false, rout), want);
  assert.deepEqual(rout, want);
  // An output aliasing a resident input still gets the right answer (the kernel reads while writing).
  const sq = K.resident(16) ?? new Float32Array(16);
  sq.set(randomArray(16, rand));
  const want2 = K.matMul(sq.slice(), sq.slice(), 4, 4, 4, false, false);
  assert.deepEqual(K.matMul(sq, sq, 4, 4, 4, false, false, sq), want2);
});

test('on the wasm backend model weights are resident; on js they are plain arrays', () => {
  const K = loadWasmKernels()!;
  nv.setSeed(1);
  const model = new nv.Sequential([nv.layers.dense({ units: 3, inputShape: [4] })]);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const resident = nv.getBackend().name === 'wasm' && K.heap.shared;
  for (const w of model.weights) assert.equal(K.heap.offsetOf(w.value.values as Float32Array) >= 0, resident, w.name);
});

test('wasm memory stays flat over many training steps', async () => {
  const K = loadWasmKernels()!;
  nv.setSeed(2);
  const model = new nv.Sequential([
    nv.layers.dense({ units: 64, activation: 'relu', inputShape: [100] }),
    nv.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  const x = nv.randomUniform([640, 100]);
  const y = nv.tensor(Array.from({ length: 640 }, (_, i) => i % 10), [640], 'int32');
  await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const bytes = K.heap.bytes;
  const resident = K.heap.residentBytes;
  await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 });
  assert.equal(K.heap.bytes, bytes);
  assert.equal(K.heap.residentBytes, resident);
  // Each step's scratch (batch, layer outputs, gradients) is given back when the step ends.
  assert.equal(K.heap.scratchBytes, 0);
});

test('releaseScratch frees scratch blocks only', { skip: !createHeap()?.shared }, () => {
  const heap = createHeap()!;
  const keep = heap.resident(100)!;
  const temp = heap.scratch(100)!;
  assert.equal(heap.offsetOf(temp), temp.byteOffset);
  assert.equal(heap.scratchBytes, 448);
  const base = heap.residentBytes;
  heap.releaseScratch(keep);
  heap.releaseScratch(new Float32Array(100));
  heap.releaseScratch(temp.subarray(4));
  assert.equal(heap.residentBytes, base, 'persistent blocks, plain arrays and sub-views are left alone');
  assert.equal(heap.scratchBytes, 448);
  heap.releaseScratch(temp);
  assert.equal(heap.scratchBytes, 0);
  assert.equal(heap.malloc(400), temp.byteOffset, 'the block is reused');
  heap.releaseScratch(temp);
  assert.equal(heap.malloc(64), temp.byteOffset + 448, 'a second release of a reused block is a no-op');
});

test('a full heap refuses cleanly: HeapFullError, null resident storage, and it keeps working', { skip: !createHeap()?.shared }, () => {
  const heap = createHeap({ maxPages: 64 })!; // 4 MiB
  assert.throws(() => heap.malloc(8 << 20), (e: Error) => e instanceof HeapFullError && /cannot grow memory/.test(e.message));
  assert.equal(heap.resident(2 << 20), null);
  const small = heap.resident(1000);
  assert.ok(small && small.length === 1000, 'small allocations still succeed');
  const K = kernelsOn(heap);
  const rand = rng(3);
  const a = randomArray(600 * 600, rand);
  assert.throws(() => K.matMul(a, a, 600, 600, 600, false, false), HeapFullError);
  assert.deepEqual(K.matMul(new Float32Array([2]), new Float32Array([3]), 1, 1, 1, false, false), new Float32Array([6]));
});

test('models that are dropped give their weights and optimizer state back', { skip: !createHeap()?.shared }, async () => {
  const K = loadWasmKernels()!;
  if (nv.getBackend().name !== 'wasm') return;
  const x = nv.randomUniform([64, 50]);
  const y = nv.randomUniform([64, 5]);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await settle();
  const before = K.heap.residentBytes;
  for (let i = 0; i < 20; i++) {
    const model = new nv.Sequential([nv.layers.dense({ units: 200, inputShape: [50] }), nv.layers.dense({ units: 5 })]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  }
  // 20 models x (weights + two Adam slots) x ~11k floats: about 2.6 MB if nothing came back.
  await settle();
  assert.ok(K.heap.residentBytes - before < 200_000, `still resident: ${K.heap.residentBytes - before} bytes`);
});
