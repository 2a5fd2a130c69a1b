// Imported first by the `nerva` command (before anything loads the wasm kernels): lets Node 20 and
// 21 validate WebAssembly relaxed SIMD, so that the command runs the fused multiply-add build of
// the kernels, which Node 22+ loads by default. Measured with `npm run bench` on the 2-core Zen 3:
// 512^3 matmul 36 -> 77 GFLOP/s, the MNIST training step about 10-20% faster.
//
// Only the command does this, never the library: flipping a V8 flag is the process owner's call, and
// a library user on Node 20 can pass `--experimental-wasm-relaxed-simd` to node themselves.
// NERVA_RELAXED_SIMD=0 keeps the baseline build (bit-identical results across x86 machines; FMA
// results can differ in the last bit between CPUs with and without FMA).
import { setFlagsFromString } from 'node:v8';
// heap.ts only declares things at load time: importing it does not load the kernels.
import { relaxedSimdValidates } from '../backend/wasm/heap.js';

const major = Number(process.versions.node.split('.')[0]);
// The flag exists in the V8 of Node 20-21 only; later versions ship the feature (and may drop the flag).
if (process.env.NERVA_RELAXED_SIMD !== '0' && major >= 20 && major < 22 && typeof WebAssembly === 'object' && !relaxedSimdValidates()) {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
