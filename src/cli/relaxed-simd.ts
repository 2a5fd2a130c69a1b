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

// (module (func (param v128) (result v128) local.get 0 local.get 0 local.get 0 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02,
  0x0b,
]);

function validates(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

const major = Number(process.versions.node.split('.')[0]);
// The flag exists in the V8 of Node 20-21 only; later versions ship the feature (and may drop the flag).
if (process.env.NERVA_RELAXED_SIMD !== '0' && major >= 20 && major < 22 && typeof WebAssembly === 'object' && !validates()) {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
