// Matmul benchmark: nerva's wasm kernels vs a plain JS loop vs the TensorFlow.js wasm backend, in
// GFLOP/s (median of several runs). Not a test. Run: node --import tsx bench/matmul.ts [--quick]
// (add --experimental-wasm-relaxed-simd before --import on Node 20 to measure the FMA build).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadWasmKernels } from '../src/backend/wasm/kernels.js';

interface Shape {
  name: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

const SHAPES: Shape[] = [
  { name: 'dense fwd  [32x784]x[784x128]', m: 32, k: 784, n: 128, transA: false, transB: false },
  { name: 'dense dW   x^T dy (transA)', m: 784, k: 32, n: 128, transA: true, transB: false },
  { name: 'dense dX   dy W^T (transB)', m: 32, k: 128, n: 784, transA: false, transB: true },
  { name: 'dense2 fwd [32x128]x[128x10]', m: 32, k: 128, n: 10, transA: false, transB: false },
  { name: '512^3', m: 512, k: 512, n: 512, transA: false, transB: false },
  { name: '512^3 transA+transB', m: 512, k: 512, n: 512, transA: true, transB: true },
  { name: '1024^3', m: 1024, k: 1024, n: 1024, transA: false, transB: false },
];

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 7;
/** Each run repeats the call until it has taken at least this long, then reports per-call time. */
const RUN_MS = quick ? 40 : 120;

type MatMulFn = () => void;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median GFLOP/s of `fn` for a matmul of 2*m*k*n flops. */
function measure(fn: MatMulFn, flops: number, runs = RUNS): number {
  // Warm-up: V8 first runs wasm (and JS) in a baseline tier and optimises hot functions in the
  // background, so the first calls are slow; this also grows the wasm arena once.
  const w0 = performance.now();
  do fn();
  while (performance.now() - w0 < RUN_MS * 2);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      fn();
      calls++;
      t = performance.now();
    } while (t - t0 < RUN_MS);
    rates.push((flops * calls) / ((t - t0) * 1e6));
  }
  return median(rates);
}

function randomArray(len: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

/** The "naive but decent" JS baseline: i-k-j order, so the inner loop streams rows of b and c. */
function jsMatMul(a: Float32Array, b: Float32Array, s: Shape): Float32Array {
  const { m, k, n, transA, transB } = s;
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i] : a[i * k + p];
      if (transB) {
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[j * k + p];
      } else {
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  }
  return c;
}

interface TfLike {
  tensor2d(values: Float32Array, shape: [number, number]): unknown;
  matMul(a: unknown, b: unknown, transposeA: boolean, transposeB: boolean): { dataSync(): Float32Array; dispose(): void };
  getBackend(): string;
}

async function loadTfWasm(): Promise<{ tf: TfLike; note: string } | { tf: null; note: string }> {
  try {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    wasm.setWasmPaths(dist);
    const ok = await tf.setBackend('wasm');
    if (!ok || tf.getBackend() !== 'wasm') return { tf: null, note: 'TF.js wasm backend failed to initialise in Node' };
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return {
      tf: tf as unknown as TfLike,
      note: `TF.js ${tf.version.tfjs} wasm backend: simd=${simd}, multithread=${threads}, threads=${wasm.getThreadsCount()}`,
    };
  } catch (err) {
    return { tf: null, note: `TF.js wasm backend unavailable: ${(err as Error).message}` };
  }
}

async function main(): Promise<void> {
  const kernels = loadWasmKernels();
  if (!kernels) throw new Error('bench: WebAssembly SIMD is not available in this Node');
  const tfw = await loadTfWasm();
  console.log(`node ${process.version}; nerva wasm: simd=${kernels.simd}, relaxedSimd=${kernels.relaxedSimd}`);
  console.log(tfw.note);
  console.log(`median of ${RUNS} runs (each >= ${RUN_MS} ms), GFLOP/s; result read back to a Float32Array in every column\n`);

  const rows: string[][] = [['shape', 'm,k,n', 'nerva-wasm', 'js i-k-j', 'tfjs-wasm', 'nerva/js', 'nerva/tfjs']];
  for (const s of SHAPES) {
    const flops = 2 * s.m * s.k * s.n;
    const a = randomArray(s.m * s.k);
    const b = randomArray(s.k * s.n);
    const out = new Float32Array(s.m * s.n);
    const nerva = measure(() => kernels.matMul(a, b, s.m, s.k, s.n, s.transA, s.transB, out), flops);
    // The JS loop is ~50x slower; fewer runs keep the 1024^3 row under a few seconds.
    const js = measure(() => jsMatMul(a, b, s), flops, flops > 1e9 ? 1 : RUNS);
    let tfRate = NaN;
    if (tfw.tf) {
      const tf = tfw.tf;
      const ta = tf.tensor2d(a, s.transA ? [s.k, s.m] : [s.m, s.k]);
      const tb = tf.tensor2d(b, s.transB ? [s.n, s.k] : [s.k, s.n]);
      tfRate = measure(() => {
        const c = tf.matMul(ta, tb, s.transA, s.transB);
        c.dataSync();
        c.dispose();
      }, flops);
      (ta as { dispose(): void }).dispose();
      (tb as { dispose(): void }).dispose();
    }
    const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(2));
    rows.push([s.name, `${s.m},${s.k},${s.n}`, f(nerva), f(js), f(tfRate), `${(nerva / js).toFixed(1)}x`, Number.isNaN(tfRate) ? 'n/a' : `${(nerva / tfRate).toFixed(2)}x`]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

await main();
