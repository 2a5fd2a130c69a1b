// `npm run bench`: nerva (js and wasm backends) against TensorFlow.js 4.22 (cpu and wasm) and, when
// Debian's python3-torch is installed, PyTorch on one thread — all in one run on one machine, so the
// ratios mean something on a noisy shared box. Not part of `npm test`.
//
// Measures: matMul GFLOP/s on the Dense shapes; MNIST-model training seconds per epoch (batch 32,
// with validation on the 10k test set); predict samples/s on the 10k test set; single-sample
// predict latency (median of 1000). Training time per epoch is measured on a subset of steps after
// a warm-up and scaled to 1875 steps, plus the measured validation pass. Because each engine's
// column is taken at a different minute, the training comparison that matters is also measured
// head to head: nerva-wasm alternated rep by rep with TF.js wasm, then with PyTorch (kept running
// in a --serve child process), reported as median step-time ratios.
// Writes the numbers to out/bench.json.
//
//   npm run bench              (add -- --quick for fewer repetitions)
//   node --experimental-wasm-relaxed-simd --import tsx bench/bench.ts
//                              the same with nerva's relaxed-SIMD (FMA) kernels on Node 20-21, as the
//                              `nerva` command and Node 22+ run them
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nv from '../src/index.js';
import { defaultMnistDir } from '../src/data/mnist-files.js';

const quick = process.argv.includes('--quick');
const REPS = quick ? 3 : 5;
const here = dirname(fileURLToPath(import.meta.url));

