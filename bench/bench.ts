// `npm run bench`: nerva (js and wasm backends) against TensorFlow.js 4.22 (cpu and wasm), ONNX
// Runtime Web (the JS inference peer) and, when Debian's python3-torch is installed, PyTorch on one
// thread — all in one run on one machine, so that the ratios mean something on a noisy shared box.
// Not part of `npm test`.
//
// Each engine's column is taken at a different minute, so the comparisons that matter are also run
// head to head, the two engines alternated rep by rep, as median ratios of wall and of CPU time.
// The performance targets (issue #16) are checked on those ratios: CPU time for the single-threaded
// comparisons (on a machine shared with other jobs, wall time mostly measures who got the cores;
// CPU time of one thread does not depend on that), wall time for predict, which uses two threads:
//   predict on the 10k test images, nerva's default options vs ONNX Runtime Web (2 threads, batch 10000)
//   MNIST epoch (batch 32, with validation) vs PyTorch on one thread
//   a batch-32 Dense product [32x784]x[784x128] on one thread vs TF.js wasm (XNNPACK), operands in
//   wasm memory on both sides (as a Dense layer's weights and a training batch are)
// Also: the measured one-core SIMD peak, and the fraction of it matMul and predict reach.
// Writes everything to out/bench.json.
//
//   npm run bench              (add -- --quick for fewer repetitions)
//   NERVA_RELAXED_SIMD=0 npm run bench     the same on the baseline-SIMD kernels
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nv from '../src/index.js';
import { loadWasmKernels } from '../src/backend/wasm/kernels.js';
import {
  ENGINES, H2H_REPS, REPS, ROW_LATENCY, ROW_PREDICT, ROW_TRAIN, SHAPES, TRAIN_STEPS, alternate, fmt, median, mnistMlp,
  put, rows, subset, timeCalls, timeIt, timeOnce, xTest, xTrain, yTest, yTrain, type Engine, type HeadToHead, type Rep,
} from './common.js';
import { benchTf, loadTf, type TfModule } from './tfjs.js';
import { benchTorch } from './torch.js';
import { ortSession, type OrtModel } from './ort.js';
import { simdPeak } from './simd-peak.js';

const here = dirname(fileURLToPath(import.meta.url));
/**
 * Flops of one forward pass of the 784-128-10 MLP over the 10k test images, counted dense: the
 * kernels skip the terms of input columns that are zero in a whole block of rows (about a third
 * of MNIST's pixels per 128 images), so GFLOP/s from it are dense-equivalent rates.
 */
const PREDICT_FLOPS = 2 * 10000 * (784 * 128 + 128 * 10);

/** Fills a nerva column; returns the trained model and its training loop (ms per step). */
async function benchNerva(backend: 'wasm' | 'js'): Promise<{ model: nv.Sequential; rep: Rep }> {
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
  const model = mnistMlp();
  const steps = backend === 'wasm' ? 600 : 150;
  const [xs, ys] = subset(steps);
  await model.fit(xs.slice([0, 0, 0], [50 * 32, 28, 28]), ys.slice([0], [50 * 32]), { epochs: 1, verbose: 0 });
  const trainMs: number[] = [];
  const rep: Rep = async () => {
    const t = await timeOnce(() => model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 }));
    return { ms: t.ms / steps, cpuMs: t.cpuMs / steps };
  };
  for (let r = 0; r < (backend === 'wasm' ? REPS : 2); r++) trainMs.push((await rep()).ms * steps);
  const evalMs = timeIt(() => model.evaluate(xTest, yTest, { batchSize: 32 }), 0, backend === 'wasm' ? 3 : 1);
  put(ROW_TRAIN, 's', false, engine, ((median(trainMs) / steps) * TRAIN_STEPS) / 1000 + evalMs / 1000);
  const predMs = timeIt(() => model.predict(xTest), 0, 3);
  put(ROW_PREDICT, 'samples/s', true, engine, 10000 / (predMs / 1000));
  const one = xTest.slice([0, 0, 0], [1, 28, 28]);
  const lat: number[] = [];
  for (let i = 0; i < 1100; i++) {
    const t0 = performance.now();
    model.predict(one).data();
    if (i >= 100) lat.push(performance.now() - t0);
  }
  put(ROW_LATENCY, 'µs', false, engine, median(lat) * 1000);
  return { model, rep };
}

