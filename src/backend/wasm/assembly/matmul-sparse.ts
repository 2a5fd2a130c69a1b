// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs with ./index.ts.
// matMul without the columns of A that are zero in every row (a Dense layer's sparse input), with
// matMul's own blocking and micro-kernel, so that its results are matMul's to the bit.
import {
  MR, NR, MC, madd, kcFor, wsPackedA, wsTile, wsFlags, wsList, wsBlockStates, resetBlockStates, isDirect, matMul, directRowBlock, allFinite, storeEdgeTile,
} from './matmul';

// The 4 x 8 tile of kernel4x8 over a list of rows of B: the p-th step reads B at b + offs[p]
// (byte offsets, so a row index list becomes row addresses) instead of at a fixed stride.
// @ts-ignore: decorator
@inline function kernel4x8Rows(kc: i32, ap: usize, b: usize, offs: usize, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = ap + <usize>(kc * MR) * 4;
  while (ap < end) {
    const bp = b + <usize>load<i32>(offs);
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += MR * 4;
    offs += 4;
  }
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16)); c += ldc;
    c10 = f32x4.add(c10, v128.load(c)); c11 = f32x4.add(c11, v128.load(c, 16)); c += ldc;
    c20 = f32x4.add(c20, v128.load(c)); c21 = f32x4.add(c21, v128.load(c, 16)); c += ldc;
    c30 = f32x4.add(c30, v128.load(c)); c31 = f32x4.add(c31, v128.load(c, 16));
    c -= ldc * 3;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}

/**
 * c[m, n] = a[m, k] x b[k, n], untransposed, as matMul computes it (same k-blocks, same order of
 * terms, so the same results to the bit but for the sign of a zero), without the columns of a that
 * are zero in every row of a row block: their terms add nothing. A Dense layer's input often has
 * such columns: at batch 32, 327 of MNIST's 784 pixels are zero in every image of the batch. Takes
 * B (the weights) in place as matMul's direct path does; other shapes, blocks with fewer than an
 * eighth of their columns zero, and blocks whose skipped rows of b are not all finite (0 * Inf is
 * NaN) go through matMul's own path. work must hold matMulWorkspaceBytes(m, k, n) bytes.
 */
export function matMulSparseA(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, work: usize): void {
  if (m <= 0 || n <= 0 || k <= 0 || !isDirect(n, false)) {
    matMul(a, b, c, m, k, n, false, false, work);
    return;
  }
  const kcMax = kcFor(k);
  const ap = wsPackedA(work);
  const tile = wsTile(work, m, k, n);
  const flags = wsFlags(work, m, k, n);
  const list = wsList(work, m, k, n);
  const offs = list + <usize>k * 4;
  const states = wsBlockStates(work, m, k, n);
  resetBlockStates(states, k);
  const ldb = <usize>n * 4;
  // Worth it from an eighth of the columns (at least one) skipped.
  const enough = k - max(1, k / 8);
  for (let ic = 0; ic < m; ic += MC) {
    const mc = min(MC, m - ic);
    // Dense data has no zero column in its first rows already: a scan of 4 rows decides.
    const count = nonzeroColumns(a, k, ic, min(MR, mc), 0) > enough ? k : nonzeroColumns(a, k, ic, mc, list);
    if (count > enough || !skippedRowsFinite(b, k, n, list, count)) {
      directRowBlock(a, b, c, m, k, n, false, ic, mc, kcMax, ap, tile, flags, states);
      continue;
    }
    for (let p = 0; p < count; p++) {
      const at = <usize>p << 2;
      store<i32>(offs + at, load<i32>(list + at) * <i32>ldb);
    }
    // The k-blocks of the dense product, each with its own nonzero columns (list is sorted).
    let s = 0;
    let written = false;
    for (let pc = 0; pc < k; pc += kcMax) {
      const end = pc + min(kcMax, k - pc);
      let e = s;
      while (e < count && load<i32>(list + (<usize>e << 2)) < end) e++;
      if (e > s) {
        packAColumns(a, ap, k, ic, mc, list + (<usize>s << 2), e - s);
        macroBlockRows(ap, b, offs + (<usize>s << 2), c, tile, ic, mc, e - s, n, written);
        written = true;
      }
      s = e;
    }
    // No nonzero column at all: the product of these rows is zero.
    if (!written) memory.fill(c + <usize>ic * ldb, 0, <usize>mc * ldb);
  }
}

