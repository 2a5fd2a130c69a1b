// Runs large float32 matmuls on several cores: the output rows are split between the calling thread
// and a small pool of worker threads (matmul-worker.mjs), all running the shared-memory kernel build
// (nerva-shared*.wasm) on one WebAssembly.Memory. nerva is synchronous, so the caller blocks in
// Atomics.wait until the workers are done; small calls are declined and run single-threaded.
//
// Why rows: each thread calls the unchanged matMul kernel on a block of rows of C with a pointer into
// A, so every output element is computed by the same instructions in the same order as in the
// single-threaded kernel: the results are bit-identical (same build variant, baseline or relaxed).
// Each thread packs B itself; that costs k*n per thread, small next to its rows*k*n share.
// Workers start on the first large call, which does not wait for them (it runs single-threaded while
// they boot); warmUpThreads() starts them eagerly. They are unref'd and never keep the process alive.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../../errors.js';
import { Call, checkLength, loadWasmKernels } from './kernels.js';
import { HeapFullError, type WasmHeap } from './heap.js';

/** Upper bound for setNumThreads / NERVA_NUM_THREADS. */
const MAX_THREADS = 64;
// Control block: one 16-int slot (one cache line) per worker; layout documented in matmul-worker.mjs.
const SLOT = 16;
const SEQ = 0, DONE = 1, STATE = 2, OP = 3, A = 4, B = 5, C = 6, M = 7, K = 8, N = 9;
const TRANS_A = 10, TRANS_B = 11, WORK = 12, BIAS = 13, ACT = 14, ERR = 15;
const OP_MATMUL = 1;
/** How long the first large call waits for the workers to boot before giving up on threads. */
const STARTUP_MS = 10_000;

/**
 * When a call is worth splitting (flops = 2*m*k*n). Measured with bench/threads.ts on the 2-core
 * Zen 3 (quiet machine, 2 threads vs 1): 6.4 MFLOP (a batch-32 Dense layer) 0.8-1.0x, 12.8 MFLOP
 * 1.1x, 25.7 MFLOP 1.3-1.4x, 268 MFLOP (512^3) 1.8x. A round trip to a worker costs ~15-40 us, and
 * under load from other processes the small gains turn into losses, hence the margin.
 */
const thresholds = { minFlops: 24e6, minRowsPerThread: 16 };

const debug = process.env.NERVA_DEBUG_THREADS === '1';
function log(msg: string): void {
  if (debug) console.error(`nerva threads: ${msg}`);
}

// ---- thread count -------------------------------------------------------------------------------

let requested: number | undefined;
let cap: number | undefined;
let cores: number | undefined;

/** NERVA_NUM_THREADS, read once: a hard cap on the thread count (1 turns threading off). */
function envCap(): number {
  if (cap === undefined) {
    const raw = process.env.NERVA_NUM_THREADS;
    if (raw === undefined || raw.trim() === '') cap = MAX_THREADS;
    else {
      const v = Number(raw);
      if (!Number.isInteger(v) || v < 1) {
        throw new ArgumentError(`NERVA_NUM_THREADS: expected a whole number >= 1, got '${raw}'`);
      }
      cap = Math.min(v, MAX_THREADS);
    }
  }
  return cap;
}

/**
 * Sets how many threads large matmuls may use, the calling thread included: 1 turns threading off.
 * Capped by the NERVA_NUM_THREADS environment variable when set. Workers start on the first call
 * large enough to use them and never keep the process alive.
 * @example setNumThreads(1) // threading off: every product runs on the calling thread
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ArgumentError(`setNumThreads: expected a whole number from 1 to ${MAX_THREADS}, got ${n}`);
  }
  requested = n;
}

/** The number of threads large matmuls use: setNumThreads' value (default min(2, cores)), capped by NERVA_NUM_THREADS. @example getNumThreads() // 2 on a 2-core machine */
export function getNumThreads(): number {
  // os.availableParallelism() asks the kernel each time; it is called on every matmul, so once.
  cores ??= availableParallelism();
  return Math.min(requested ?? Math.min(2, cores), envCap());
}

