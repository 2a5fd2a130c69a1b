// Convolution speed on the Keras "simple MNIST convnet" (not part of npm test):
//  1. GFLOP/s of the conv2d primitives (forward, input grad, filter grad) on conv1's and conv2's
//     shapes at batch 128, on 1 and 2 threads, through the backend with every array in backend
//     scratch storage (wasm memory), as they are inside a training step run in stepScratch;
//  2. a whole training step of the convnet composed of nerva ops (conv2d relu, maxPool2d, conv2d
//     relu, maxPool2d, flatten, dropout 0.5, dense, softmax cross-entropy; backward; Adam), batch
//     128, on 2 and 1 threads, with the conv activations in step scratch storage (src/backend/arena.ts)
//     and once without; where Debian's python3-torch is installed, the same step in PyTorch 1.13 on
//     2 and 1 threads (bench/torch_conv.py), alternated rep by rep with nerva, as ratios;
//  3. with --profile (instead of 1 and 2), where a nerva step's time goes, per backend primitive.
//
//   node --import tsx bench/conv.ts [--quick] [--profile]
//   node --experimental-wasm-relaxed-simd --import tsx bench/conv.ts     (the relaxed-SIMD kernels)
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nv from '../src/index.js';
import { dense } from '../src/ops/nn.js';
import { getBackend } from '../src/backend/index.js';
import type { TensorData } from '../src/backend/backend.js';
import { window2d } from '../src/ops/conv.js';
import { stepScratch } from '../src/backend/arena.js';
import { loadWasmKernels } from '../src/backend/wasm/kernels.js';
import { benchTfjsConvnet } from './tfjs-conv.js';
import { median, quick, timeIt } from './timing.js';

const profile = process.argv.includes('--profile');
const REPS = quick ? 3 : 7;
const here = dirname(fileURLToPath(import.meta.url));
const BATCH = 128;

nv.setBackend('wasm');
nv.warmUpThreads();
console.log(`nerva wasm backend, relaxed SIMD: ${loadWasmKernels()?.relaxedSimd}, Node ${process.versions.node}`);

// ---- 1. the conv2d primitives ------------------------------------------------------------------

function empty(shape: number[]): TensorData {
  return { values: getBackend().allocateScratch('float32', shape.reduce((a, b) => a * b, 1)), shape, dtype: 'float32' };
}
function random(shape: number[], scale = 1): TensorData {
  const t = empty(shape);
  t.values.set(nv.randomUniform(shape, -scale, scale).values);
  return t;
}

const SHAPES: [string, number[], number[]][] = [
  ['conv1 x[128,28,28,1] w[3,3,1,32]', [BATCH, 28, 28, 1], [3, 3, 1, 32]],
  ['conv2 x[128,13,13,32] w[3,3,32,64]', [BATCH, 13, 13, 32], [3, 3, 32, 64]],
];

function benchPrimitives(): void {
  console.log('\nconv2d primitives, GFLOP/s (median; arrays in wasm memory, as in a step run in stepScratch)');
  console.log('shape'.padEnd(38) + ['forward', 'input grad', 'filter grad'].map((s) => `${s} 1t`.padStart(15) + `${s} 2t`.padStart(15)).join(''));
  for (const [name, xs, ws] of SHAPES) {
    const info = { ...window2d('bench', xs, [ws[0], ws[1]], [1, 1], [1, 1], 'valid'), outChannels: ws[3] };
    const ys = [info.batch, info.outHeight, info.outWidth, info.outChannels];
    const flops = 2 * info.batch * info.outHeight * info.outWidth * ws[0] * ws[1] * ws[2] * ws[3];
    const [x, w, b, dy] = [random(xs), random(ws, 0.2), random([ws[3]]), random(ys)];
    const [y, dx, dw] = [empty(ys), empty(xs), empty(ws)];
    const k = getBackend();
    const runs: (() => void)[] = [
      () => k.conv2d(x, w, b, 'relu', info, y),
      () => k.conv2dBackward(x, w, y, dy, 'linear', info, dx, null, null),
      () => k.conv2dBackward(x, w, y, dy, 'linear', info, null, dw, null),
    ];
    let line = name.padEnd(38);
    for (const fn of runs) {
      for (const threads of [1, 2]) {
        nv.setNumThreads(threads);
        line += (flops / timeIt(fn, 250, REPS, 300) / 1e6).toFixed(1).padStart(15);
      }
    }
    console.log(line);
  }
  nv.setNumThreads(2);
}

// ---- 2. the training step ----------------------------------------------------------------------

const [[xTrainU8, yTrain]] = nv.datasets.mnist.loadData();
const xAll = nv.reshape(xTrainU8.slice([0, 0, 0], [BATCH * 20, 28, 28]).div(255), [BATCH * 20, 28, 28, 1]);
const yAll = nv.oneHot(yTrain.slice([0], [BATCH * 20]), 10);