// Indices of the columns of rows [ic, ic + mc) of a [., k] that hold a nonzero bit pattern (-0
// counts) in some row, in increasing order, into list (i32; 0: only count them); returns how many.
function nonzeroColumns(a: usize, k: i32, ic: i32, mc: i32, list: usize): i32 {
  const lda = <usize>k * 4;
  const first = a + <usize>ic * lda;
  let count = 0;
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    let acc = i32x4.splat(0);
    let p = first + (<usize>j << 2);
    for (let r = 0; r < mc; r++) {
      acc = v128.or(acc, v128.load(p));
      p += lda;
    }
    const bits = i32x4.bitmask(i32x4.ne(acc, i32x4.splat(0)));
    if (list == 0) {
      count += popcnt(bits);
    } else {
      for (let q = 0; q < 4; q++) {
        if ((bits >> q) & 1) {
          store<i32>(list + (<usize>count << 2), j + q);
          count++;
        }
      }
    }
  }
  for (; j < k; j++) {
    let acc = 0;
    let p = first + (<usize>j << 2);
    for (let r = 0; r < mc; r++) {
      acc |= load<i32>(p);
      p += lda;
    }
    if (acc != 0) {
      if (list != 0) store<i32>(list + (<usize>count << 2), j);
      count++;
    }
  }
  return count;
}

// True when the rows of b [k, n] not in list (sorted, count entries) are all finite.
function skippedRowsFinite(b: usize, k: i32, n: i32, list: usize, count: i32): bool {
  const ldb = <usize>n * 4;
  let next = 0;
  let from = 0;
  // Runs of skipped rows between listed ones, each checked as one block.
  while (from < k) {
    const to = next < count ? load<i32>(list + (<usize>next << 2)) : k;
    if (to > from && !allFinite(b + <usize>from * ldb, to - from, n, ldb)) return false;
    from = to + 1;
    next++;
  }
  return true;
}

// Packs rows [ic, ic + mc) of a [., k] at the kc columns listed (i32) into MR-row micro-panels:
// ap[ip][p][r] = a[ic + ip*MR + r][cols[p]], rows past mc zero.
function packAColumns(a: usize, ap: usize, k: i32, ic: i32, mc: i32, cols: usize, kc: i32): void {
  const lda = <usize>k * 4;
  const panels = (mc + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const i0 = ic + ip * MR;
    const rows = min(MR, ic + mc - i0);
    const src = a + <usize>i0 * lda;
    let d = ap + <usize>(ip * kc * MR) * 4;
    let cp = cols;
    const end = cols + (<usize>kc << 2);
    if (rows == MR) {
      for (; cp < end; cp += 4) {
        const s = src + (<usize>load<i32>(cp) << 2);
        store<f32>(d, load<f32>(s));
        store<f32>(d, load<f32>(s + lda), 4);
        store<f32>(d, load<f32>(s + lda * 2), 8);
        store<f32>(d, load<f32>(s + lda * 3), 12);
        d += MR * 4;
      }
    } else {
      for (; cp < end; cp += 4) {
        const s = src + (<usize>load<i32>(cp) << 2);
        for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(s + lda * <usize>r) : 0);
        d += MR * 4;
      }
    }
  }
}

// macroBlock's direct path over a list of rows of B (byte offsets in offs, one per packed k step).
function macroBlockRows(ap: usize, b: usize, offs: usize, c: usize, tile: usize, ic: i32, mc: i32, kc: i32, n: i32, accumulate: bool): void {
  const ldc = <usize>n * 4;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const bCol = b + (<usize>j0 << 2);
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const aPanel = ap + <usize>(ir * kc) * 4;
      const cTile = c + (<usize>(ic + ir) * <usize>n + <usize>j0) * 4;
      if (rows == MR) {
        kernel4x8Rows(kc, aPanel, bCol, offs, cTile, ldc, accumulate);
      } else {
        kernel4x8Rows(kc, aPanel, bCol, offs, tile, NR * 4, false);
        storeEdgeTile(tile, cTile, ldc, rows, NR, accumulate);
      }
    }
  }
}