// ---- the pool -----------------------------------------------------------------------------------

/** One product for the pool: out[m, n] = op(a) x op(b), then bias and act (-1 none, 0 linear, 1 relu). */
interface Job {
  a: Float32Array;
  b: Float32Array;
  bias: Float32Array | null;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  act: number;
  out: Float32Array;
}

class Pool {
  private readonly workers: Worker[] = [];
  private readonly ctl = new Int32Array(new SharedArrayBuffer(MAX_THREADS * SLOT * 4));
  private startedAt = 0;
  private announced = false;
  broken = false;

  // The pool runs on the kernels' own instance and shared memory, so resident weights are read in
  // place by every thread and the calling thread's share is the ordinary single-threaded kernel.
  constructor(
    private readonly heap: WasmHeap,
    private readonly workerUrl: URL,
  ) {}

  get workerCount(): number {
    return this.workers.length;
  }

  get memoryBytes(): number {
    return this.heap.bytes;
  }

  private fail(why: string): void {
    if (!this.broken) log(`falling back to one thread: ${why}`);
    this.broken = true;
  }

  /**
   * Starts workers until there are `count`; true once they are all ready. Without `block` it never
   * waits: the call that starts them runs single-threaded while they boot (~50-100 ms, longer than
   * most single calls take). With `block` it waits for them, up to STARTUP_MS.
   */
  ready(count: number, block: boolean): boolean {
    try {
      for (let slot = this.workers.length; slot < count; slot++) {
        const w = new Worker(this.workerUrl, {
          workerData: { module: this.heap.module, memory: this.heap.memory, control: this.ctl.buffer, slot },
          // The worker is plain JS: loaders such as tsx (--import) only slow its start. V8 flags
          // (e.g. --experimental-wasm-relaxed-simd) are per process and apply to it regardless.
          execArgv: [],
        });
        w.on('error', (err: Error) => this.fail(`worker ${slot} failed: ${err.message}`));
        w.on('exit', (code: number) => this.fail(`worker ${slot} exited (code ${code})`));
        w.unref();
        this.workers.push(w);
        this.startedAt = performance.now();
      }
    } catch (err) {
      this.fail(`cannot start workers: ${(err as Error).message}`);
      return false;
    }
    // Workers report through the control block, not through events: 'error' events cannot arrive
    // while this thread is blocked or busy in a synchronous training loop. A worker whose script
    // fails to load never reports, hence the deadline.
    const deadline = this.startedAt + STARTUP_MS;
    for (let slot = 0; slot < count; slot++) {
      const at = slot * SLOT + STATE;
      let state = Atomics.load(this.ctl, at);
      while (state === 0) {
        const left = deadline - performance.now();
        if (left <= 0) {
          this.fail(`worker ${slot} did not start within ${STARTUP_MS} ms`);
          return false;
        }
        if (!block) return false;
        Atomics.wait(this.ctl, at, 0, left);
        state = Atomics.load(this.ctl, at);
      }
      if (state !== 1) {
        this.fail(`worker ${slot} could not instantiate the shared kernels`);
        return false;
      }
    }
    if (!this.announced) log(`${count} worker(s) ready`);
    this.announced = true;
    return true;
  }

  /**
   * Runs a job on `threads` threads, rows split evenly; false (out untouched) when memory cannot
   * hold the call or a worker reported an error.
   */
  run(job: Job, threads: number): boolean {
    // Row blocks: multiples of 4 (the kernel's tile height) so that only the last block has an edge.
    const starts: number[] = [];
    const per = Math.ceil(job.m / threads / 4) * 4;
    for (let t = 0; t < threads; t++) starts.push(Math.min(job.m, t * per));
    starts.push(job.m);
    const call = new Call(this.heap);
    let ok = false;
    try {
      ok = this.dispatch(call, job, threads, starts);
    } catch (err) {
      // Memory full: decline, and the caller runs the single-threaded kernel.
      if (!(err instanceof HeapFullError)) throw err;
      return false;
    } finally {
      call.finish(ok);
    }
    if (!ok) this.fail('a worker reported an error');
    return ok;
  }

