// Runs large float32 matmuls on several cores: the output rows are split between the calling thread
// and a small pool of worker threads (matmul-worker.mjs), all running the shared-memory kernel build
// (nerva-shared*.wasm) on one WebAssembly.Memory. nerva is synchronous, so the caller blocks in
// Atomics.wait until the workers are done; small calls are declined and run single-threaded.
//
// Why rows: each thread calls the unchanged matMul kernel on a block of rows of C with a pointer into
// A, so every output element is computed by the same instructions in the same order as in the
// single-threaded kernel: the results are bit-identical (same build variant, baseline or relaxed).
// Untransposed products (Dense layers, predict) hand out rows in chunks that the threads claim
// until none are left, so a thread that is late (descheduled on a busy machine, or the caller
// still copying A in) takes fewer chunks instead of everyone waiting for its fixed share.
// Each thread packs B itself where B is packed; that costs k*n per call, small next to its rows*k*n.
// Workers start on the first large call, which does not wait for them (it runs single-threaded while
// they boot); warmUpThreads() starts them eagerly. They are unref'd and never keep the process alive.
// The convolution and pooling glue (./conv.ts) uses the same workers for other kernel exports
// (runKernelCalls): the threads take units of work from a shared counter, each unit's results the
// same whichever thread computes it.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../../errors.js';
import { Call, checkLength, loadWasmKernels } from './kernels.js';
import { HeapFullError, type WasmHeap } from './heap.js';

/** Upper bound for setNumThreads / NERVA_NUM_THREADS. */
const MAX_THREADS = 64;
// Control block: one 16-int slot (one cache line) per worker, then the row queue (the last 16 ints);
// layout documented in matmul-worker.mjs.
const SLOT = 16;
const SEQ = 0, DONE = 1, STATE = 2, OP = 3, A = 4, B = 5, C = 6, M = 7, K = 8, N = 9;
const TRANS_A = 10, TRANS_B = 11, WORK = 12, BIAS = 13, ACT = 14, ERR = 15;
const OP_MATMUL = 1, OP_ROWS = 3, OP_CALL = 4;
// The row queue of an OP_ROWS job: next chunk to claim, rows per chunk, chunks, chunks whose rows of
// A are in place (the caller copies a plain A in chunk by chunk while the workers start on them).
const QUEUE = MAX_THREADS * SLOT;
const Q_NEXT = QUEUE, Q_ROWS = QUEUE + 1, Q_CHUNKS = QUEUE + 2, Q_READY = QUEUE + 3;
/**
 * Kernel exports a worker may be asked to run by OP_CALL (the index is the call's id); given to
 * each worker at start, so this list is the only copy. Each takes integer arguments only.
 */
const WORKER_CALLS = [
  'conv2dForward', 'conv2dBackward', 'maxPool2dForward', 'avgPool2dForward', 'maxPool2dBackward', 'avgPool2dBackward',
] as const;
/** A kernel export and its arguments, for runKernelCalls. */
export interface KernelCall {
  fn: (typeof WORKER_CALLS)[number];
  args: number[];
}
/** Slots for a call's arguments: A .. ERR - 1 minus the call id and the count. */
const MAX_CALL_ARGS = ERR - A - 2;
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

/** One job as a worker's slot holds it (addresses are byte offsets in wasm memory). */
interface SlotJob {
  op: number;
  a: number;
  b: number;
  c: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  work: number;
  bias: number;
  act: number;
}

class Pool {
  private readonly workers: Worker[] = [];
  private readonly ctl = new Int32Array(new SharedArrayBuffer((MAX_THREADS + 1) * SLOT * 4));
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
          workerData: { module: this.heap.module, memory: this.heap.memory, control: this.ctl.buffer, slot, calls: WORKER_CALLS },
          // The worker is plain JS: loaders such as tsx (--import) only slow its start. It gets the
          // compiled module, so it runs the same build (relaxed SIMD included) without any V8 flag.
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
      ok = job.transA ? this.dispatch(call, job, threads, starts) : this.dispatchRows(call, job, threads);
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

  /** The memory this pool's threads run on. */
  get sharedHeap(): WasmHeap {
    return this.heap;
  }