/** The ORT column, from nerva's trained model; checks that both engines compute the same outputs. */
async function benchOrt(model: nv.Sequential, notes: string[]): Promise<OrtModel | null> {
  try {
    const ort = await ortSession(model, [28, 28], 2);
    notes.push(ort.note);
    const x = xTest.values as Float32Array;
    const got = await ort.run(x, 10000);
    const want = model.predict(xTest).values;
    let diff = 0;
    for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
    notes.push(`ONNX Runtime Web and nerva outputs on the 10k test images: max |difference| ${diff.toExponential(1)}`);
    for (let i = 0; i < 3; i++) await ort.run(x, 10000);
    const ms: number[] = [];
    for (let r = 0; r < REPS; r++) ms.push((await timeCalls(() => ort.run(x, 10000), 300)).ms);
    put(ROW_PREDICT, 'samples/s', true, 'ort-web', 10000 / (median(ms) / 1000));
    const one = x.subarray(0, 784);
    const lat: number[] = [];
    for (let i = 0; i < 1100; i++) {
      const t0 = performance.now();
      await ort.run(one, 1);
      if (i >= 100) lat.push(performance.now() - t0);
    }
    put(ROW_LATENCY, 'µs', false, 'ort-web', median(lat) * 1000);
    return ort;
  } catch (e) {
    notes.push(`ONNX Runtime Web unavailable: ${(e as Error).message}`);
    return null;
  }
}

/** A batch-32 Dense product with both operands in wasm memory, as the training step has them. */
function residentDenseOperands(): [nv.Tensor, nv.Tensor] | null {
  const k = loadWasmKernels();
  const xs = k?.resident(32 * 784);
  const ws = k?.resident(784 * 128);
  if (!xs || !ws) return null;
  xs.set(nv.randomUniform([32 * 784], -1, 1).values as Float32Array);
  ws.set(nv.randomUniform([784 * 128], -1, 1).values as Float32Array);
  return [new nv.Tensor(xs, [32, 784], 'float32'), new nv.Tensor(ws, [784, 128], 'float32')];
}

interface Target {
  name: string;
  /** The measured head-to-head ratio, oriented so that higher is better for nerva. */
  ratio: number | null;
  goal: number;
  detail: string;
}

