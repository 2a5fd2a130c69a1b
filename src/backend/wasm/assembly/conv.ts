// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs with ./index.ts.
// 2-D convolution over NHWC activations and HWIO kernels as three GEMMs on the same matrices,
// reusing matMul's packed micro-kernel (./matmul.ts):
//   forward       Y[M, OC]  = Col[M, K] · W[K, OC]        (M = batch·OH·OW, K = KH·KW·C)
//   filter grad   dW[K, OC] = Colᵀ[K, M] · dZ[M, OC]
//   input grad    dCol[M, K] = dZ[M, OC] · Wᵀ[OC, K], then col2im adds dCol back into dX.
// Col (im2col) is never built whole: it is made a block of rows at a time in the caller's
// workspace, small enough to stay in cache, so memory does not scale with the batch. A 1x1 kernel
// with stride 1 and no padding needs no Col at all: x itself is Col. A short K (a first layer,
// C = 1) skips matMul in the forward pass: forwardSmallK multiplies gathered rows directly.
//
// Work is handed out in units whose results do not depend on which thread computes them (the thread
// pool runs the same exports on other threads, all taking units from one counter): the forward in
// blocks of output rows; the backward in fixed groups of images, each with its own partial dW and
// db summed in group order at the end. Each output row's sums are the same whichever block or
// thread computes it (the packed matMul's do not depend on m), so threading changes no bit.
import { madd, matMul, matMulWorkspaceBytes } from './matmul';
import { biasAct, reluMask } from './index';
import {
  arg, addr, align64, ARG_BATCH, ARG_H, ARG_W, ARG_C, ARG_OH, ARG_OW, ARG_OC, ARG_KH, ARG_KW, ARG_SH, ARG_SW, ARG_DH, ARG_DW,
  ARG_PT, ARG_PL, ARG_X, ARG_WEIGHTS, ARG_BIAS, ARG_Y, ARG_DZ, ARG_DX, ARG_DWEIGHTS, ARG_RELU, ARG_DB_WANTED, nextUnit,
} from './args';

/** Rows of Col made at once: 256 x 288 floats (conv2 of the MNIST convnet) is 288 KiB. */
const FWD_ROWS: i32 = 256;
/** Rows of dZ per step of the backward pass: its Col / dCol block and the filter-grad reduction length. */
const BWD_ROWS: i32 = 256;

/** A 1x1 kernel, stride 1, no padding: Col is x itself. */
function pointwise(a: usize): bool {
  return arg(a, ARG_KH) == 1 && arg(a, ARG_KW) == 1 && arg(a, ARG_SH) == 1 && arg(a, ARG_SW) == 1 &&
    arg(a, ARG_PT) == 0 && arg(a, ARG_PL) == 0 && arg(a, ARG_H) == arg(a, ARG_OH) && arg(a, ARG_W) == arg(a, ARG_OW);
}