  /**
   * Runs calls[0] on this thread and calls[t] on worker t - 1, all at once, and waits for them;
   * false when a worker reported an error (the outputs are then unspecified).
   */
  runCalls(calls: readonly KernelCall[]): boolean {
    const ctl = this.ctl;
    const seqs: number[] = [];
    for (const { fn, args } of calls) {
      if (args.length > MAX_CALL_ARGS) throw new RangeError(`threads: ${fn} takes at most ${MAX_CALL_ARGS} arguments here`);
    }
    for (let t = 1; t < calls.length; t++) {
      const at = (t - 1) * SLOT;
      const { fn, args } = calls[t];
      ctl[at + OP] = OP_CALL;
      ctl[at + A] = WORKER_CALLS.indexOf(fn);
      ctl[at + A + 1] = args.length;
      args.forEach((v, i) => (ctl[at + A + 2 + i] = v));
      const seq = (Atomics.load(ctl, at + SEQ) + 1) | 0;
      seqs.push(seq);
      Atomics.store(ctl, at + SEQ, seq);
      Atomics.notify(ctl, at + SEQ);
    }
    let ok = true;
    try {
      const ex = this.heap.ex as unknown as Record<string, (...a: number[]) => void>;
      ex[calls[0].fn](...calls[0].args);
    } finally {
      for (let t = 1; t < calls.length; t++) {
        const at = (t - 1) * SLOT;
        for (;;) {
          const done = Atomics.load(ctl, at + DONE);
          if (done === seqs[t - 1]) break;
          Atomics.wait(ctl, at + DONE, done);
        }
        if (Atomics.load(ctl, at + ERR) !== 0) ok = false;
      }
    }
    if (!ok) this.fail('a worker reported an error');
    return ok;
  }

  /**
   * A transposed A, rows split evenly: op(A) rows are columns of the stored [k, m] A, so each thread
   * gets its own contiguous [k, rows] block, which the kernel's transA path reads with stride rows.
   */
  private dispatch(call: Call, job: Job, threads: number, starts: number[]): boolean {
    const { a, b, bias, m, k, n, transA, transB, act, out } = job;
    const ex = this.heap.ex;
    const aOffs: number[] = [];
    for (let t = 0; t < threads; t++) aOffs.push(call.temp((starts[t + 1] - starts[t]) * k));
    // Copied share by share once everything is allocated, each worker's share right before its job
    // is posted, so that the workers start while this thread still copies.
    const copyShare = (t: number): void => {
      const r0 = starts[t];
      const rows = starts[t + 1] - r0;
      const f32 = this.heap.f32();
      const dst = aOffs[t] >> 2;
      for (let p = 0; p < k; p++) f32.set(a.subarray(p * m + r0, p * m + r0 + rows), dst + p * rows);
    };
    const pb = call.in(b);
    const pBias = bias ? call.in(bias) : 0;
    const pc = call.out(out);
    const works: number[] = [];
    for (let t = 0; t < threads; t++) {
      works.push(call.temp(Math.ceil(ex.matMulWorkspaceBytes(starts[t + 1] - starts[t], k, n) / 4)));
    }

    const seqs: number[] = [];
    for (let t = 1; t < threads; t++) {
      copyShare(t);
      const rows = starts[t + 1] - starts[t];
      seqs.push(this.post(t, { op: OP_MATMUL, a: aOffs[t], b: pb, c: pc + starts[t] * n * 4, m: rows, k, n, transA, transB, work: works[t], bias: pBias, act }));
    }
    let failed = true;
    try {
      copyShare(0);
      const rows = starts[1] - starts[0];
      if (rows > 0) {
        ex.matMul(aOffs[0], pb, pc, rows, k, n, transA, transB, works[0]);
        if (act >= 0) ex.biasAct(pc, pBias, rows, n, act === 1);
      }
      failed = false;
    } finally {
      failed = !this.join(seqs) || failed;
    }
    return !failed;
  }

  /**
   * Posts a job to thread t (1-based: worker slot t - 1); addresses are byte offsets in wasm memory.
   * Returns the job's sequence number, which the worker copies to DONE when finished.
   */
  private post(t: number, j: SlotJob): number {
    const ctl = this.ctl;
    const at = (t - 1) * SLOT;
    ctl[at + OP] = j.op;
    ctl[at + A] = j.a;
    ctl[at + B] = j.b;
    ctl[at + C] = j.c;
    ctl[at + M] = j.m;
    ctl[at + K] = j.k;
    ctl[at + N] = j.n;
    ctl[at + TRANS_A] = j.transA ? 1 : 0;
    ctl[at + TRANS_B] = j.transB ? 1 : 0;
    ctl[at + WORK] = j.work;
    ctl[at + BIAS] = j.bias;
    ctl[at + ACT] = j.act;
    // The Atomics.store publishes the plain writes above (sequentially consistent store).
    const seq = (Atomics.load(ctl, at + SEQ) + 1) | 0;
    Atomics.store(ctl, at + SEQ, seq);
    Atomics.notify(ctl, at + SEQ);
    return seq;
  }

  /** Waits until thread t + 1 has finished job seqs[t], for every t; false if any reported an error. */
  private join(seqs: number[]): boolean {
    const ctl = this.ctl;
    let ok = true;
    for (let t = 0; t < seqs.length; t++) {
      const at = t * SLOT;
      for (;;) {
        const done = Atomics.load(ctl, at + DONE);
        if (done === seqs[t]) break;
        Atomics.wait(ctl, at + DONE, done);
      }
      if (Atomics.load(ctl, at + ERR) !== 0) ok = false;
    }
    return ok;
  }