type Row = { name: string; unit: string; higherIsBetter: boolean; values: Record<string, number | null> };
const rows: Row[] = [];
const ENGINES = ['nerva-wasm', 'nerva-js', 'tfjs-wasm', 'tfjs-cpu', 'pytorch-1t'] as const;
type Engine = (typeof ENGINES)[number];
function put(name: string, unit: string, higherIsBetter: boolean, engine: Engine, v: number | null): void {
  let r = rows.find((x) => x.name === name);
  if (!r) rows.push((r = { name, unit, higherIsBetter, values: {} }));
  r.values[engine] = v;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median per-call milliseconds of fn, each repetition running for at least minMs. */
function timeIt(fn: () => void, minMs: number, reps = REPS, warmMs = 400): number {
  // Warm-up long enough for V8 to move wasm and JS out of its baseline tier (seen: 3x slower
  // for the first few hundred milliseconds of a kernel).
  const w = performance.now();
  do fn();
  while (performance.now() - w < Math.max(minMs, warmMs));
  const per: number[] = [];
  for (let r = 0; r < reps; r++) {
    let calls = 0;
    const t0 = performance.now();
    do {
      fn();
      calls++;
    } while (performance.now() - t0 < minMs);
    per.push((performance.now() - t0) / calls);
  }
  return median(per);
}

const SHAPES: [string, number, number, number, boolean, boolean][] = [
  ['matMul [32x784]x[784x128]', 32, 784, 128, false, false],
  ['matMul dW x^T dy [784x32]x[32x128]', 784, 32, 128, true, false],
  ['matMul [32x128]x[128x10]', 32, 128, 10, false, false],
  ['matMul 512^3', 512, 512, 512, false, false],
  ['matMul 1024^3', 1024, 1024, 1024, false, false],
];

const [[xTrainU8, yTrain], [xTestU8, yTest]] = nv.datasets.mnist.loadData();
const xTrain = xTrainU8.div(255);
const xTest = xTestU8.div(255);
const TRAIN_STEPS = 1875;

function subset(steps: number): [nv.Tensor, nv.Tensor] {
  const n = steps * 32;
  return [xTrain.slice([0, 0, 0], [n, 28, 28]), yTrain.slice([0], [n])];
}

/** One timed pass (of training steps, or of calls); returns milliseconds per step or call. */
type TrainRep = () => Promise<number>;

async function benchNerva(backend: 'wasm' | 'js'): Promise<TrainRep> {
  const engine: Engine = backend === 'wasm' ? 'nerva-wasm' : 'nerva-js';
  nv.setBackend(backend);
  // Worker threads start lazily and take a few hundred ms; a long-running server would have them
  // up, so the benchmark starts them before measuring.
  if (backend === 'wasm') nv.warmUpThreads();
  for (const [name, m, k, n, tA, tB] of SHAPES) {
    if (backend === 'js' && m * k * n > 3e8) {
      put(name, 'GFLOP/s', true, engine, null);
      continue;
    }
    const a = nv.randomUniform(tA ? [k, m] : [m, k], -1, 1);
    const b = nv.randomUniform(tB ? [n, k] : [k, n], -1, 1);
    const ms = timeIt(() => nv.matMul(a, b, { transposeA: tA, transposeB: tB }), backend === 'js' ? 150 : 100);
    put(name, 'GFLOP/s', true, engine, (2 * m * k * n) / (ms * 1e6));
  }
  nv.setSeed(1);
  const model = new nv.Sequential([
    nv.layers.flatten({ inputShape: [28, 28] }),
    nv.layers.dense({ units: 128, activation: 'relu' }),
    nv.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const steps = backend === 'wasm' ? 600 : 150;
  const [xs, ys] = subset(steps);
  await model.fit(xs.slice([0, 0, 0], [50 * 32, 28, 28]), ys.slice([0], [50 * 32]), { epochs: 1, verbose: 0 });
  const trainMs: number[] = [];
  const rep: TrainRep = async () => {
    const t0 = performance.now();
    await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
    return (performance.now() - t0) / steps;
  };
  for (let r = 0; r < (backend === 'wasm' ? REPS : 2); r++) trainMs.push((await rep()) * steps);
  const evalMs = timeIt(() => model.evaluate(xTest, yTest, { batchSize: 32 }), 0, backend === 'wasm' ? 3 : 1);
  put('MNIST train, s/epoch (1875 steps + validation)', 's', false, engine, (median(trainMs) / steps) * TRAIN_STEPS / 1000 + evalMs / 1000);
  const predMs = timeIt(() => model.predict(xTest, { batchSize: 256 }), 0, 3);
  put('predict 10k test images, samples/s', 'samples/s', true, engine, 10000 / (predMs / 1000));
  const one = xTest.slice([0, 0, 0], [1, 28, 28]);
  const lat: number[] = [];
  for (let i = 0; i < 1100; i++) {
    const t0 = performance.now();
    model.predict(one).data();
    if (i >= 100) lat.push(performance.now() - t0);
  }
  put('single-sample predict latency, µs (median of 1000)', 'µs', false, engine, median(lat) * 1000);
  return rep;
}

interface TfModule {
  setBackend(b: string): Promise<boolean>;
  getBackend(): string;
  ready(): Promise<void>;
  tensor(v: Float32Array | Int32Array, shape: number[], dtype?: string): TfTensor;
  matMul(a: TfTensor, b: TfTensor, tA: boolean, tB: boolean): TfTensor;
  randomUniform(shape: number[]): TfTensor;
  tidy<T>(f: () => T): T;
  sequential(c: { layers: unknown[] }): TfModel;
  layers: { flatten(a: object): unknown; dense(a: object): unknown };
  version: { tfjs: string };
}
interface TfTensor { dataSync(): Float32Array; dispose(): void; slice(b: number[], s: number[]): TfTensor }
interface TfModel {
  compile(a: object): void;
  fit(x: TfTensor, y: TfTensor, a: object): Promise<unknown>;
  evaluate(x: TfTensor, y: TfTensor, a: object): TfTensor | TfTensor[];
  predict(x: TfTensor, a?: object): TfTensor;
}

async function benchTf(tf: TfModule, backend: 'wasm' | 'cpu'): Promise<TrainRep | null> {
  const engine: Engine = backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) {
    console.log(`TF.js ${backend} backend did not start; its column is empty`);
    return null;
  }
  for (const [name, m, k, n, tA, tB] of SHAPES) {
    if (backend === 'cpu' && m * k * n > 3e8) {
      put(name, 'GFLOP/s', true, engine, null);
      continue;
    }
    const a = tf.randomUniform(tA ? [k, m] : [m, k]);
    const b = tf.randomUniform(tB ? [n, k] : [k, n]);
    const ms = timeIt(() => {
      const c = tf.matMul(a, b, tA, tB);
      c.dataSync();
      c.dispose();
    }, 150, backend === 'cpu' ? 2 : REPS);
    put(name, 'GFLOP/s', true, engine, (2 * m * k * n) / (ms * 1e6));
    a.dispose();
    b.dispose();
  }
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'glorotUniform' }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'glorotUniform' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const steps = backend === 'wasm' ? 200 : 30;
  const [xs, ys] = subset(steps);
  const tx = tf.tensor(xs.values as Float32Array, xs.shape);
  const ty = tf.tensor(Float32Array.from(ys.values), ys.shape);
  const txTest = tf.tensor(xTest.values as Float32Array, xTest.shape);
  const tyTest = tf.tensor(Float32Array.from(yTest.values), yTest.shape);
  await model.fit(tx.slice([0, 0, 0], [20 * 32, 28, 28]), ty.slice([0], [20 * 32]), { epochs: 1, batchSize: 32, verbose: 0 });
  const trainMs: number[] = [];
  const rep: TrainRep = async () => {
    const t0 = performance.now();
    await model.fit(tx, ty, { epochs: 1, batchSize: 32, verbose: 0 });
    return (performance.now() - t0) / steps;
  };
  for (let r = 0; r < 2; r++) trainMs.push((await rep()) * steps);
  const evalStart = performance.now();
  const ev = model.evaluate(txTest, tyTest, { batchSize: 32 });
  (Array.isArray(ev) ? ev : [ev]).forEach((t) => t.dataSync());
  const evalMs = performance.now() - evalStart;
  put('MNIST train, s/epoch (1875 steps + validation)', 's', false, engine, (median(trainMs) / steps) * TRAIN_STEPS / 1000 + evalMs / 1000);
  const predMs = timeIt(() => {
    const p = model.predict(txTest, { batchSize: 256 });
    p.dataSync();
    p.dispose();
  }, 0, 2);
  put('predict 10k test images, samples/s', 'samples/s', true, engine, 10000 / (predMs / 1000));
  const one = txTest.slice([0, 0, 0], [1, 28, 28]);
  const lat: number[] = [];
  for (let i = 0; i < 1100; i++) {
    const t0 = performance.now();
    const p = model.predict(one);
    p.dataSync();
    p.dispose();
    if (i >= 100) lat.push(performance.now() - t0);
  }
  put('single-sample predict latency, µs (median of 1000)', 'µs', false, engine, median(lat) * 1000);
  return rep;
}

/** A running torch_bench.py --serve: its rows are in, and it trains more steps on request. */
interface TorchProc {
  note: string;
  /** Milliseconds per step of `steps` more PyTorch training steps. */
  train(steps: number): Promise<number>;
  close(): void;
}

async function benchTorch(): Promise<TorchProc | string> {
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'PyTorch: not installed (apt-get install python3-torch libopenblas0-pthread to add its column; without OpenBLAS, Debian falls back to the slow reference BLAS)';
  const child = spawn(py, [join(here, 'torch_bench.py'), defaultMnistDir(), ...(quick ? ['--quick'] : []), '--serve'], {
    // This workplace sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow a
    // current one several-fold, so the PyTorch column is measured without them.
    env: Object.fromEntries(
      Object.entries({ ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }).filter(
        ([k]) => k !== 'OPENBLAS_CORETYPE' && k !== 'OPENBLAS_L2_SIZE',
      ),
    ),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`PyTorch benchmark ended early: ${stderr.slice(-500)}`);
    return r.value;
  };
  try {
    const res = JSON.parse(await next()) as { version: string; rows: [string, number | null][] };
    for (const [name, v] of res.rows) {
      const row = rows.find((x) => x.name === name);
      if (row) row.values['pytorch-1t'] = v;
    }
    return {
      note: `PyTorch ${res.version}, 1 thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)`,
      async train(steps: number): Promise<number> {
        child.stdin.write(`train ${steps}\n`);
        return (JSON.parse(await next()) as { msPerStep: number }).msPerStep;
      },
      close: () => child.stdin.end(),
    };
  } catch (e) {
    child.kill();
    return `PyTorch: benchmark failed: ${(e as Error).message}`;
  }
}

/** Alternates two training loops rep by rep; the median ratio of their step times (b / a). */
async function alternate(a: TrainRep, b: TrainRep, reps: number): Promise<{ median: number; runs: number[] }> {
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const ta = await a();
    runs.push((await b()) / ta);
  }
  return { median: median(runs), runs };
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

async function main(): Promise<void> {
  const notes: string[] = [`node ${process.version}`];
  const headToHead: string[] = [];
  const nervaRep = await benchNerva('wasm');
  await benchNerva('js');
  nv.setBackend('wasm');
  try {
    const tf = (await import('@tensorflow/tfjs')) as unknown as TfModule;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    notes.push(`TF.js ${tf.version.tfjs} (wasm: SIMD, 1 thread; cpu: pure JS)`);
    const tfRep = await benchTf(tf, 'wasm');
    // This machine's speed drifts by tens of percent within a minute, so the figures above, taken
    // one engine after the other, can put the two engines in different weather. The head-to-head
    // ratio alternates them rep by rep, so that load from other processes hits both alike.
    if (tfRep) {
      for (const [name, m, k, n, tA, tB] of SHAPES) {
        const a = nv.randomUniform(tA ? [k, m] : [m, k], -1, 1);
        const b = nv.randomUniform(tB ? [n, k] : [k, n], -1, 1);
        const ta = tf.tensor(a.values as Float32Array, a.shape);
        const tb = tf.tensor(b.values as Float32Array, b.shape);
        // Both were warmed up by their own columns above; a short warm-up per rep is enough.
        const ours: TrainRep = async () => timeIt(() => nv.matMul(a, b, { transposeA: tA, transposeB: tB }), 100, 1, 50);
        const theirs: TrainRep = async () =>
          timeIt(() => {
            const c = tf.matMul(ta, tb, tA, tB);
            c.dataSync();
            c.dispose();
          }, 100, 1, 50);
        const r = await alternate(ours, theirs, quick ? 3 : 7);
        headToHead.push(`${name}, TF.js wasm / nerva-wasm time: median ${r.median.toFixed(2)}x (runs: ${r.runs.map((x) => x.toFixed(2)).join(', ')})`);
        ta.dispose();
        tb.dispose();
      }
      const r = await alternate(nervaRep, tfRep, quick ? 3 : 7);
      headToHead.push(`training step time, TF.js wasm / nerva-wasm: median ${r.median.toFixed(2)}x (runs: ${r.runs.map((x) => x.toFixed(2)).join(', ')})`);
    }
    await benchTf(tf, 'cpu');
  } catch (e) {
    notes.push(`TF.js unavailable: ${(e as Error).message}`);
  }
  const torch = await benchTorch();
  if (typeof torch === 'string') notes.push(torch);
  else {
    notes.push(torch.note);
    const r = await alternate(nervaRep, () => torch.train(600), quick ? 3 : 7);
    torch.close();
    headToHead.push(`training step time, PyTorch 1 thread / nerva-wasm: median ${r.median.toFixed(2)}x (runs: ${r.runs.map((x) => x.toFixed(2)).join(', ')})`);
  }
  console.log(notes.join('\n'));
  console.log('ratios are against nerva-wasm (x > 1: nerva-wasm is that many times better)\n');
  const header = ['measure', ...ENGINES];
  const table: string[][] = [header];
  for (const r of rows) {
    const base = r.values['nerva-wasm'];
    table.push([
      r.name,
      ...ENGINES.map((e) => {
        const v = r.values[e];
        if (v === null || v === undefined || e === 'nerva-wasm' || !base) return fmt(v);
        const ratio = r.higherIsBetter ? base / v : v / base;
        return `${fmt(v)} (${ratio.toFixed(1)}x)`;
      }),
    ]);
  }
  const w = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const [i, row] of table.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  '));
    if (i === 0) console.log(w.map((x) => '-'.repeat(x)).join('  '));
  }
  console.log('\nhead to head, alternated rep by rep (x > 1: nerva-wasm is that many times faster):');
  for (const line of headToHead) console.log(`  ${line}`);
  const outDir = join(here, '..', 'out');
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'bench.json'), JSON.stringify({ date: new Date().toISOString(), notes, rows, headToHead }, null, 2) + '\n');
  console.log(`\nwrote ${join(outDir, 'bench.json')}`);
}

await main();
