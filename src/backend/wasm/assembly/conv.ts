// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs with ./index.ts.
// 2-D convolution over NHWC activations and HWIO kernels as three GEMMs on the same matrices,
// reusing matMul's packed micro-kernel (./index.ts):
//   forward       Y[M, OC]  = Col[M, K] · W[K, OC]        (M = batch·OH·OW, K = KH·KW·C)
//   filter grad   dW[K, OC] = Colᵀ[K, M] · dZ[M, OC]
//   input grad    dCol[M, K] = dZ[M, OC] · Wᵀ[OC, K], then col2im adds dCol back into dX.
// Col (im2col) is never built whole: it is made a block of rows at a time in the caller's
// workspace, small enough to stay in cache, so memory does not scale with the batch. A 1x1 kernel
// with stride 1 and no padding needs no Col at all: x itself is Col.
//
// Work is split by ranges that keep results independent of the split (the thread pool runs the same
// exports on other threads): forward by output rows, filter grad by rows of dW, input grad by
// images. Every GEMM goes through the packed matMul, whose per-element sums do not depend on m, so
// a split changes no bit.
import { matMul, matMulWorkspaceBytes, biasAct } from './index';
import {
  arg, addr, align64, ARG_BATCH, ARG_H, ARG_W, ARG_C, ARG_OH, ARG_OW, ARG_OC, ARG_KH, ARG_KW, ARG_SH, ARG_SW, ARG_DH, ARG_DW,
  ARG_PT, ARG_PL, ARG_X, ARG_WEIGHTS, ARG_BIAS, ARG_Y, ARG_DZ, ARG_DX, ARG_DWEIGHTS, ARG_RELU,
} from './args';

/** Rows of Col made at once: 256 x 288 floats (conv2 of the MNIST convnet) is 288 KiB. */
const FWD_ROWS: i32 = 256;
/** Rows per filter-grad product (its reduction length); each block's dW is added to the total. */
const DW_ROWS: i32 = 512;
const DX_ROWS: i32 = 256;

/** A 1x1 kernel, stride 1, no padding: Col is x itself. */
function pointwise(a: usize): bool {
  return arg(a, ARG_KH) == 1 && arg(a, ARG_KW) == 1 && arg(a, ARG_SH) == 1 && arg(a, ARG_SW) == 1 &&
    arg(a, ARG_PT) == 0 && arg(a, ARG_PL) == 0 && arg(a, ARG_H) == arg(a, ARG_OH) && arg(a, ARG_W) == arg(a, ARG_OW);
}

/** Bytes of workspace one thread needs for any of the conv2d exports on these arguments. */
export function conv2dWorkspaceBytes(a: usize): usize {
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * arg(a, ARG_C);
  const OC = arg(a, ARG_OC);
  const fwd = <usize>FWD_ROWS * <usize>K * 4 + matMulWorkspaceBytes(FWD_ROWS, K, OC);
  const dw = <usize>DW_ROWS * <usize>K * 4 + matMulWorkspaceBytes(K, DW_ROWS, OC) + <usize>K * <usize>OC * 4;
  const dx = <usize>DX_ROWS * <usize>K * 4 + matMulWorkspaceBytes(DX_ROWS, OC, K);
  return max(fwd, max(dw, dx)) + 256;
}

/** Copies n floats (v128 at a time, then singly). */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// @ts-ignore: decorator
@inline function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = dst + (<usize>i << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const d = dst + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>i << 2)));
  }
}

/**
 * Writes rows [r0, r0 + rows) of Col, columns [k0, k1), into col (row stride k1 - k0). Column
 * k is tap k / C (kh = tap / KW, kw = tap % KW), channel k % C; padding reads as zero.
 */