  /**
   * An untransposed A, rows in chunks that every thread claims from the row queue until none are
   * left: a thread that is late (descheduled by other processes, or this one copying A in) simply
   * takes fewer chunks, instead of the caller waiting for its fixed share. Each chunk is the
   * ordinary kernel on its rows, so results are bit-identical to one thread.
   */
  private dispatchRows(call: Call, job: Job, threads: number): boolean {
    const { a, b, bias, m, k, n, transB, act, out } = job;
    const ex = this.heap.ex;
    const ctl = this.ctl;
    // About 4 chunks per thread, at most 256 rows (a 128-row kernel block twice), a multiple of 4.
    const rowsPer = Math.min(256, Math.max(4, Math.ceil(m / threads / 16) * 4));
    const chunks = Math.ceil(m / rowsPer);
    const resident = this.heap.offsetOf(a) >= 0;
    const pa = resident ? call.in(a) : call.temp(m * k);
    const pb = call.in(b);
    const pBias = bias ? call.in(bias) : 0;
    const pc = call.out(out);
    const works: number[] = [];
    for (let t = 0; t < threads; t++) works.push(call.temp(Math.ceil(ex.matMulWorkspaceBytes(rowsPer, k, n) / 4)));
    ctl[Q_NEXT] = 0;
    ctl[Q_ROWS] = rowsPer;
    ctl[Q_CHUNKS] = chunks;
    Atomics.store(ctl, Q_READY, resident ? chunks : 0);
    const seqs: number[] = [];
    for (let t = 1; t < threads; t++) {
      seqs.push(this.post(t, { op: OP_ROWS, a: pa, b: pb, c: pc, m, k, n, transA: false, transB, work: works[t], bias: pBias, act }));
    }
    let failed = true;
    try {
      if (!resident) {
        // Chunk by chunk, so that the workers start on the first chunks while later ones are copied.
        const f32 = this.heap.f32();
        for (let c = 0; c < chunks; c++) {
          const r0 = c * rowsPer;
          f32.set(a.subarray(r0 * k, Math.min(m, r0 + rowsPer) * k), (pa >> 2) + r0 * k);
          Atomics.store(ctl, Q_READY, c + 1);
          Atomics.notify(ctl, Q_READY);
        }
      }
      for (let c = Atomics.add(ctl, Q_NEXT, 1); c < chunks; c = Atomics.add(ctl, Q_NEXT, 1)) {
        const r0 = c * rowsPer;
        const rows = Math.min(rowsPer, m - r0);
        // Untransposed, the kernel that skips A's all-zero columns (per 128-row block: a third of
        // MNIST's pixels); its results are matMul's to the bit, so chunking still changes nothing.
        if (transB) ex.matMul(pa + r0 * k * 4, pb, pc + r0 * n * 4, rows, k, n, false, true, works[0]);
        else ex.matMulSparseA(pa + r0 * k * 4, pb, pc + r0 * n * 4, rows, k, n, works[0]);
        if (act >= 0) ex.biasAct(pc + r0 * n * 4, pBias, rows, n, act === 1);
      }
      failed = false;
    } finally {
      // Workers must never wait for rows this thread will not copy (when it threw): their results
      // are then discarded anyway. Always wait for them: they are using this memory.
      Atomics.store(ctl, Q_READY, chunks);
      Atomics.notify(ctl, Q_READY);
      failed = !this.join(seqs) || failed;
    }
    return !failed;
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
 * @internal How many threads (1 to `most`) a kernel call on `heap` doing `flops` of work should use
 * now: 1 when the work is below the threading threshold, when `heap` is not the pool's memory (a
 * test's plain or baseline build) or while the workers are not ready (the first call starts them).
 */
export function kernelThreads(heap: WasmHeap, flops: number, most: number): number {
  const want = Math.min(getNumThreads(), most);
  if (want < 2 || flops < thresholds.minFlops) return 1;
  const p = getPool();
  if (!p || p.sharedHeap !== heap || !p.ready(want - 1, false)) return 1;
  return want;
}

/**
 * @internal Runs calls[0] on this thread and calls[t] on worker t - 1, for 2 or more calls after
 * kernelThreads allowed that many; false, with outputs unspecified, when the pool is unavailable or
 * a worker failed (the pool is then off and the caller redoes the work on one thread).
 */
export function runKernelCalls(calls: readonly KernelCall[]): boolean {
  const p = getPool();
  if (!p || calls.length < 2 || p.workerCount < calls.length - 1) return false;
  const ok = p.runCalls(calls);
  if (ok) stats.threadedCalls++;
  return ok;
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
