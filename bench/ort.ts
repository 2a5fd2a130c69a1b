// The ONNX Runtime Web column of `npm run bench`: the JS inference peer (wasm SIMD, 2 threads) running
// the very model nerva trained, exported to ONNX by ./onnx-mlp.ts from the same weights.
import * as ort from 'onnxruntime-web';
import type * as nv from '../src/index.js';
import { mlpToOnnx, type DenseSpec } from './onnx-mlp.js';

export interface OrtModel {
  note: string;
  /** Outputs for a float32 batch [n, ...inputShape], as a user of ORT gets them (data copied out). */
  run(x: Float32Array, n: number): Promise<Float32Array>;
}

/** A Flatten + Dense Sequential as an ORT session on `threads` threads. */
export async function ortSession(model: nv.Sequential, inputShape: number[], threads: number): Promise<OrtModel> {
  const dense: DenseSpec[] = [];
  for (const layer of model.layers) {
    if (layer.className === 'Flatten') continue;
    const cfg = layer.getConfig() as { units: number; activation: string };
    const [kernel, bias] = layer.getWeights().map((t) => t.values as Float32Array);
    if (layer.className !== 'Dense' || !bias || !['relu', 'softmax', 'linear'].includes(cfg.activation)) {
      throw new Error(`bench: cannot export layer ${layer.className} "${layer.name}" to ONNX`);
    }
    dense.push({ kernel, bias, inputs: kernel.length / cfg.units, units: cfg.units, activation: cfg.activation as DenseSpec['activation'] });
  }
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(mlpToOnnx(inputShape, dense), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  return {
    note: `ONNX Runtime Web ${ort.env.versions.web} (wasm SIMD, ${threads} threads, graph optimisation 'all'; the nerva model exported to ONNX by bench/onnx-mlp.ts)`,
    async run(x: Float32Array, n: number): Promise<Float32Array> {
      const out = await session.run({ input: new ort.Tensor('float32', x, [n, ...inputShape]) });
      return out.output.data as Float32Array;
    },
  };
}