function im2col(a: usize, col: usize, r0: i32, rows: i32, k0: i32, k1: i32): void {
  const H = arg(a, ARG_H), W = arg(a, ARG_W), C = arg(a, ARG_C);
  const OH = arg(a, ARG_OH), OW = arg(a, ARG_OW), KW = arg(a, ARG_KW);
  const SH = arg(a, ARG_SH), SW = arg(a, ARG_SW), DH = arg(a, ARG_DH), DW = arg(a, ARG_DW);
  const PT = arg(a, ARG_PT), PL = arg(a, ARG_PL);
  const x = addr(a, ARG_X);
  const K = arg(a, ARG_KH) * KW * C;
  const kLen = k1 - k0;
  const t0 = k0 / C;
  const t1 = (k1 + C - 1) / C;
  // Whole rows with undilated kernel rows: the KW taps of one kernel row are one contiguous run of x.
  const runs = k0 == 0 && k1 == K && DW == 1;
  const area = OH * OW;
  let n = r0 / area;
  let oh = (r0 % area) / OW;
  let ow = r0 % OW;
  let dst = col;
  for (let r = 0; r < rows; r++) {
    const ihBase = oh * SH - PT;
    const iwBase = ow * SW - PL;
    const img = x + <usize>n * <usize>H * <usize>W * <usize>C * 4;
    if (runs && iwBase >= 0 && iwBase + KW <= W) {
      const KH = arg(a, ARG_KH);
      const run = KW * C;
      for (let kh = 0; kh < KH; kh++) {
        const ih = ihBase + kh * DH;
        const d = dst + <usize>(kh * run) * 4;
        if (ih < 0 || ih >= H) zeroFloats(d, run);
        else copyFloats(d, img + (<usize>(ih * W + iwBase) * <usize>C) * 4, run);
      }
    } else {
      for (let t = t0; t < t1; t++) {
        const kh = t / KW;
        const kw = t - kh * KW;
        const cBeg = max(k0 - t * C, 0);
        const cEnd = min(k1 - t * C, C);
        const d = dst + <usize>(t * C + cBeg - k0) * 4;
        const ih = ihBase + kh * DH;
        const iw = iwBase + kw * DW;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) zeroFloats(d, cEnd - cBeg);
        else copyFloats(d, img + (<usize>(ih * W + iw) * <usize>C + <usize>cBeg) * 4, cEnd - cBeg);
      }
    }
    dst += <usize>kLen * 4;
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}

/** Adds rows [r0, r0 + rows) of dCol (row stride K) into dX at the positions im2col read them from. */
function col2im(a: usize, col: usize, r0: i32, rows: i32): void {
  const H = arg(a, ARG_H), W = arg(a, ARG_W), C = arg(a, ARG_C);
  const OH = arg(a, ARG_OH), OW = arg(a, ARG_OW), KH = arg(a, ARG_KH), KW = arg(a, ARG_KW);
  const SH = arg(a, ARG_SH), SW = arg(a, ARG_SW), DH = arg(a, ARG_DH), DW = arg(a, ARG_DW);
  const PT = arg(a, ARG_PT), PL = arg(a, ARG_PL);
  const dx = addr(a, ARG_DX);
  const K = KH * KW * C;
  const area = OH * OW;
  let n = r0 / area;
  let oh = (r0 % area) / OW;
  let ow = r0 % OW;
  let src = col;
  for (let r = 0; r < rows; r++) {
    const img = dx + <usize>n * <usize>H * <usize>W * <usize>C * 4;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * SH - PT + kh * DH;
      if (ih < 0 || ih >= H) continue;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * SW - PL + kw * DW;
        if (iw < 0 || iw >= W) continue;
        addFloats(img + <usize>(ih * W + iw) * <usize>C * 4, src + <usize>((kh * KW + kw) * C) * 4, C);
      }
    }
    src += <usize>K * 4;
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}

/** Forward over output rows [r0, r1) (row = (n, oh, ow)): y = act(Col · W + bias). */
export function conv2dForwardRows(a: usize, r0: i32, r1: i32, work: usize): void {
  const C = arg(a, ARG_C), OC = arg(a, ARG_OC);
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * C;
  const x = addr(a, ARG_X), w = addr(a, ARG_WEIGHTS), bias = addr(a, ARG_BIAS), y = addr(a, ARG_Y);
  const relu = arg(a, ARG_RELU) != 0;
  if (r1 <= r0 || OC == 0) return;
  const col = align64(work);
  const mm = align64(col + <usize>FWD_ROWS * <usize>K * 4);
  const direct = pointwise(a);
  for (let r = r0; r < r1; r += FWD_ROWS) {
    const rows = min(FWD_ROWS, r1 - r);
    const yBlock = y + <usize>r * <usize>OC * 4;
    if (direct) {
      matMul(x + <usize>r * <usize>C * 4, w, yBlock, rows, C, OC, false, false, mm);
    } else {
      im2col(a, col, r, rows, 0, K);
      matMul(col, w, yBlock, rows, K, OC, false, false, mm);
    }
    if (bias != 0 || relu) biasAct(yBlock, bias, rows, OC, relu);
  }
}

