// Worker side of the matmul thread pool in threads.ts. Plain JS (not TypeScript) so that the same
// file runs from src/ under tsx and from dist/ under plain node; build-wasm.mjs copies it to dist.
//
// The worker instantiates the shared-memory kernels on the memory it is given and then sleeps in
// Atomics.wait on its slot of the control block; each job is "matMul on these rows, then maybe
// bias + activation". The slot layout is mirrored in threads.ts (keep both in sync):
//   0 SEQ (job counter, bumped by the pool)   1 DONE (last finished SEQ)   2 STATE (1 ready, -1 failed)
//   3 OP (1 matmul, 2 stop)  4 a  5 b  6 c  7 m  8 k  9 n  10 transA  11 transB  12 work
//   13 bias (0 = none)  14 act (-1 none, 0 linear, 1 relu)  15 ERR (1 when the last job threw)
// OP 3 (call) runs another kernel export instead: 4 its index in workerData.calls, 5 the argument
// count, 6.. the (integer) arguments.
import { workerData } from 'node:worker_threads';

const SLOT = 16;
const { module, memory, control, slot, calls } = workerData;
const ctl = new Int32Array(control);
const at = slot * SLOT;

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
    if (ctl[at + 3] === 3) {
      const args = [];
      for (let i = 0; i < ctl[at + 5]; i++) args.push(ctl[at + 6 + i]);
      ex[calls[ctl[at + 4]]](...args);
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