  private dispatch(call: Call, job: Job, threads: number, starts: number[]): boolean {
    const { a, b, bias, m, k, n, transA, transB, act, out } = job;
    const ex = this.heap.ex;
    const aOffs: number[] = [];
    if (transA) {
      // op(A) rows are columns of the stored [k, m] A: give each thread its own contiguous
      // [k, rows] block so that the kernel's transA path reads it with stride rows.
      for (let t = 0; t < threads; t++) {
        const r0 = starts[t];
        const rows = starts[t + 1] - r0;
        const off = call.temp(rows * k);
        const f32 = this.heap.f32();
        const dst = off >> 2;
        for (let p = 0; p < k; p++) f32.set(a.subarray(p * m + r0, p * m + r0 + rows), dst + p * rows);
        aOffs.push(off);
      }
    } else {
      const pa = call.in(a);
      for (let t = 0; t < threads; t++) aOffs.push(pa + starts[t] * k * 4);
    }
    const pb = call.in(b);
    const pBias = bias ? call.in(bias) : 0;
    const pc = call.out(out);
    const works: number[] = [];
    for (let t = 0; t < threads; t++) {
      works.push(call.temp(Math.ceil(ex.matMulWorkspaceBytes(starts[t + 1] - starts[t], k, n) / 4)));
    }

    const ctl = this.ctl;
    const seqs: number[] = [];
    for (let t = 1; t < threads; t++) {
      const at = (t - 1) * SLOT;
      const rows = starts[t + 1] - starts[t];
      ctl[at + OP] = OP_MATMUL;
      ctl[at + A] = aOffs[t];
      ctl[at + B] = pb;
      ctl[at + C] = pc + starts[t] * n * 4;
      ctl[at + M] = rows;
      ctl[at + K] = k;
      ctl[at + N] = n;
      ctl[at + TRANS_A] = transA ? 1 : 0;
      ctl[at + TRANS_B] = transB ? 1 : 0;
      ctl[at + WORK] = works[t];
      ctl[at + BIAS] = pBias;
      ctl[at + ACT] = act;
      // The Atomics.store publishes the plain writes above (sequentially consistent store).
      const seq = (Atomics.load(ctl, at + SEQ) + 1) | 0;
      seqs.push(seq);
      Atomics.store(ctl, at + SEQ, seq);
      Atomics.notify(ctl, at + SEQ);
    }
    let ok = true;
    try {
      const rows = starts[1] - starts[0];
      if (rows > 0) {
        ex.matMul(aOffs[0], pb, pc, rows, k, n, transA, transB, works[0]);
        if (act >= 0) ex.biasAct(pc, pBias, rows, n, act === 1);
      }
    } finally {
      // Always wait, even if our share threw: the workers are using this memory.
      for (let t = 1; t < threads; t++) {
        const at = (t - 1) * SLOT;
        for (;;) {
          const done = Atomics.load(ctl, at + DONE);
          if (done === seqs[t - 1]) break;
          Atomics.wait(ctl, at + DONE, done);
        }
        if (Atomics.load(ctl, at + ERR) !== 0) ok = false;
      }
    }
    return ok;
  }
}

// undefined: not tried yet; null: unavailable (no shared memory, no worker file, ...).
let pool: Pool | null | undefined;

function createPool(): Pool | null {
  try {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return null;
    const kernels = loadWasmKernels();
    // Threads need the shared build: the same module (hence bit-identical results) on one memory.
    if (!kernels || !kernels.heap.shared) return null;
    const workerUrl = new URL('./matmul-worker.mjs', import.meta.url);
    if (!existsSync(fileURLToPath(workerUrl))) {
      log(`missing ${fileURLToPath(workerUrl)}`);
      return null;
    }
    return new Pool(kernels.heap, workerUrl);
  } catch (err) {
    log(`cannot set up the thread pool: ${(err as Error).message}`);
    return null;
  }
}

