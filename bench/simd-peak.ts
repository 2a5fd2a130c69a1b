// The 128-bit wasm SIMD peak of one core, measured: a loop of independent f32x4 multiply-adds with
// no memory traffic, compiled by AssemblyScript (a dev dependency) in the same two flavours as the
// kernels (baseline: mul then add; relaxed: fused multiply-add). `npm run bench` divides the matmul
// and predict rates by it to report the fraction of peak they reach.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// 12 independent accumulators cover the FMA latency on two pipes (and the mul+add chain of the
// baseline flavour) while staying within the 15 xmm registers V8 allocates.
const SOURCE = `
// @ts-nocheck
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
// Both operands come from parameters: a constant would be rematerialised inside the loop by V8.
export function peak(n: i32, s: f32, t: f32): f32 {
  const x = f32x4.splat(s), y = f32x4.splat(t);
  let a0 = x, a1 = y, a2 = x, a3 = y, a4 = x, a5 = y, a6 = x, a7 = y, a8 = x, a9 = y, a10 = x, a11 = y;
  for (let i = 0; i < n; i++) {
    a0 = madd(a0, x, y); a1 = madd(a1, x, y); a2 = madd(a2, x, y); a3 = madd(a3, x, y);
    a4 = madd(a4, x, y); a5 = madd(a5, x, y); a6 = madd(a6, x, y); a7 = madd(a7, x, y);
    a8 = madd(a8, x, y); a9 = madd(a9, x, y); a10 = madd(a10, x, y); a11 = madd(a11, x, y);
  }
  const sum = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(sum, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}
`;
const FLOPS_PER_ITER = 12 * 4 * 2;

// Measured in a child process compiled straight to optimised code (--no-liftoff): in this process
// V8 is still busy optimising the AssemblyScript compiler's own wasm in the background, which
// delayed the peak loop's optimisation by many seconds.
const MEASURE = `
const { readFileSync } = require('node:fs');
const peak = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(process.argv[1])), {}).exports.peak;
const n = 1000000, runs = [];
for (let r = 0; r < 12; r++) {
  const c0 = process.cpuUsage();
  peak(n, 0.999, 1e-3);
  const c = process.cpuUsage(c0);
  runs.push((n * ${FLOPS_PER_ITER}) / ((c.user + c.system) * 1e3));
}
console.log(runs.slice(2).sort((a, b) => a - b)[5]);
`;

/** GFLOP/s of one thread at the SIMD peak, by CPU time (median of several runs), for each build. */
export async function simdPeak(): Promise<{ baseline: number; relaxed: number | null }> {
  const { default: asc } = await import('assemblyscript/asc');
  const dir = mkdtempSync(join(tmpdir(), 'nerva-peak-'));
  try {
    writeFileSync(join(dir, 'peak.ts'), SOURCE);
    const rate = async (relaxed: boolean): Promise<number | null> => {
      const out = join(dir, relaxed ? 'r.wasm' : 'b.wasm');
      const features = ['--enable', 'simd', ...(relaxed ? ['--enable', 'relaxed-simd'] : [])];
      const { error, stderr } = await asc.main([join(dir, 'peak.ts'), '--outFile', out, '-O3', '--runtime', 'stub', ...features]);
      if (error) throw new Error(`simd-peak: ${stderr.toString()}`);
      const flags = relaxed && Number(process.versions.node.split('.')[0]) < 21 ? ['--experimental-wasm-relaxed-simd'] : [];
      const r = spawnSync(process.execPath, ['--no-liftoff', ...flags, '-e', MEASURE, out], { encoding: 'utf8' });
      const v = Number(r.stdout.trim());
      return r.status === 0 && v > 0 ? v : null;
    };
    return { baseline: (await rate(false)) ?? NaN, relaxed: await rate(true) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
