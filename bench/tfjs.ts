// The TensorFlow.js columns of `npm run bench` (wasm: XNNPACK with SIMD on one thread; cpu: pure JS).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REPS, ROW_LATENCY, ROW_PREDICT, ROW_TRAIN, SHAPES, TRAIN_STEPS, median, put, subset, timeIt, timeOnce, xTest, yTest, type Engine, type Rep } from './common.js';

export interface TfModule {
  setBackend(b: string): Promise<boolean>;
  getBackend(): string;
  ready(): Promise<void>;
  tensor(v: Float32Array | Int32Array, shape: number[], dtype?: string): TfTensor;
  matMul(a: TfTensor, b: TfTensor, tA: boolean, tB: boolean): TfTensor;
  randomUniform(shape: number[]): TfTensor;
  sequential(c: { layers: unknown[] }): TfModel;
  layers: { flatten(a: object): unknown; dense(a: object): unknown };
  version: { tfjs: string };
}
export interface TfTensor { dataSync(): Float32Array; dispose(): void; slice(b: number[], s: number[]): TfTensor }
interface TfModel {
  compile(a: object): void;
  fit(x: TfTensor, y: TfTensor, a: object): Promise<unknown>;
  evaluate(x: TfTensor, y: TfTensor, a: object): TfTensor | TfTensor[];
  predict(x: TfTensor, a?: object): TfTensor;
}

/** TF.js with its wasm backend's files located; null (and a note) when it cannot load. */
export async function loadTf(): Promise<{ tf: TfModule; note: string } | { tf: null; note: string }> {
  try {
    const tf = (await import('@tensorflow/tfjs')) as unknown as TfModule;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    return { tf, note: `TF.js ${tf.version.tfjs} (wasm: XNNPACK, SIMD, 1 thread; cpu: pure JS)` };
  } catch (e) {
    return { tf: null, note: `TF.js unavailable: ${(e as Error).message}` };
  }
}

/** Fills one TF.js column; returns its training loop (ms per step of `steps` more steps) for head to head. */
export async function benchTf(tf: TfModule, backend: 'wasm' | 'cpu'): Promise<Rep | null> {
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
  const rep: Rep = async () => {
    const t = await timeOnce(() => model.fit(tx, ty, { epochs: 1, batchSize: 32, verbose: 0 }));
    return { ms: t.ms / steps, cpuMs: t.cpuMs / steps };
  };
  for (let r = 0; r < 2; r++) trainMs.push((await rep()).ms * steps);
  const evalStart = performance.now();
  const ev = model.evaluate(txTest, tyTest, { batchSize: 32 });
  (Array.isArray(ev) ? ev : [ev]).forEach((t) => t.dataSync());
  const evalMs = performance.now() - evalStart;
  put(ROW_TRAIN, 's', false, engine, ((median(trainMs) / steps) * TRAIN_STEPS) / 1000 + evalMs / 1000);
  const predMs = timeIt(() => {
    const p = model.predict(txTest, { batchSize: 256 });
    p.dataSync();
    p.dispose();
  }, 0, 2);
  put(ROW_PREDICT, 'samples/s', true, engine, 10000 / (predMs / 1000));
  const one = txTest.slice([0, 0, 0], [1, 28, 28]);
  const lat: number[] = [];
  for (let i = 0; i < 1100; i++) {
    const t0 = performance.now();
    const p = model.predict(one);
    p.dataSync();
    p.dispose();
    if (i >= 100) lat.push(performance.now() - t0);
  }
  put(ROW_LATENCY, 'µs', false, engine, median(lat) * 1000);
  return rep;
}