/** A weight in backend storage (wasm memory on the wasm backend), as a layer's Variable keeps it. */
function persistent(t: nv.Tensor): nv.Tensor {
  const store = getBackend().allocatePersistent('float32', t.size);
  store.set(t.values);
  return new nv.Tensor(store, [...t.shape], 'float32');
}
const glorot = (shape: number[], fanIn: number, fanOut: number): nv.Tensor => nv.randomNormal(shape, 0, Math.sqrt(2 / (fanIn + fanOut)));

nv.setSeed(1);
const params = [
  glorot([3, 3, 1, 32], 9, 288), nv.zeros([32]),
  glorot([3, 3, 32, 64], 288, 576), nv.zeros([64]),
  glorot([1600, 10], 1600, 10), nv.zeros([10]),
].map(persistent);
const slots = params.map((p) => [getBackend().allocatePersistent('float32', p.size), getBackend().allocatePersistent('float32', p.size)]);
let adamStep = 0;

function convnetLoss(x: nv.Tensor, labels: nv.Tensor, ps: nv.Tensor[]): nv.Tensor {
  const [w1, b1, w2, b2, wd, bd] = ps;
  let h = nv.conv2d(x, w1, { bias: b1, activation: 'relu' });
  h = nv.maxPool2d(h);
  h = nv.conv2d(h, w2, { bias: b2, activation: 'relu' });
  h = nv.maxPool2d(h);
  h = nv.reshape(h, [x.shape[0], 1600]);
  // Dropout 0.5 as the Dropout layer does it (src/layers/simple.ts): a mask filled in a JS loop.
  const mask = nv.zeros(h.shape);
  for (let i = 0; i < mask.size; i++) mask.values[i] = Math.random() < 0.5 ? 2 : 0;
  h = nv.mul(h, mask);
  const logits = dense(h, wd, bd, 'linear');
  return nv.neg(nv.mean(nv.sum(nv.mul(labels, nv.logSoftmax(logits)), -1)));
}

let batchAt = 0;
/**
 * One training step as fit would run it: the batch in scratch storage (as fit's takeRows makes
 * it), forward and backward, Adam on each weight, weight gradients given back; with `scoped`, the
 * conv and pooling activations and their gradients in step scratch storage, given back at the end.
 */
function nervaStep(scoped = true): number {
  const b = getBackend();
  const xs = b.allocateScratch('float32', BATCH * 784);
  xs.set(xAll.values.subarray(batchAt * BATCH * 784, (batchAt + 1) * BATCH * 784));
  const x = new nv.Tensor(xs, [BATCH, 28, 28, 1], 'float32');
  const labels = yAll.slice([batchAt * BATCH, 0], [BATCH, 10]);
  batchAt = (batchAt + 1) % 20;
  const run = (): number => {
    const [loss, grads] = nv.valueAndGrad((...ps: nv.Tensor[]) => convnetLoss(x, labels, ps))(...params);
    adamStep++;
    params.forEach((p, i) => {
      b.adamUpdate(p.values, grads[i].values, slots[i][0], slots[i][1], { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: adamStep });
      b.releaseScratch(grads[i].values);
    });
    return loss.item();
  };
  let loss: number;
  if (scoped) {
    const [v, release] = stepScratch(run, { activations: true });
    release();
    loss = v;
  } else {
    loss = run();
  }
  b.releaseScratch(xs);
  return loss;
}

/** A running bench/torch_conv.py: answers "train STEPS THREADS" with wall and CPU ms per step. */
interface Torch {
  train(steps: number, threads: number): Promise<{ msPerStep: number; cpuMsPerStep: number }>;
  close(): void;
}

