// Worker side of the matmul thread pool in threads.ts. Plain JS (not TypeScript) so that the same
// file runs from src/ under tsx and from dist/ under plain node; build-wasm.mjs copies it to dist.
//
// The worker instantiates the shared-memory kernels on the memory it is given and then sleeps in
// Atomics.wait on its slot of the control block; each job is "matMul on these rows, then maybe
// bias + activation". The slot layout is mirrored in threads.ts (keep both in sync):
//   0 SEQ (job counter, bumped by the pool)   1 DONE (last finished SEQ)   2 STATE (1 ready, -1 failed)
//   3 OP (1 matmul, 2 stop, 3 matmul by row chunks (matMulSparseA when B is untransposed), 4 call)
//   4 a  5 b  6 c  7 m  8 k  9 n
//   10 transA  11 transB  12 work  13 bias (0 = none)  14 act (-1 none, 0 linear, 1 relu)
//   15 ERR (1 when the last job threw)
// The last 16 ints of the control block are the row queue of op 3, shared by all threads:
//   0 next chunk (claimed with Atomics.add)  1 rows per chunk  2 chunks  3 chunks whose rows of a
//   are in place (the caller copies a in chunk by chunk; a thread waits for the chunk it claimed).
// OP 4 (call) runs another kernel export instead: 4 its index in workerData.calls, 5 the argument
// count, 6.. the (integer) arguments.
import { workerData } from 'node:worker_threads';

const SLOT = 16;
const { module, memory, control, slot, calls } = workerData;
const ctl = new Int32Array(control);
const at = slot * SLOT;
const QUEUE = ctl.length - SLOT;

// Read the job counter before reporting ready: the pool may post the first job right after.
let seen = Atomics.load(ctl, at);
let ex = null;
try {
  ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.store(ctl, at + 2, 1);
} catch {
  Atomics.store(ctl, at + 2, -1);
}
Atomics.notify(ctl, at + 2);

// Offsets are byte addresses below 2 GiB stored in Int32 cells; >>> 0 keeps them unsigned anyway.
while (ex !== null) {
  Atomics.wait(ctl, at, seen);
  const seq = Atomics.load(ctl, at);
  if (seq === seen) continue;
  seen = seq;
  if (ctl[at + 3] === 2) break;
  let err = 0;
  try {
    if (ctl[at + 3] === 4) {
      const args = [];
      for (let i = 0; i < ctl[at + 5]; i++) args.push(ctl[at + 6 + i]);
      ex[calls[ctl[at + 4]]](...args);
    } else if (ctl[at + 3] === 3) {
      const a = ctl[at + 4] >>> 0;
      const b = ctl[at + 5] >>> 0;
      const c = ctl[at + 6] >>> 0;
      const m = ctl[at + 7];
      const k = ctl[at + 8];
      const n = ctl[at + 9];
      const work = ctl[at + 12] >>> 0;
      const bias = ctl[at + 13] >>> 0;
      const act = ctl[at + 14];
      const rowsPer = ctl[QUEUE + 1];
      const chunks = ctl[QUEUE + 2];
      for (let i = Atomics.add(ctl, QUEUE, 1); i < chunks; i = Atomics.add(ctl, QUEUE, 1)) {
        for (let ready = Atomics.load(ctl, QUEUE + 3); ready <= i; ready = Atomics.load(ctl, QUEUE + 3)) {
          Atomics.wait(ctl, QUEUE + 3, ready);
        }
        const r0 = i * rowsPer;
        const rows = Math.min(rowsPer, m - r0);
        // As the calling thread does (threads.ts dispatchRows): the same kernel for each chunk.
        if (ctl[at + 11]) ex.matMul(a + r0 * k * 4, b, c + r0 * n * 4, rows, k, n, 0, 1, work);
        else ex.matMulSparseA(a + r0 * k * 4, b, c + r0 * n * 4, rows, k, n, work);
        if (act >= 0) ex.biasAct(c + r0 * n * 4, bias, rows, n, act);
      }
    } else {
      runMatMul();
    }
  } catch {
    err = 1;
  }
  Atomics.store(ctl, at + 15, err);
  Atomics.store(ctl, at + 1, seq);
  Atomics.notify(ctl, at + 1);
}

function runMatMul() {
  const c = ctl[at + 6] >>> 0;
  const m = ctl[at + 7];
  const n = ctl[at + 9];
  ex.matMul(ctl[at + 4] >>> 0, ctl[at + 5] >>> 0, c, m, ctl[at + 8], n, ctl[at + 10], ctl[at + 11], ctl[at + 12] >>> 0);
  const act = ctl[at + 14];
  if (act >= 0) ex.biasAct(c, ctl[at + 13] >>> 0, m, n, act);
}
