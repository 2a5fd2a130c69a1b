// Glue from the Backend interface to the wasm convolution, pooling and batch-normalization kernels
// (./assembly/conv.ts, pool.ts, batchnorm.ts), through the one adapter (./adapter.ts: float32 check,
// JS fallback, debug report): arguments laid out through a Call as for matMul, and large calls
// shared with the thread pool in units of work whose results do not depend on the thread.

import type { Backend, Conv2dInfo, DenseActivation, TensorData, Window2d } from '../backend.js';
import { withCall, type Call, type WasmKernels } from './kernels.js';
import type { WasmHeap } from './heap.js';
import { accelerated } from './adapter.js';
import { kernelThreads, runKernelCalls, type KernelCall } from './threads.js';

// The argument block's cells, mirrored from ./assembly/args.ts (keep both in sync).
const ARG = {
  batch: 0, h: 1, w: 2, c: 3, oh: 4, ow: 5, oc: 6, kh: 7, kw: 8, sh: 9, sw: 10, dh: 11, dw: 12, pt: 13, pl: 14,
  x: 15, weights: 16, bias: 17, y: 18, dz: 19, dx: 20, dweights: 21, relu: 22, dbWanted: 23, next: 24,
} as const;
const ARG_CELLS = 25;
/** Image groups of the backward pass (at most; fewer for smaller batches). */
const GROUPS = 8;
/** Output rows per unit of forward work (FWD_UNIT in ./assembly/conv.ts). */
const FWD_UNIT = 512;

/** The primitives this file accelerates. */
export type ConvPrimitives = Pick<
  Backend,
  | 'conv2d' | 'conv2dBackward' | 'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'
  | 'batchNormStats' | 'batchNormForward' | 'batchNormBackward'
>;

function f32(t: TensorData): Float32Array {
  return t.values as Float32Array;
}

/**
 * The wasm implementations of the convolution, pooling and batch-norm primitives on kernels `k`
 * (any build; only the default one shares the thread pool).
 */
