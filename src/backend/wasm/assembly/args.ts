// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs with ./index.ts.
// The argument block the JS glue (../conv.ts) writes for the convolution and pooling kernels: the
// window geometry and the tensors' addresses in one place, so that every export (and every worker
// thread) takes just (args, workspace). Not re-exported from ./index.ts.

// The argument block (i32 cells); mirrored in ../conv.ts (ARG).
export const ARG_BATCH: i32 = 0;
export const ARG_H: i32 = 1;
export const ARG_W: i32 = 2;
export const ARG_C: i32 = 3;
export const ARG_OH: i32 = 4;
export const ARG_OW: i32 = 5;
export const ARG_OC: i32 = 6;
export const ARG_KH: i32 = 7;
export const ARG_KW: i32 = 8;
export const ARG_SH: i32 = 9;
export const ARG_SW: i32 = 10;
export const ARG_DH: i32 = 11;
export const ARG_DW: i32 = 12;
export const ARG_PT: i32 = 13;
export const ARG_PL: i32 = 14;
// Byte addresses (0 = absent).
export const ARG_X: i32 = 15;
export const ARG_WEIGHTS: i32 = 16;
export const ARG_BIAS: i32 = 17;
export const ARG_Y: i32 = 18;
export const ARG_DZ: i32 = 19;
export const ARG_DX: i32 = 20;
export const ARG_DWEIGHTS: i32 = 21;
export const ARG_RELU: i32 = 22;
/** 1 when the backward pass should produce db. */
export const ARG_DB_WANTED: i32 = 23;
/** The next unit of work to hand out (0 when the call starts); see nextUnit. */
export const ARG_NEXT: i32 = 24;
export const ARG_CELLS: i32 = 25;

// @ts-ignore: decorator
@inline export function arg(a: usize, i: i32): i32 {
  return load<i32>(a + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function addr(a: usize, i: i32): usize {
  return <usize>load<u32>(a + (<usize>i << 2));
}

export function align64(p: usize): usize {
  return (p + 63) & ~(<usize>63);
}


/**
 * The next unit of work (a block of rows, an image group, an image) for the calling thread: every
 * thread running the same call takes units from one counter until they run out. Handing units out
 * as threads come, rather than a fixed half each, keeps a thread that got no core (a busy machine)
 * from holding up the others; results do not depend on which thread takes which unit.
 */
// @ts-ignore: decorator
@inline export function nextUnit(a: usize): i32 {
  const p = a + (<usize>ARG_NEXT << 2);
  if (ASC_FEATURE_THREADS) {
    return atomic.add<i32>(p, 1);
  } else {
    const v = load<i32>(p);
    store<i32>(p, v + 1);
    return v;
  }
}
