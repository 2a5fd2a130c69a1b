// When nerva runs its relaxed-SIMD kernels (fused multiply-add: about 1.35x the baseline build on a
// batch-32 Dense product) and how it gets Node 20 to accept them.
//
// Node 21+ validates relaxed SIMD by default. Node 20's V8 (11.3) implements it completely but keeps
// it behind --experimental-wasm-relaxed-simd. The library turns that flag on only while it compiles
// its own kernels and turns it off right after: a compiled module keeps the features it was
// validated with (later optimising tiers and the thread pool's workers use the module, not the
// flag), so nerva gets the fast kernels while every other module in the process still sees Node's
// defaults, and nothing the process owner set is left changed. Checked on Node 20: the module
// tiers up to full speed after the flag is off again, and workers instantiate it.
// NERVA_RELAXED_SIMD=0 picks the baseline build on every Node version: its results are the same on
// every x86 machine, while FMA results may differ in the last bit between CPUs with and without FMA.
import { setFlagsFromString } from 'node:v8';

// (module (func (param v128) (result v128) local.get 0 local.get 0 local.get 0 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02,
  0x0b,
]);

const FLAG = 'experimental-wasm-relaxed-simd';

/** True when this engine validates WebAssembly relaxed SIMD as it stands (Node 21+, or 20 with the flag). */
function relaxedSimdValidates(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** False when NERVA_RELAXED_SIMD=0 asks for the baseline build. */
export function relaxedSimdAllowed(): boolean {
  return typeof process === 'undefined' || process.env?.NERVA_RELAXED_SIMD !== '0';
}

/** Node 20's V8 has the feature behind the flag; later ones ship it and may drop the flag. */
function flagCanHelp(): boolean {
  const major = Number(typeof process === 'undefined' ? NaN : process.versions?.node?.split('.')[0]);
  return major === 20 || major === 21;
}

/**
 * Runs `compile` (a WebAssembly compile of a relaxed-SIMD module) where relaxed SIMD validates, on
 * Node 20 with the V8 flag set for the duration of the call only; null where it cannot validate.
 */
export function withRelaxedSimd<T>(compile: () => T): T | null {
  if (relaxedSimdValidates()) return compile();
  if (!flagCanHelp()) return null;
  setFlagsFromString(`--${FLAG}`);
  try {
    return relaxedSimdValidates() ? compile() : null;
  } finally {
    setFlagsFromString(`--no-${FLAG}`);
  }
}
