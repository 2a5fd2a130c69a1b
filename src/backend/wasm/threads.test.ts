// Checks the threaded matmul against the single-threaded wasm kernel (bit-identical: same kernel on
// blocks of rows), the thread-count controls (setNumThreads, NERVA_NUM_THREADS in a child process),
// that memory stays bounded over many calls and that workers do not keep the process alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadWasmKernels } from './kernels.js';
import {
  getNumThreads,
  setNumThreads,
  setThreadThresholds,
  threadedDenseForward,
  threadedMatMul,
  threadPoolInfo,
  warmUpThreads,
} from './threads.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { randomArray, rng } from '../../test-utils/random-arrays.js';

const kernels = loadWasmKernels();
const skip = kernels === null ? 'WebAssembly SIMD unavailable' : false;

test('warmUpThreads starts the pool', { skip }, () => {
  setNumThreads(2);
  assert.equal(warmUpThreads(), true);
  assert.equal(threadPoolInfo().available, true);
  assert.equal(threadPoolInfo().workers, 1);
});

/** Index of the first element where the two differ bitwise (NaN-aware), or -1. */
function firstDiff(x: Float32Array, y: Float32Array): number {
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Runs the threaded and the single-threaded kernel on one random case; asserts it threaded and matched. */
function checkMatMul(m: number, k: number, n: number, transA: boolean, transB: boolean, seed: number): void {
  const rand = rng(seed);
  const a = randomArray(m * k, rand);
  const b = randomArray(k * n, rand);
  const want = kernels!.matMul(a, b, m, k, n, transA, transB);
  const got = new Float32Array(m * n).fill(NaN);
  const before = threadPoolInfo().threadedCalls;
  assert.equal(threadedMatMul(a, b, m, k, n, transA, transB, got), true, `[${m},${k},${n}] tA=${transA} tB=${transB} should thread`);
  assert.equal(threadPoolInfo().threadedCalls, before + 1);
  const i = firstDiff(got, want);
  assert.equal(i, -1, `[${m},${k},${n}] tA=${transA} tB=${transB}: element ${i}: ${got[i]} vs ${want[i]}`);
}

test('threaded matMul equals the single-threaded kernel on 512x300x257, all transposes', { skip }, () => {
  setNumThreads(2);
  for (const transA of [false, true]) {
    for (const transB of [false, true]) checkMatMul(512, 300, 257, transA, transB, 1 + Number(transA) * 2 + Number(transB));
  }
  assert.equal(threadPoolInfo().workers >= 1, true);
});

test('threaded matMul is also right against a float64 reference', { skip }, () => {
  setNumThreads(2);
  const [m, k, n] = [203, 301, 197];
  const rand = rng(7);
  const a = randomArray(k * m, rand); // stored [k, m]: transA
  const b = randomArray(n * k, rand); // stored [n, k]: transB
  const got = new Float32Array(m * n);
  assert.equal(threadedMatMul(a, b, m, k, n, true, true, got), true);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, scale = 0;
      for (let p = 0; p < k; p++) {
        s += a[p * m + i] * b[j * k + p];
        scale += Math.abs(a[p * m + i] * b[j * k + p]);
      }
      const err = Math.abs(got[i * n + j] - s);
      assert.ok(err <= 4 * k * 2 ** -24 * scale + 1e-30, `(${i}, ${j}): ${got[i * n + j]} vs ${s}`);
    }
  }
});

test('odd and tiny row splits match exactly when forced to thread', { skip }, () => {
  setNumThreads(2);
  setThreadThresholds({ minFlops: 0, minRowsPerThread: 1 });
  try {
    let seed = 100;
    for (const [m, k, n] of [[2, 1, 1], [5, 3, 7], [7, 17, 9], [9, 1, 33], [13, 100, 8], [33, 5, 1]]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) checkMatMul(m, k, n, transA, transB, seed++);
      }
    }
  } finally {
    setThreadThresholds({ minFlops: 24e6, minRowsPerThread: 16 });
  }
});

test('threaded denseForward equals the single-threaded fused kernel', { skip }, () => {
  setNumThreads(2);
  const [m, k, n] = [301, 784, 130];
  const rand = rng(11);
  const x = randomArray(m * k, rand);
  const w = randomArray(k * n, rand);
  const bias = randomArray(n, rand);
  for (const act of ['linear', 'relu'] as const) {
    for (const bb of [bias, null]) {
      const want = kernels!.denseForward(x, w, bb, m, k, n, act);
      const got = new Float32Array(m * n);
      assert.equal(threadedDenseForward(x, w, bb, m, k, n, act, got), true);
      assert.equal(firstDiff(got, want), -1, `${act}, bias=${bb !== null}`);
    }
  }
});

test('threaded denseForward skips zero input columns per chunk with the single-threaded results to the bit', { skip }, () => {
  setNumThreads(2);
  // A batch like MNIST's: columns zero in every row (borders), others zero in some rows only.
  const [m, k, n] = [1312, 784, 128];
  const rand = rng(13);
  const x = randomArray(m * k, rand);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) if (j % 28 < 5 || j < 112 || (i * 7 + j) % 5 === 0 || (j > 600 && i % 3 !== 0)) x[i * k + j] = 0;
  }
  const w = randomArray(k * n, rand);
  const bias = randomArray(n, rand);
  const want = kernels!.denseForward(x, w, bias, m, k, n, 'relu');
  const got = new Float32Array(m * n);
  assert.equal(threadedDenseForward(x, w, bias, m, k, n, 'relu', got), true);
  assert.equal(firstDiff(got, want), -1);
  // The dense kernel (a transposed copy of w takes the path that never skips) agrees too.
  const wT = new Float32Array(k * n);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) wT[j * k + p] = w[p * n + j];
  const dense = kernels!.matMul(x, wT, m, k, n, false, true);
  const plain = kernels!.matMul(x, w, m, k, n, false, false);
  assert.equal(firstDiff(plain, dense), -1);
});