/** The pool, made on first use; null where threading is unavailable or has failed. */
function getPool(): Pool | null {
  if (pool === undefined) pool = createPool();
  return pool && !pool.broken ? pool : null;
}

function threadsFor(m: number, k: number, n: number): number {
  const want = getNumThreads();
  if (want < 2 || 2 * m * k * n < thresholds.minFlops) return 1;
  return Math.max(1, Math.min(want, Math.floor(m / thresholds.minRowsPerThread)));
}

/** True when an [m,k]x[k,n] product would be split across threads (so callers route it via matMul). */
export function wouldThread(m: number, k: number, n: number): boolean {
  return threadsFor(m, k, n) > 1 && getPool() !== null;
}

function runThreaded(job: Job): boolean {
  const threads = threadsFor(job.m, job.k, job.n);
  if (threads < 2) return false;
  const p = getPool();
  if (!p || !p.ready(threads - 1, false)) return false;
  const ok = p.run(job, threads);
  if (ok) stats.threadedCalls++;
  return ok;
}

/**
 * out[m, n] = op(a) x op(b), as WasmKernels.matMul, split across threads when the shape is large
 * enough to gain from it. Returns false, with `out` untouched, when it declines (small shape, one
 * thread, threading unavailable): the caller then runs the single-threaded kernel.
 */
export function threadedMatMul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  out: Float32Array,
): boolean {
  checkLength('matMul', 'a', a, m * k, transA ? `[${k}, ${m}]` : `[${m}, ${k}]`);
  checkLength('matMul', 'b', b, k * n, transB ? `[${n}, ${k}]` : `[${k}, ${n}]`);
  checkLength('matMul', 'out', out, m * n, `[${m}, ${n}]`);
  return runThreaded({ a, b, bias: null, m, k, n, transA, transB, act: -1, out });
}

/**
 * out[m, n] = act(x[m, k] x w[k, n] + bias[n]), as WasmKernels.denseForward, split across threads
 * when large enough; false (out untouched) when it declines.
 */
export function threadedDenseForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  m: number,
  k: number,
  n: number,
  act: 'linear' | 'relu',
  out: Float32Array,
): boolean {
  checkLength('denseForward', 'x', x, m * k, `[${m}, ${k}]`);
  checkLength('denseForward', 'w', w, k * n, `[${k}, ${n}]`);
  if (bias) checkLength('denseForward', 'bias', bias, n, `[${n}]`);
  checkLength('denseForward', 'out', out, m * n, `[${m}, ${n}]`);
  return runThreaded({ a: x, b: w, bias, m, k, n, transA: false, transB: false, act: act === 'relu' ? 1 : 0, out });
}

/**
 * Starts the worker threads now and waits until they are ready, so that the next large matmul
 * already runs threaded (otherwise the first one starts them and runs single-threaded while they
 * boot). Returns false where threading is unavailable or set to one thread.
 * @example warmUpThreads(); // before timing predict on a large batch
 */
export function warmUpThreads(): boolean {
  const threads = getNumThreads();
  if (threads < 2) return false;
  const p = getPool();
  return p !== null && p.ready(threads - 1, true);
}

const stats = { threadedCalls: 0 };

/** For tests and benchmarks: the pool's state. Not part of the public API. */
export function threadPoolInfo(): { available: boolean; workers: number; memoryBytes: number; threadedCalls: number } {
  const p = pool ?? null;
  return {
    available: p !== null && !p.broken,
    workers: p?.workerCount ?? 0,
    memoryBytes: p?.memoryBytes ?? 0,
    threadedCalls: stats.threadedCalls,
  };
}

/** For benchmarks: overrides when a call is split (flops = 2*m*k*n). Not part of the public API. */
export function setThreadThresholds(t: { minFlops?: number; minRowsPerThread?: number }): void {
  if (t.minFlops !== undefined) thresholds.minFlops = t.minFlops;
  if (t.minRowsPerThread !== undefined) thresholds.minRowsPerThread = t.minRowsPerThread;
}