function describe(h: HeadToHead): string {
  return `median ${h.ratio.toFixed(2)}x (runs: ${h.runs.map((x) => x.toFixed(2)).join(', ')}); CPU time ${h.cpuRatio.toFixed(2)}x`;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0];
  const kernels = loadWasmKernels();
  const build = kernels ? (kernels.relaxedSimd ? 'relaxed SIMD (FMA)' : 'baseline SIMD') : 'none';
  const notes: string[] = [`node ${process.version}; nerva wasm kernels: ${build}, ${nv.getNumThreads()} threads for large products`];
  const peak = await simdPeak();
  const corePeak = kernels?.relaxedSimd && peak.relaxed ? peak.relaxed : peak.baseline;
  notes.push(`one-core 128-bit wasm SIMD peak (measured): ${fmt(peak.baseline)} GFLOP/s baseline (mul+add), ${fmt(peak.relaxed)} relaxed (FMA)`);
  const headToHead: string[] = [];
  const targets: Target[] = [];
  const { model, rep: nervaRep } = await benchNerva('wasm');
  await benchNerva('js');
  nv.setBackend('wasm');

  const tfl = await loadTf();
  notes.push(tfl.note);
  if (tfl.tf) {
    const tf: TfModule = tfl.tf;
    const tfRep = await benchTf(tf, 'wasm');
    if (tfRep) {
      for (const [name, m, k, n, tA, tB] of SHAPES) {
        const a = nv.randomUniform(tA ? [k, m] : [m, k], -1, 1);
        const b = nv.randomUniform(tB ? [n, k] : [k, n], -1, 1);
        const ta = tf.tensor(a.values as Float32Array, a.shape);
        const tb = tf.tensor(b.values as Float32Array, b.shape);
        // Both were warmed up by their own columns above; a short warm-up per rep is enough.
        const r = await alternate(
          () => timeCalls(() => nv.matMul(a, b, { transposeA: tA, transposeB: tB }), 100),
          () => timeCalls(() => { const c = tf.matMul(ta, tb, tA, tB); c.dataSync(); c.dispose(); }, 100),
        );
        headToHead.push(`${name} (nerva operands in JS memory), TF.js wasm / nerva-wasm time: ${describe(r)}`);
        ta.dispose();
        tb.dispose();
      }
      const resident = residentDenseOperands();
      if (resident) {
        const [x, w] = resident;
        const tx = tf.tensor(x.values as Float32Array, x.shape);
        const tw = tf.tensor(w.values as Float32Array, w.shape);
        const r = await alternate(
          () => timeCalls(() => nv.matMul(x, w), 100),
          () => timeCalls(() => { const c = tf.matMul(tx, tw, false, false); c.dataSync(); c.dispose(); }, 100),
        );
        const gflops = (2 * 32 * 784 * 128) / (r.aCpuMs * 1e6);
        headToHead.push(`Dense forward [32x784]x[784x128], operands in wasm memory, 1 thread, TF.js wasm / nerva-wasm time: ${describe(r)}`);
        targets.push({
          name: 'batch-32 Dense product vs TF.js wasm (1 thread)',
          ratio: r.cpuRatio,
          goal: 1.3,
          detail: `CPU-time ratio (wall: ${r.ratio.toFixed(2)}x); nerva ${fmt(gflops)} GFLOP/s of CPU time = ${((100 * gflops) / corePeak).toFixed(0)}% of the one-core peak`,
        });
        tx.dispose();
        tw.dispose();
      }
      const r = await alternate(nervaRep, tfRep);
      headToHead.push(`training step time, TF.js wasm / nerva-wasm: ${describe(r)}`);
    }
    await benchTf(tf, 'cpu');
  }

  const ort = await benchOrt(model, notes);
  if (ort) {
    const x = xTest.values as Float32Array;
    const r = await alternate(
      () => timeCalls(() => model.predict(xTest), 300, 100),
      () => timeCalls(() => ort.run(x, 10000), 300, 100),
    );
    const gflops = PREDICT_FLOPS / (r.aMs * 1e6);
    const cores = nv.getNumThreads();
    headToHead.push(`predict 10k test images (nerva default options; ORT 2 threads, batch 10000), ORT / nerva time: ${describe(r)}`);
    targets.push({
      name: 'predict 10k images, default options, vs ONNX Runtime Web (2 threads)',
      ratio: r.ratio,
      goal: 1.3,
      detail:
        `wall-time ratio; nerva ${fmt(10000 / (r.aMs / 1000))} samples/s, ${fmt(gflops)} dense-equivalent GFLOP/s (zero input columns skipped) = ${((100 * gflops) / (cores * corePeak)).toFixed(0)}% of the ${cores}-core peak; ` +
        `per CPU-second ${fmt(PREDICT_FLOPS / (r.aCpuMs * 1e6))} GFLOP/s = ${((100 * PREDICT_FLOPS) / (r.aCpuMs * 1e6 * corePeak)).toFixed(0)}% of one core's peak`,
    });
  }

  const torch = await benchTorch();
  if (typeof torch === 'string') notes.push(torch);
  else {
    notes.push(torch.note);
    // Full epochs as fit runs them: 1875 steps of batch 32, then validation on the 10k test images.
    const nervaEpoch: Rep = () => timeOnce(() => model.fit(xTrain, yTrain, { epochs: 1, batchSize: 32, validationData: [xTest, yTest], verbose: 0 }));
    const r = await alternate(nervaEpoch, () => torch.epoch(), Math.min(H2H_REPS, 5));
    torch.close();
    headToHead.push(`MNIST epoch (batch 32, with validation), PyTorch 1 thread / nerva-wasm time: ${describe(r)}`);
    targets.push({
      name: 'MNIST epoch vs PyTorch 1 thread (time <= 0.8x)',
      ratio: r.cpuRatio,
      goal: 1.25,
      detail: `CPU-time ratio: nerva ${fmt(r.aCpuMs / 1000)} s/epoch, PyTorch ${fmt(r.bCpuMs / 1000)} s, nerva's time is ${(1 / r.cpuRatio).toFixed(2)}x PyTorch's (wall: ${fmt(r.aMs / 1000)} s vs ${fmt(r.bMs / 1000)} s, ${(1 / r.ratio).toFixed(2)}x)`,
    });
  }

  notes.push(`machine load (1-minute load average) at the start ${loadAtStart.toFixed(1)}, at the end ${loadavg()[0].toFixed(1)}, on ${availableParallelism()} cores`);
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
  console.log(`\ntargets (issue #16), on the head-to-head medians; kernels: ${build}`);
  for (const t of targets) {
    const verdict = t.ratio === null ? 'n/a' : t.ratio >= t.goal ? 'met' : 'MISSED';
    console.log(`  ${verdict.padEnd(6)} ${t.name}: ${t.ratio?.toFixed(2) ?? 'n/a'}x faster (goal ${t.goal}x); ${t.detail}`);
  }
  console.log('  relaxed SIMD: ' + (kernels?.relaxedSimd ? 'in use' : `not in use (${process.env.NERVA_RELAXED_SIMD === '0' ? 'NERVA_RELAXED_SIMD=0' : 'this engine cannot run it'})`));
  console.log('  memory flat over a 20-epoch fit and 1,000 predict calls: checked by npm test (src/models/memory.test.ts)');
  const outDir = join(here, '..', 'out');
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'bench.json'), JSON.stringify({ date: new Date().toISOString(), notes, rows, headToHead, targets, peak }, null, 2) + '\n');
  console.log(`\nwrote ${join(outDir, 'bench.json')}`);
}

await main();
