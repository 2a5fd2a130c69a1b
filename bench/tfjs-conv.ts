// The TensorFlow.js part of `npm run bench:conv`: the Keras MNIST convnet built with tf.layers,
// one batch-128 training step (trainOnBatch, Adam, categorical cross-entropy). On TF.js's wasm
// backend the step cannot run at all (it has no Conv2DBackpropFilter kernel: tensorflow/tfjs
// #8474), which this reports as measured; on its cpu backend (pure JS) a few steps are timed.
import { loadTf } from './tfjs.js';

interface TfLayersApi {
  setBackend(b: string): Promise<boolean>;
  getBackend(): string;
  ready(): Promise<void>;
  randomUniform(shape: number[]): { dispose(): void };
  oneHot(t: unknown, depth: number): { toFloat(): unknown };
  tensor1d(v: Int32Array, dtype: string): unknown;
  sequential(c: { layers: unknown[] }): {
    compile(a: object): void;
    trainOnBatch(x: unknown, y: unknown): Promise<unknown>;
  };
  layers: Record<string, (a: object) => unknown>;
  train: { adam(lr: number): unknown };
}

function convnet(tf: TfLayersApi): ReturnType<TfLayersApi['sequential']> {
  const L = tf.layers;
  const model = tf.sequential({
    layers: [
      L.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten({}),
      L.dropout({ rate: 0.5 }),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Prints TF.js's convnet step on wasm (an error, if it cannot train) and cpu, against nerva's ms/step. */
export async function benchTfjsConvnet(nervaMsPerStep: number, steps: number): Promise<void> {
  const loaded = await loadTf();
  if (!loaded.tf) {
    console.log(`\nTF.js: ${loaded.note}`);
    return;
  }
  const tf = loaded.tf as unknown as TfLayersApi;
  console.log(`\nthe same convnet in ${loaded.note}, one batch-128 training step (trainOnBatch):`);
  const batch = (): [unknown, unknown] => {
    const labels = Int32Array.from({ length: 128 }, (_, i) => i % 10);
    return [tf.randomUniform([128, 28, 28, 1]), tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat()];
  };
  for (const backend of ['wasm', 'cpu'] as const) {
    if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) {
      console.log(`  TF.js ${backend}: the backend did not start`);
      continue;
    }
    await tf.ready();
    const model = convnet(tf);
    const [x, y] = batch();
    try {
      await model.trainOnBatch(x, y); // warm-up (and the check that it can train at all)
    } catch (e) {
      console.log(`  TF.js ${backend}: cannot train it: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const times: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await model.trainOnBatch(x, y);
      times.push(performance.now() - t0);
    }
    const ms = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
    console.log(`  TF.js ${backend}: ${ms.toFixed(0)} ms/step (median of ${steps}); nerva 2 threads is ${(ms / nervaMsPerStep).toFixed(0)}x faster; an epoch of 422 steps would take ${((ms * 422) / 60000).toFixed(0)} min`);
  }
}
