// Threaded vs single-threaded wasm matmul, in GFLOP/s (median of several runs, the two interleaved
// run by run so that load from other processes hits both alike). Not a test; used to set the
// threshold in src/backend/wasm/threads.ts. Run: node --import tsx bench/threads.ts [--quick]
import { loadWasmKernels } from '../src/backend/wasm/kernels.js';
import { getNumThreads, setThreadThresholds, threadedMatMul, threadPoolInfo, warmUpThreads } from '../src/backend/wasm/threads.js';

interface Shape {
  name: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

const SHAPES: Shape[] = [
  { name: 'dense fwd [32x784]x[784x128]', m: 32, k: 784, n: 128, transA: false, transB: false },
  { name: 'dense fwd [64x784]x[784x128]', m: 64, k: 784, n: 128, transA: false, transB: false },
  { name: 'dense fwd [128x784]x[784x128]', m: 128, k: 784, n: 128, transA: false, transB: false },
  { name: 'dense fwd [256x784]x[784x128]', m: 256, k: 784, n: 128, transA: false, transB: false },
  { name: 'dense dW x^T dy, batch 32', m: 784, k: 32, n: 128, transA: true, transB: false },
  { name: 'dense dW x^T dy, batch 128', m: 784, k: 128, n: 128, transA: true, transB: false },
  { name: '128^3', m: 128, k: 128, n: 128, transA: false, transB: false },
  { name: '256^3', m: 256, k: 256, n: 256, transA: false, transB: false },
  { name: '512^3', m: 512, k: 512, n: 512, transA: false, transB: false },
  { name: '512^3 transA+transB', m: 512, k: 512, n: 512, transA: true, transB: true },
  { name: '1024^3', m: 1024, k: 1024, n: 1024, transA: false, transB: false },
  { name: 'predict [10000x784]x[784x128]', m: 10000, k: 784, n: 128, transA: false, transB: false },
];

const quick = process.argv.includes('--quick');
const RUNS = quick ? 5 : 9;
/** Each run repeats the call until it has taken at least this long, then reports per-call time. */
const RUN_MS = quick ? 60 : 150;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** GFLOP/s of one run of `fn` (repeated for at least RUN_MS). */
function rate(fn: () => void, flops: number): number {
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    fn();
    calls++;
    t = performance.now();
  } while (t - t0 < RUN_MS);
  return (flops * calls) / ((t - t0) * 1e6);
}

function randomArray(len: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

const kernels = loadWasmKernels();
if (!kernels) throw new Error('bench: WebAssembly SIMD is not available in this Node');
// Force the threaded path on every shape, whatever the library's threshold says.
setThreadThresholds({ minFlops: 0, minRowsPerThread: 1 });
const threads = getNumThreads();
if (!warmUpThreads()) throw new Error('bench: the thread pool did not start (NERVA_NUM_THREADS=1?)');
console.log(`node ${process.version}; relaxedSimd=${kernels.relaxedSimd}; threads=${threads}`);
console.log(`median of ${RUNS} interleaved runs (each >= ${RUN_MS} ms), GFLOP/s\n`);

const rows: string[][] = [['shape', 'm,k,n', 'MFLOP', '1 thread', `${threads} threads`, 'speedup']];
for (const s of SHAPES) {
  const flops = 2 * s.m * s.k * s.n;
  const a = randomArray(s.m * s.k);
  const b = randomArray(s.k * s.n);
  const out = new Float32Array(s.m * s.n);
  const single = () => kernels.matMul(a, b, s.m, s.k, s.n, s.transA, s.transB, out);
  const threaded = () => {
    if (!threadedMatMul(a, b, s.m, s.k, s.n, s.transA, s.transB, out)) throw new Error('bench: threading declined');
  };
  // Warm-up: lets V8 tier up both paths and grows both arenas.
  rate(single, flops);
  rate(threaded, flops);
  const r1: number[] = [];
  const r2: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    r1.push(rate(single, flops));
    r2.push(rate(threaded, flops));
  }
  const g1 = median(r1);
  const g2 = median(r2);
  rows.push([s.name, `${s.m},${s.k},${s.n}`, (flops / 1e6).toFixed(1), g1.toFixed(2), g2.toFixed(2), `${(g2 / g1).toFixed(2)}x`]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(`\nworkers: ${threadPoolInfo().workers}`);