/**
 * The backward pass's share of one thread: rows [k0, k1) of dW (if ARG_DWEIGHTS is set) and dX of
 * images [n0, n1) (if ARG_DX is set), from dZ at ARG_DZ (dy with the relu mask already applied).
 */
export function conv2dBackwardPart(a: usize, k0: i32, k1: i32, n0: i32, n1: i32, work: usize): void {
  if (k1 > k0 && addr(a, ARG_DWEIGHTS) != 0) filterGrad(a, k0, k1, work);
  if (n1 > n0 && addr(a, ARG_DX) != 0) inputGrad(a, n0, n1, work);
}

function filterGrad(a: usize, k0: i32, k1: i32, work: usize): void {
  const C = arg(a, ARG_C), OC = arg(a, ARG_OC);
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * C;
  const M = arg(a, ARG_BATCH) * arg(a, ARG_OH) * arg(a, ARG_OW);
  const x = addr(a, ARG_X), dz = addr(a, ARG_DZ);
  const dw = addr(a, ARG_DWEIGHTS) + <usize>k0 * <usize>OC * 4;
  const kLen = k1 - k0;
  if (M == 0) {
    zeroFloats(dw, kLen * OC);
    return;
  }
  const col = align64(work);
  const mm = align64(col + <usize>DW_ROWS * <usize>K * 4);
  const tmp = align64(mm + matMulWorkspaceBytes(K, DW_ROWS, OC));
  const direct = pointwise(a) && k0 == 0 && k1 == K;
  for (let r = 0; r < M; r += DW_ROWS) {
    const rows = min(DW_ROWS, M - r);
    let colBlock = col;
    if (direct) colBlock = x + <usize>r * <usize>C * 4;
    else im2col(a, col, r, rows, k0, k1);
    // The first block writes dW; later ones are added in block order (a fixed order: no split
    // of the work changes it).
    const target = r == 0 ? dw : tmp;
    matMul(colBlock, dz + <usize>r * <usize>OC * 4, target, kLen, rows, OC, true, false, mm);
    if (r > 0) addFloats(dw, tmp, kLen * OC);
  }
}

function inputGrad(a: usize, n0: i32, n1: i32, work: usize): void {
  const H = arg(a, ARG_H), W = arg(a, ARG_W), C = arg(a, ARG_C), OC = arg(a, ARG_OC);
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * C;
  const area = arg(a, ARG_OH) * arg(a, ARG_OW);
  const w = addr(a, ARG_WEIGHTS), dz = addr(a, ARG_DZ), dx = addr(a, ARG_DX);
  const image = H * W * C;
  const dxImages = dx + <usize>n0 * <usize>image * 4;
  const r0 = n0 * area;
  const r1 = n1 * area;
  const col = align64(work);
  const mm = align64(col + <usize>DX_ROWS * <usize>K * 4);
  if (pointwise(a)) {
    // dX rows are dCol rows.
    if (OC == 0) zeroFloats(dxImages, (n1 - n0) * image);
    else matMul(dz + <usize>r0 * <usize>OC * 4, w, dxImages, r1 - r0, OC, C, false, true, mm);
    return;
  }
  zeroFloats(dxImages, (n1 - n0) * image);
  if (OC == 0) return;
  for (let r = r0; r < r1; r += DX_ROWS) {
    const rows = min(DX_ROWS, r1 - r);
    matMul(dz + <usize>r * <usize>OC * 4, w, col, rows, OC, K, false, true, mm);
    col2im(a, col, r, rows);
  }
}