export function convPrimitives(k: WasmKernels): ConvPrimitives {
  const heap: WasmHeap = k.heap;
  const ex = heap.ex;
  const run = (body: (c: Call) => void): void => withCall(heap, body);

  /** An argument block holding the window geometry; addresses are set by `setArgs` once allocated. */
  function geometryArgs(c: Call, info: Window2d, outChannels: number): number {
    const off = c.temp(ARG_CELLS);
    const v = new Int32Array(heap.memory.buffer, off, ARG_CELLS);
    v.fill(0);
    v[ARG.batch] = info.batch;
    v[ARG.h] = info.inHeight;
    v[ARG.w] = info.inWidth;
    v[ARG.c] = info.channels;
    v[ARG.oh] = info.outHeight;
    v[ARG.ow] = info.outWidth;
    v[ARG.oc] = outChannels;
    v[ARG.kh] = info.windowHeight;
    v[ARG.kw] = info.windowWidth;
    v[ARG.sh] = info.strideHeight;
    v[ARG.sw] = info.strideWidth;
    v[ARG.dh] = info.dilationHeight;
    v[ARG.dw] = info.dilationWidth;
    v[ARG.pt] = info.padTop;
    v[ARG.pl] = info.padLeft;
    return off;
  }

  function setArgs(off: number, values: Partial<Record<keyof typeof ARG, number>>): void {
    // A fresh view: allocations since the block was made may have grown memory.
    const v = new Int32Array(heap.memory.buffer, off, ARG_CELLS);
    for (const [key, val] of Object.entries(values)) v[ARG[key as keyof typeof ARG]] = val;
  }

  /**
   * Runs a kernel export on `threads` threads (`make(t)` gives thread t's call; they differ only in
   * their workspace), all taking work units from the counter in the argument block `args`. If the
   * pool fails, the counter is reset and this thread does everything (every unit rewrites all of
   * its outputs).
   */
  function onThreads(args: number, threads: number, make: (t: number) => KernelCall): void {
    if (threads > 1 && runKernelCalls(Array.from({ length: threads }, (_, t) => make(t)))) return;
    if (threads > 1) setArgs(args, { next: 0 });
    const { fn, args: callArgs } = make(0);
    (ex as unknown as Record<string, (...a: number[]) => void>)[fn](...callArgs);
  }

  function conv2d(x: TensorData, w: TensorData, bias: TensorData | null, activation: DenseActivation, info: Conv2dInfo, out: TensorData): void {
    const M = info.batch * info.outHeight * info.outWidth;
    if (M === 0 || info.outChannels === 0) return;
    run(
      (c) => {
        const args = geometryArgs(c, info, info.outChannels);
        const wsFloats = Math.ceil(ex.conv2dWorkspaceBytes(args) / 4);
        const K = info.windowHeight * info.windowWidth * info.channels;
        const threads = kernelThreads(heap, 2 * M * K * info.outChannels, Math.ceil(M / FWD_UNIT));
        const px = c.in(f32(x));
        const pw = c.in(f32(w));
        const pb = bias ? c.in(f32(bias)) : 0;
        const py = c.out(f32(out));
        const works = Array.from({ length: threads }, () => c.temp(wsFloats));
        setArgs(args, { x: px, weights: pw, bias: pb, y: py, relu: activation === 'relu' ? 1 : 0 });
        onThreads(args, threads, (t) => ({ fn: 'conv2dForward', args: [args, works[t]] }));
      },
    );
  }

  const conv2dBackward: Backend['conv2dBackward'] = (x, w, y, dy, activation, info, dx, dw, db) => {
    if (!dx && !dw && !db) return;
    const M = info.batch * info.outHeight * info.outWidth;
    const OC = info.outChannels;
    const K = info.windowHeight * info.windowWidth * info.channels;
    run(
      (c) => {
        const args = geometryArgs(c, info, OC);
        const wsFloats = Math.ceil(ex.conv2dWorkspaceBytes(args) / 4);
        // Fixed groups of images, each with its own partial dW and db summed in group order: the
        // grouping depends on the batch only, so any number of threads gives the same bits.
        const groups = Math.min(info.batch, GROUPS);
        const flops = 2 * M * K * OC * ((dx ? 1 : 0) + (dw ? 1 : 0));
        const threads = kernelThreads(heap, flops, Math.max(groups, 1));
        const pdy = c.in(f32(dy));
        const py = activation === 'relu' ? c.in(f32(y)) : 0;
        const px = dw ? c.in(f32(x)) : 0;
        const pw = dx ? c.in(f32(w)) : 0;
        const pdx = dx ? c.out(f32(dx)) : 0;
        const pdw = dw ? c.out(f32(dw)) : 0;
        const pdb = db ? c.out(f32(db)) : 0;
        const partials = c.temp(Math.max(groups, 1) * (K * OC + OC));
        const works = Array.from({ length: threads }, () => c.temp(wsFloats));
        setArgs(args, { x: px, weights: pw, y: py, dz: pdy, dx: pdx, dweights: pdw, relu: py ? 1 : 0, dbWanted: db ? 1 : 0 });
        onThreads(args, threads, (t) => ({ fn: 'conv2dBackward', args: [args, groups, partials, works[t]] }));
        ex.conv2dBackwardFinish(args, groups, partials, pdb);
      },
    );
  };

  /** Pooling forward or backward, images shared between threads. */
  function pool(
    fn: 'maxPool2dForward' | 'avgPool2dForward' | 'maxPool2dBackward' | 'avgPool2dBackward',
    info: Window2d,
    tensors: { x?: TensorData; y?: TensorData; dy?: TensorData; dx?: TensorData },
  ): void {
    if (info.batch === 0) return;
    run((c) => {
      const args = geometryArgs(c, info, info.channels);
      const { x, y, dy, dx } = tensors;
      const px = x ? c.in(f32(x)) : 0;
      const pdz = dy ? c.in(f32(dy)) : 0;
      const py = y ? c.out(f32(y)) : 0;
      const pdx = dx ? c.out(f32(dx)) : 0;
      setArgs(args, { x: px, dz: pdz, y: py, dx: pdx });
      // Memory-bound: weighed against the threading threshold as 32 "flops" per input element,
      // which threads MNIST's pools at batch 128 (1-5 ms each on one thread) but not small ones.
      const work = 32 * info.batch * info.inHeight * info.inWidth * info.channels;
      const threads = kernelThreads(heap, work, info.batch);
      onThreads(args, threads, () => ({ fn, args: [args] }));
    });
  }

  /** [rows, channels] of a channels-last tensor with `channels` = mean's length. */
  function bnRows(x: TensorData, mean: TensorData): [number, number] {
    const ch = mean.values.length;
    return [ch === 0 ? 0 : x.values.length / ch, ch];
  }

  return {
    conv2d: accelerated('conv2d', conv2d),
    conv2dBackward: accelerated('conv2dBackward', conv2dBackward),
    maxPool2d: accelerated('maxPool2d', (x, info, out) => pool('maxPool2dForward', info, { x, y: out })),
    avgPool2d: accelerated('avgPool2d', (x, info, out) => pool('avgPool2dForward', info, { x, y: out })),
    maxPool2dBackward: accelerated('maxPool2dBackward', (x, dy, info, dx) => pool('maxPool2dBackward', info, { x, dy, dx })),
    avgPool2dBackward: accelerated('avgPool2dBackward', (dy, info, dx) => pool('avgPool2dBackward', info, { dy, dx })),
    batchNormStats: accelerated('batchNormStats', (x, mean, variance) => {
      const [rows, ch] = bnRows(x, mean);
      if (rows === 0 || ch === 0) return false;
      run((c) => {
        const px = c.in(f32(x));
        ex.batchNormStats(px, c.out(f32(mean)), c.out(f32(variance)), rows, ch, c.temp(4 * ch + 16));
      });
    }),
    batchNormForward: accelerated('batchNormForward', (x, mean, variance, gamma, beta, epsilon, out) => {
      const [rows, ch] = bnRows(x, mean);
      if (rows === 0 || ch === 0) return false;
      run((c) => {
        const [px, pm, pv] = [x, mean, variance].map((t) => c.in(f32(t)));
        const pg = gamma ? c.in(f32(gamma)) : 0;
        const pb = beta ? c.in(f32(beta)) : 0;
        ex.batchNormForward(px, pm, pv, pg, pb, epsilon, c.out(f32(out)), rows, ch, c.temp(ch + 16));
      });
    }),
    batchNormBackward: accelerated('batchNormBackward', (x, mean, variance, gamma, dy, epsilon, batchStats, dx, dgamma, dbeta) => {
      const [rows, ch] = bnRows(x, mean);
      if (rows === 0 || ch === 0) return false;
      run((c) => {
        const [px, pm, pv, pdy] = [x, mean, variance, dy].map((t) => c.in(f32(t)));
        const pg = gamma ? c.in(f32(gamma)) : 0;
        const outs = [dx, dgamma, dbeta].map((t) => (t ? c.out(f32(t)) : 0));
        ex.batchNormBackward(px, pm, pv, pg, pdy, epsilon, batchStats, outs[0], outs[1], outs[2], rows, ch, c.temp(8 * ch + 16));
      });
    }),
  };
}
