// The MNIST-epoch target of `npm run bench` alone (issue #16: nerva's epoch time <= 0.8x PyTorch's
// on one thread): full epochs as fit runs them (1875 steps of batch 32, Adam, then validation on
// the 10k test images), nerva-wasm and PyTorch alternated rep by rep, judged on the median CPU-time
// ratio. A quicker loop than the whole bench while working on the training step.
// Not part of `npm test`. Run: npx tsx bench/epoch.ts [--reps N] [--nerva-only]
import * as nv from '../src/index.js';
import { alternate, fmt, median, mnistMlp, timeOnce, xTest, xTrain, yTest, yTrain, type Timing } from './common.js';
import { benchTorch } from './torch.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 7);
const nervaOnly = args.includes('--nerva-only');

nv.setSeed(1);
const model = mnistMlp();
const epoch = (): Promise<Timing> =>
  timeOnce(() => model.fit(xTrain, yTrain, { epochs: 1, batchSize: 32, validationData: [xTest, yTest], verbose: 0 }));
// Warm-up: V8's optimizing tiers, the heap's blocks, the optimizer's slots.
await model.fit(xTrain.slice([0, 0, 0], [3200, 28, 28]), yTrain.slice([0], [3200]), { epochs: 1, verbose: 0 });

if (nervaOnly) {
  const ts: Timing[] = [];
  for (let r = 0; r < reps; r++) ts.push(await epoch());
  console.log(`nerva-wasm epoch: CPU ${fmt(median(ts.map((t) => t.cpuMs)))} ms (runs ${ts.map((t) => t.cpuMs.toFixed(0)).join(', ')}), wall ${fmt(median(ts.map((t) => t.ms)))} ms`);
} else {
  const torch = await benchTorch();
  if (typeof torch === 'string') throw new Error(torch);
  const r = await alternate(epoch, () => torch.epoch(), reps);
  torch.close();
  console.log(`${torch.note}; relaxed SIMD ${nv.getBackend().name === 'wasm'}`);
  console.log(`nerva-wasm: CPU ${fmt(r.aCpuMs)} ms/epoch, wall ${fmt(r.aMs)} ms; PyTorch: CPU ${fmt(r.bCpuMs)} ms, wall ${fmt(r.bMs)} ms`);
  console.log(`PyTorch / nerva time: CPU ${r.cpuRatio.toFixed(2)}x, wall ${r.ratio.toFixed(2)}x (wall runs ${r.runs.map((x) => x.toFixed(2)).join(', ')}); goal 1.25x on CPU time`);
}