/** Bytes of workspace one thread needs for any of the conv2d exports on these arguments. */
export function conv2dWorkspaceBytes(a: usize): usize {
  const C = arg(a, ARG_C);
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * C;
  const OC = arg(a, ARG_OC);
  const fwd = <usize>FWD_ROWS * <usize>K * 4 + matMulWorkspaceBytes(FWD_ROWS, K, OC);
  const bwd = <usize>BWD_ROWS * <usize>(OC + K) * 4 + <usize>K * <usize>OC * 4 +
    max(matMulWorkspaceBytes(K, BWD_ROWS, OC), max(matMulWorkspaceBytes(BWD_ROWS, OC, K), matMulWorkspaceBytes(BWD_ROWS, OC, C)));
  return max(fwd, bwd) + 256;
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

/** Output rows per unit of forward work handed to a thread. */
const FWD_UNIT: i32 = 512;

/**
 * The forward pass, y = act(Col · W + bias), over units of FWD_UNIT output rows (row = (n, oh, ow))
 * taken from the call's counter until none are left.
 */
export function conv2dForward(a: usize, work: usize): void {
  const M = arg(a, ARG_BATCH) * arg(a, ARG_OH) * arg(a, ARG_OW);
  for (let u = nextUnit(a); u < (M + FWD_UNIT - 1) / FWD_UNIT; u = nextUnit(a)) {
    forwardRows(a, u * FWD_UNIT, min(M, (u + 1) * FWD_UNIT), work);
  }
}

function forwardRows(a: usize, r0: i32, r1: i32, work: usize): void {
  const C = arg(a, ARG_C), OC = arg(a, ARG_OC);
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * C;
  const x = addr(a, ARG_X), w = addr(a, ARG_WEIGHTS), bias = addr(a, ARG_BIAS), y = addr(a, ARG_Y);
  const relu = arg(a, ARG_RELU) != 0;
  if (r1 <= r0 || OC == 0) return;
  if (K <= SMALL_K && OC % 8 == 0) {
    forwardSmallK(a, r0, r1, work);
    return;
  }
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

/** K at or below which the forward skips matMul's packing (a first layer: C = 1, K = 9). */
const SMALL_K: i32 = 32;
/** Rows of Col gathered at once by forwardSmallK (64 x 32 floats at most: 8 KiB). */
const SMALL_K_ROWS: i32 = 64;

/**
 * The forward pass for a short K (few input channels) and OC a multiple of 8: for so short a
 * reduction, matMul's packing and a separate bias/relu pass cost as much as the products. Col rows
 * are gathered a small block at a time and multiplied straight from there, 4 rows x 8 output
 * channels per register tile, with bias and relu applied before the single store.
 */
function forwardSmallK(a: usize, r0: i32, r1: i32, work: usize): void {
  const OC = arg(a, ARG_OC);
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * arg(a, ARG_C);
  const w = addr(a, ARG_WEIGHTS), bias = addr(a, ARG_BIAS), y = addr(a, ARG_Y);
  const relu = arg(a, ARG_RELU) != 0;
  const col = align64(work);
  const ldw = <usize>OC * 4;
  const ldk = <usize>K * 4;
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r += SMALL_K_ROWS) {
    const rows = min(SMALL_K_ROWS, r1 - r);
    im2col(a, col, r, rows, 0, K);
    // A partial last tile reads zero rows.
    const padded = (rows + 3) & ~3;
    zeroFloats(col + <usize>rows * ldk, (padded - rows) * K);
    for (let i = 0; i < rows; i += 4) {
      const a0 = col + <usize>i * ldk;
      const out = y + <usize>(r + i) * ldw;
      const valid = min(4, rows - i);
      for (let j = 0; j < OC; j += 8) {
        const jb = <usize>j << 2;
        let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
        if (bias != 0) {
          c00 = v128.load(bias + jb);
          c01 = v128.load(bias + jb, 16);
          c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01;
        }
        let bp = w + jb;
        let ap = a0;
        for (let p = 0; p < K; p++) {
          const b0 = v128.load(bp);
          const b1 = v128.load(bp, 16);
          let av = v128.load32_splat(ap);
          c00 = madd(av, b0, c00);
          c01 = madd(av, b1, c01);
          av = v128.load32_splat(ap + ldk);
          c10 = madd(av, b0, c10);
          c11 = madd(av, b1, c11);
          av = v128.load32_splat(ap + ldk * 2);
          c20 = madd(av, b0, c20);
          c21 = madd(av, b1, c21);
          av = v128.load32_splat(ap + ldk * 3);
          c30 = madd(av, b0, c30);
          c31 = madd(av, b1, c31);
          ap += 4;
          bp += ldw;
        }
        if (relu) {
          // f32x4.max keeps NaN, like tf.nn.relu (and biasAct).
          c00 = f32x4.max(c00, zero); c01 = f32x4.max(c01, zero);
          c10 = f32x4.max(c10, zero); c11 = f32x4.max(c11, zero);
          c20 = f32x4.max(c20, zero); c21 = f32x4.max(c21, zero);
          c30 = f32x4.max(c30, zero); c31 = f32x4.max(c31, zero);
        }
        let o = out + jb;
        v128.store(o, c00); v128.store(o, c01, 16);
        if (valid > 1) { o += ldw; v128.store(o, c10); v128.store(o, c11, 16); }
        if (valid > 2) { o += ldw; v128.store(o, c20); v128.store(o, c21, 16); }
        if (valid > 3) { o += ldw; v128.store(o, c30); v128.store(o, c31, 16); }
      }
    }
  }
}

/**
 * The backward pass over image groups taken from the call's counter (group g of `groups` holds
 * images [g*N/groups, (g+1)*N/groups)), one pass over each group's rows in blocks: dZ = dy * (y > 0)
 * for relu (ARG_RELU; dy at ARG_DZ, y at ARG_Y), then the group's partial dW and db (at `partials`,
 * K*OC + OC floats per group, if ARG_DWEIGHTS / the db flag are set) and dX of its images (if
 * ARG_DX is set). conv2dBackwardFinish sums the partials in group order, so dW and db do not depend
 * on which thread took which group, and dX of an image is only ever written by one thread.
 */
export function conv2dBackward(a: usize, groups: i32, partials: usize, work: usize): void {
  const N = arg(a, ARG_BATCH);
  for (let g = nextUnit(a); g < groups; g = nextUnit(a)) {
    const n0 = <i32>((<i64>g * <i64>N) / <i64>groups);
    const n1 = <i32>((<i64>(g + 1) * <i64>N) / <i64>groups);
    backwardImages(a, n0, n1, partials + <usize>g * partialFloats(a) * 4, work);
  }
}

/** Floats of one group's partial gradients: dW [K, OC] then db [OC]. */
function partialFloats(a: usize): usize {
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * arg(a, ARG_C);
  const OC = arg(a, ARG_OC);
  return <usize>K * <usize>OC + <usize>OC;
}

/** dW = the sum of the groups' partials, db likewise (if ARG_DB_WANTED), in group order; zeros for no groups. */
export function conv2dBackwardFinish(a: usize, groups: i32, partials: usize, db: usize): void {
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * arg(a, ARG_C);
  const OC = arg(a, ARG_OC);
  const dw = addr(a, ARG_DWEIGHTS);
  const per = partialFloats(a);
  if (dw != 0) {
    if (groups == 0) zeroFloats(dw, K * OC);
    else copyFloats(dw, partials, K * OC);
    for (let g = 1; g < groups; g++) addFloats(dw, partials + <usize>g * per * 4, K * OC);
  }
  if (db != 0) {
    const off = <usize>K * <usize>OC * 4;
    if (groups == 0) zeroFloats(db, OC);
    else copyFloats(db, partials + off, OC);
    for (let g = 1; g < groups; g++) addFloats(db, partials + <usize>g * per * 4 + off, OC);
  }
}

function backwardImages(a: usize, n0: i32, n1: i32, partial: usize, work: usize): void {
  const H = arg(a, ARG_H), W = arg(a, ARG_W), C = arg(a, ARG_C), OC = arg(a, ARG_OC);
  const K = arg(a, ARG_KH) * arg(a, ARG_KW) * C;
  const area = arg(a, ARG_OH) * arg(a, ARG_OW);
  const x = addr(a, ARG_X), w = addr(a, ARG_WEIGHTS), dy = addr(a, ARG_DZ), y = addr(a, ARG_Y);
  const dx = addr(a, ARG_DX), wantDw = addr(a, ARG_DWEIGHTS) != 0, wantDb = arg(a, ARG_DB_WANTED) != 0;
  const relu = arg(a, ARG_RELU) != 0;
  const direct = pointwise(a);
  const image = H * W * C;
  const dxImages = dx + <usize>n0 * <usize>image * 4;
  const r0 = n0 * area;
  const r1 = n1 * area;
  const dzBuf = align64(work);
  const col = align64(dzBuf + <usize>BWD_ROWS * <usize>OC * 4);
  const tmp = align64(col + <usize>BWD_ROWS * <usize>K * 4);
  const mm = align64(tmp + <usize>K * <usize>OC * 4);
  const pdw = partial;
  const pdb = partial + <usize>K * <usize>OC * 4;
  if (dx != 0 && !direct) zeroFloats(dxImages, (n1 - n0) * image);
  if (wantDw && r1 == r0) zeroFloats(pdw, K * OC);
  if (wantDb) zeroFloats(pdb, OC);
  for (let r = r0; r < r1; r += BWD_ROWS) {
    const rows = min(BWD_ROWS, r1 - r);
    let dz = dy + <usize>r * <usize>OC * 4;
    if (relu) {
      reluMask(dz, y + <usize>r * <usize>OC * 4, dzBuf, rows * OC);
      dz = dzBuf;
    }
    if (wantDb) addColumnSums(dz, pdb, rows, OC);
    if (wantDw) {
      const colBlock = direct ? x + <usize>r * <usize>C * 4 : col;
      if (!direct) im2col(a, col, r, rows, 0, K);
      // The group's first block writes its partial; later ones are added in block order.
      const target = r == r0 ? pdw : tmp;
      matMul(colBlock, dz, target, K, rows, OC, true, false, mm);
      if (r > r0) addFloats(pdw, tmp, K * OC);
    }
    if (dx != 0) {
      if (direct) {
        matMul(dz, w, dx + <usize>r * <usize>C * 4, rows, OC, C, false, true, mm);
      } else {
        matMul(dz, w, col, rows, OC, K, false, true, mm);
        col2im(a, col, r, rows);
      }
    }
  }
}

/** out[j] += sum over the rows of x[rows, n] (the bias gradient, accumulated block by block). */
function addColumnSums(x: usize, out: usize, rows: i32, n: i32): void {
  const ld = <usize>n * 4;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let s = v128.load(out + (<usize>j << 2));
    let p = x + (<usize>j << 2);
    for (let i = 0; i < rows; i++) {
      s = f32x4.add(s, v128.load(p));
      p += ld;
    }
    v128.store(out + (<usize>j << 2), s);
  }
  for (; j < n; j++) {
    let s = load<f32>(out + (<usize>j << 2));
    let p = x + (<usize>j << 2);
    for (let i = 0; i < rows; i++) {
      s += load<f32>(p);
      p += ld;
    }
    store<f32>(out + (<usize>j << 2), s);
  }
}