async function startTorch(): Promise<Torch | string> {
  const py = '/usr/bin/python3';
  if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    return 'PyTorch: not installed (apt-get install python3-torch libopenblas0-pthread)';
  }
  const child = spawn(py, [join(here, 'torch_conv.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const queue: ((s: string) => void)[] = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const ask = (cmd: string): Promise<string> =>
    new Promise((resolve) => {
      queue.push(resolve);
      child.stdin.write(cmd + '\n');
    });
  const hello = JSON.parse(await ask('hello')) as { version: string };
  console.log(`PyTorch ${hello.version} (bench/torch_conv.py: NCHW, same model, Adam)`);
  return {
    train: async (steps, threads) => JSON.parse(await ask(`train ${steps} ${threads}`)) as { msPerStep: number; cpuMsPerStep: number },
    close: () => child.stdin.end(),
  };
}

/** Runs the step comparison; returns nerva's 2-thread median ms per step. */
async function benchSteps(): Promise<number> {
  console.log('\nconvnet training step, batch 128: ms per step, medians of reps alternated with PyTorch');
  console.log('(CPU = process CPU time over all threads; on a loaded machine the 1-thread CPU times compare best)');
  const first = nervaStep();
  const torch = await startTorch();
  if (typeof torch === 'string') console.log(torch);
  const STEPS = quick ? 5 : 10;
  const results: Record<string, number[]> = {};
  const put = (k: string, v: number): void => void (results[k] ??= []).push(v);
  for (let rep = 0; rep < REPS; rep++) {
    for (const threads of [2, 1]) {
      nv.setNumThreads(threads);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let s = 0; s < STEPS; s++) nervaStep();
      put(`nerva ${threads}t`, (performance.now() - t0) / STEPS);
      const cu = process.cpuUsage(c0);
      put(`nerva ${threads}t CPU`, (cu.user + cu.system) / 1000 / STEPS);
      if (threads === 2) {
        // Without step scratch: every activation an ordinary array, copied in and out of wasm memory.
        const t1 = performance.now();
        for (let s = 0; s < STEPS; s++) nervaStep(false);
        put('nerva 2t, no step scratch', (performance.now() - t1) / STEPS);
      }
      if (typeof torch !== 'string') {
        const r = await torch.train(STEPS, threads);
        put(`torch ${threads}t`, r.msPerStep);
        put(`torch ${threads}t CPU`, r.cpuMsPerStep);
      }
    }
  }
  nv.setNumThreads(2);
  const last = nervaStep();
  if (typeof torch !== 'string') torch.close();
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(26)} ${median(v).toFixed(1).padStart(7)} ms/step`);
  if (results['torch 2t']) {
    for (const t of [2, 1]) {
      const wall = results[`nerva ${t}t`].map((v, i) => v / results[`torch ${t}t`][i]);
      const cpu = results[`nerva ${t}t CPU`].map((v, i) => v / results[`torch ${t}t CPU`][i]);
      console.log(`nerva / PyTorch, ${t} thread(s): ${median(wall).toFixed(2)}x the wall time, ${median(cpu).toFixed(2)}x the CPU time`);
    }
  }
  const perEpoch = (median(results['nerva 2t']) * 422) / 1000;
  console.log(`=> 422 steps/epoch at the 2-thread median: ${perEpoch.toFixed(0)} s/epoch, ${((perEpoch * 15) / 60).toFixed(1)} min for 15 epochs (without validation)`);
  console.log(`(the loss went from ${first.toFixed(3)} to ${last.toFixed(3)} over these steps: the step trains)`);
  return median(results['nerva 2t']);
}

// ---- 3. profile --------------------------------------------------------------------------------

/** Wall and CPU time per step in each backend primitive, on one thread (CPU time is then this thread's). */
function profileStep(): void {
  nv.setNumThreads(1);
  const b = getBackend() as unknown as Record<string, unknown>;
  const spent = new Map<string, [number, number]>();
  const original = new Map<string, (...a: unknown[]) => unknown>();
  for (const key of Object.keys(b)) {
    const f = b[key];
    if (typeof f !== 'function' || key.startsWith('allocate') || key === 'releaseScratch') continue;
    const fn = f as (...a: unknown[]) => unknown;
    original.set(key, fn);
    b[key] = (...a: unknown[]): unknown => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        return fn(...a);
      } finally {
        const c = process.cpuUsage(c0);
        // Keyed by the primitive (with the op of unary/binary/reduce) and its first tensor's shape.
        const op = typeof a[0] === 'string' ? ` ${a[0]}` : '';
        const t = (op ? a[1] : a[0]) as { shape?: number[] } | undefined;
        const what = `${key}${op} [${t?.shape?.join(',') ?? ''}]`;
        const prev = spent.get(what) ?? [0, 0];
        spent.set(what, [prev[0] + performance.now() - t0, prev[1] + (c.user + c.system) / 1000]);
      }
    };
  }
  const steps = quick ? 10 : 30;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) nervaStep();
  const total = (performance.now() - t0) / steps;
  const cu = process.cpuUsage(c0);
  const totalCpu = (cu.user + cu.system) / 1000 / steps;
  for (const [k, f] of original) b[k] = f;
  console.log(`\nwhere a 1-thread step's time goes, ms per step (wall ${total.toFixed(1)}, CPU ${totalCpu.toFixed(1)}):`);
  console.log(`  ${'primitive [first input]'.padEnd(44)} ${'wall'.padStart(7)} ${'CPU'.padStart(7)}`);
  let inWall = 0;
  let inCpu = 0;
  for (const [k, [ms, cpu]] of [...spent].sort((p, q) => q[1][1] - p[1][1])) {
    inWall += ms / steps;
    inCpu += cpu / steps;
    if (cpu / steps >= 0.05) console.log(`  ${k.padEnd(44)} ${(ms / steps).toFixed(2).padStart(7)} ${(cpu / steps).toFixed(2).padStart(7)}`);
  }
  console.log(`  ${'outside the backend'.padEnd(44)} ${(total - inWall).toFixed(2).padStart(7)} ${(totalCpu - inCpu).toFixed(2).padStart(7)} (ops, autograd, GC)`);
}

for (let i = 0; i < 5; i++) nervaStep(); // warm-up (and the workers start)
if (profile) {
  profileStep();
} else {
  benchPrimitives();
  const nervaMs = await benchSteps();
  await benchTfjsConvnet(nervaMs, quick ? 1 : 2);
}