test('threaded denseForward on resident operands (read and written in place) equals the single-threaded kernel', { skip }, () => {
  setNumThreads(2);
  // m not a multiple of the row chunk (ceil(1003 / 32) * 4 = 128 rows): the last chunk is short.
  const [m, k, n] = [1003, 200, 96];
  const rand = rng(12);
  const resident = (src: Float32Array): Float32Array => {
    const r = kernels!.resident(src.length);
    assert.ok(r, 'resident storage');
    r.set(src);
    return r;
  };
  const x = resident(randomArray(m * k, rand));
  const w = resident(randomArray(k * n, rand));
  const bias = resident(randomArray(n, rand));
  const got = resident(new Float32Array(m * n).fill(NaN));
  const want = kernels!.denseForward(x.slice(), w.slice(), bias.slice(), m, k, n, 'relu');
  assert.equal(threadedDenseForward(x, w, bias, m, k, n, 'relu', got), true);
  assert.equal(firstDiff(got, want), -1);
});

test('small shapes and setNumThreads(1) decline, leaving out untouched', { skip }, () => {
  setNumThreads(2);
  const rand = rng(3);
  const [m, k, n] = [32, 784, 128]; // a batch-32 Dense layer: too small to gain
  const small = new Float32Array(m * n).fill(5);
  assert.equal(threadedMatMul(randomArray(m * k, rand), randomArray(k * n, rand), m, k, n, false, false, small), false);
  assert.ok(small.every((v) => v === 5));

  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  const big = new Float32Array(512 * 512).fill(5);
  const a = randomArray(512 * 512, rand);
  assert.equal(threadedMatMul(a, a, 512, 512, 512, false, false, big), false);
  assert.ok(big.every((v) => v === 5));
  setNumThreads(2);
  assert.equal(getNumThreads(), 2);
});

test('argument checks', { skip }, () => {
  for (const bad of [0, -1, 1.5, NaN, 65]) assert.throws(() => setNumThreads(bad), ArgumentError);
  const a = new Float32Array(6);
  assert.throws(() => threadedMatMul(a, new Float32Array(5), 2, 3, 2, false, false, new Float32Array(4)), (e: Error) => e instanceof ShapeError && /matMul: expected b of 6 elements/.test(e.message));
  assert.throws(() => threadedMatMul(a, new Float32Array(6), 2, 3, 2, false, false, new Float32Array(3)), ShapeError);
});

test('shared memory stays bounded over many calls', { skip }, () => {
  setNumThreads(2);
  const rand = rng(5);
  const [m, k, n] = [400, 300, 200];
  const a = randomArray(m * k, rand);
  const b = randomArray(k * n, rand);
  const out = new Float32Array(m * n);
  assert.equal(threadedMatMul(a, b, m, k, n, false, true, out), true);
  const bytes = threadPoolInfo().memoryBytes;
  for (let i = 0; i < 40; i++) {
    assert.equal(threadedMatMul(a, b, m, k, n, i % 2 === 0, i % 3 === 0, out), true);
  }
  assert.equal(threadPoolInfo().memoryBytes, bytes);
});

/** Runs `body` (ESM, may await) in a child node with tsx and the given env; returns its stdout. */
function child(body: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const url = new URL('./threads.ts', import.meta.url).href;
  const code = `const t = await import(${JSON.stringify(url)});\n${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('NERVA_NUM_THREADS caps the thread count; workers do not keep the process alive', { skip }, () => {
  // The first large call starts the workers without waiting for them, so it declines; once they
  // are up (warmUpThreads waits for that) large calls thread.
  const body = `
    const a = new Float32Array(512 * 512).fill(1);
    const out = new Float32Array(512 * 512);
    const before = t.getNumThreads();
    t.setNumThreads(3);
    const first = t.threadedMatMul(a, a, 512, 512, 512, false, false, out);
    const warm = t.warmUpThreads();
    const threaded = t.threadedMatMul(a, a, 512, 512, 512, false, false, out);
    console.log(JSON.stringify({ before, after: t.getNumThreads(), first, warm, threaded, v: out[0], workers: t.threadPoolInfo().workers }));`;
  const capped = child(body, { NERVA_NUM_THREADS: '1' });
  assert.equal(capped.status, 0, capped.stderr);
  assert.deepEqual(JSON.parse(capped.stdout), { before: 1, after: 1, first: false, warm: false, threaded: false, v: 0, workers: 0 });
  // Uncapped: the child threads and still exits by itself (unref'd workers), silently.
  const free = child(body, { NERVA_NUM_THREADS: '' });
  assert.equal(free.status, 0, free.stderr);
  assert.deepEqual(JSON.parse(free.stdout), { before: 2, after: 3, first: false, warm: true, threaded: true, v: 512, workers: 2 });
  assert.equal(free.stderr, '');

  const bad = child('try { t.getNumThreads(); } catch (e) { console.log(e.name + ": " + e.message); }', { NERVA_NUM_THREADS: 'two' });
  assert.match(bad.stdout, /ArgumentError: NERVA_NUM_THREADS: expected a whole number >= 1, got 'two'/);
});
