// What the parts of `npm run bench` share: the result table, timing helpers, the MNIST data.
import * as nv from '../src/index.js';

export const quick = process.argv.includes('--quick');
export const REPS = quick ? 3 : 5;
/** Repetitions of each head-to-head comparison (the engines alternate rep by rep). */
export const H2H_REPS = quick ? 3 : 7;

export const ENGINES = ['nerva-wasm', 'nerva-js', 'tfjs-wasm', 'tfjs-cpu', 'ort-web', 'pytorch-1t'] as const;
export type Engine = (typeof ENGINES)[number];
export type Row = { name: string; unit: string; higherIsBetter: boolean; values: Partial<Record<Engine, number | null>> };
export const rows: Row[] = [];

export function put(name: string, unit: string, higherIsBetter: boolean, engine: Engine, v: number | null): void {
  let r = rows.find((x) => x.name === name);
  if (!r) rows.push((r = { name, unit, higherIsBetter, values: {} }));
  r.values[engine] = v;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median per-call milliseconds of fn, each repetition running for at least minMs. */
export function timeIt(fn: () => void, minMs: number, reps = REPS, warmMs = 400): number {
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

/** Wall and CPU milliseconds of one unit of work (a call, a training step, an epoch). */
export interface Timing {
  ms: number;
  /** CPU time of the process doing the work (all its threads). */
  cpuMs: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wall and CPU milliseconds per call of fn (sync or async), called repeatedly for at least minMs. */
export async function timeCalls(fn: () => unknown, minMs: number, warmMs = 50): Promise<Timing> {
  const w = performance.now();
  do await fn();
  while (performance.now() - w < warmMs);
  let calls = 0;
  const t0 = performance.now();
  const c0 = cpuNow();
  do {
    await fn();
    calls++;
  } while (performance.now() - t0 < minMs);
  return { ms: (performance.now() - t0) / calls, cpuMs: (cpuNow() - c0) / calls };
}

/** Wall and CPU milliseconds of one run of fn, in this process. */
export async function timeOnce(fn: () => unknown): Promise<Timing> {
  const t0 = performance.now();
  const c0 = cpuNow();
  await fn();
  return { ms: performance.now() - t0, cpuMs: cpuNow() - c0 };
}

/** One timed pass of something (training steps, an epoch, calls). */
export type Rep = () => Promise<Timing>;

export interface HeadToHead {
  /** Median over reps of (b's wall time / a's): > 1 means a is that many times faster. */
  ratio: number;
  /** The same with CPU time: on a shared machine, the steadier measure of single-threaded work. */
  cpuRatio: number;
  runs: number[];
  aMs: number;
  bMs: number;
  aCpuMs: number;
  bCpuMs: number;
}

/** Alternates a and b rep by rep, so that load from other processes hits both alike. */
export async function alternate(a: Rep, b: Rep, reps = H2H_REPS): Promise<HeadToHead> {
  const as: Timing[] = [];
  const bs: Timing[] = [];
  for (let r = 0; r < reps; r++) {
    as.push(await a());
    bs.push(await b());
  }
  const runs = bs.map((t, i) => t.ms / as[i].ms);
  return {
    ratio: median(runs),
    cpuRatio: median(bs.map((t, i) => t.cpuMs / as[i].cpuMs)),
    runs,
    aMs: median(as.map((t) => t.ms)),
    bMs: median(bs.map((t) => t.ms)),
    aCpuMs: median(as.map((t) => t.cpuMs)),
    bCpuMs: median(bs.map((t) => t.cpuMs)),
  };
}

export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export const SHAPES: [string, number, number, number, boolean, boolean][] = [
  ['matMul [32x784]x[784x128]', 32, 784, 128, false, false],
  ['matMul dW x^T dy [784x32]x[32x128]', 784, 32, 128, true, false],
  ['matMul [32x128]x[128x10]', 32, 128, 10, false, false],
  ['matMul 512^3', 512, 512, 512, false, false],
  ['matMul 1024^3', 1024, 1024, 1024, false, false],
];

export const ROW_TRAIN = 'MNIST train, s/epoch (1875 steps + validation)';
export const ROW_PREDICT = 'predict 10k test images, samples/s (nerva: default options)';
export const ROW_LATENCY = 'single-sample predict latency, µs (median of 1000)';

const [[xTrainU8, yTrainAll], [xTestU8, yTestAll]] = nv.datasets.mnist.loadData();
export const xTrain = xTrainU8.div(255);
export const yTrain = yTrainAll;
export const xTest = xTestU8.div(255);
export const yTest = yTestAll;
export const TRAIN_STEPS = 1875;

/** The first steps*32 training samples. */
export function subset(steps: number): [nv.Tensor, nv.Tensor] {
  const n = steps * 32;
  return [xTrain.slice([0, 0, 0], [n, 28, 28]), yTrain.slice([0], [n])];
}

/** The benchmark's model: MNIST MLP 784-128-10, as in the Keras tutorial. */
export function mnistMlp(): nv.Sequential {
  const model = new nv.Sequential([
    nv.layers.flatten({ inputShape: [28, 28] }),
    nv.layers.dense({ units: 128, activation: 'relu' }),
    nv.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}
