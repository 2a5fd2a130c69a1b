// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs with ./index.ts.
// Dense float32 matrix products: matMul and the unpacked small-m product (single-sample predict).
//
// matMul is a GotoBLAS/BLIS-style loop nest: for each k-block, B is packed into 8-column panels
// (kc x 8, zero-padded) and each MC-row block of A into MR-row micro-panels (kc x MR, zero-padded);
// a register-blocked MR x 8 micro-kernel keeps 2*MR f32x4 accumulators live. Packing absorbs the
// transposes, so all four transA/transB combinations run the same micro-kernel at the same speed.

/** Rows of the micro-kernel tile (MR x 8 outputs in 2*MR f32x4 accumulators). */
export const MR: i32 = 4;
/** Columns of the micro-kernel tile (two f32x4). */
export const NR: i32 = 8;
/** Largest k-block; blocks are evened out so that no tiny trailing block is left. */
const KC_MAX: i32 = 256;
/** Rows of A packed at once (a multiple of MR); an MC x KC block (128 KiB) stays in L2. */
export const MC: i32 = 128;

// a*b + c. With relaxed SIMD this is one instruction (fused on FMA hardware, so results may differ
// in the last bit between machines); the baseline build keeps the exact, unfused mul-then-add.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(c, f32x4.mul(a, b));
  }
}

export function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** k-block length used for a given k: ceil(k / ceil(k / KC_MAX)), so 784 -> 4 blocks of 196. */
export function kcFor(k: i32): i32 {
  const blocks = (k + KC_MAX - 1) / KC_MAX;
  return blocks == 0 ? 0 : (k + blocks - 1) / blocks;
}

/**
 * Bytes of workspace matMul and matMulSparseA need for these sizes: packed A block, packed B block,
 * edge tile, one flag per A micro-panel, two i32 per column of A (matMulSparseA's lists) and one
 * per k-block (whether that block of B is finite).
 */
export function matMulWorkspaceBytes(m: i32, k: i32, n: i32): usize {
  const kc = kcFor(k);
  const mcPad = roundUp(min(m, MC), MR);
  const nPad = roundUp(n, NR);
  return (<usize>(mcPad * kc) + <usize>(kc * nPad) + <usize>(MR * NR) + <usize>(mcPad / MR) + <usize>k * 2 + <usize>(k / KC_MAX + 2)) * 4 + 64;
}

// Where the parts of matMul's workspace start (in the order of matMulWorkspaceBytes): nothing
// here allocates, so these are plain offsets from the 64-byte aligned start.
// @ts-ignore: decorator
@inline export function wsPackedA(work: usize): usize {
  return (work + 63) & ~(<usize>63);
}
// @ts-ignore: decorator
@inline function wsPackedB(work: usize, m: i32, k: i32): usize {
  return wsPackedA(work) + <usize>(roundUp(min(m, MC), MR) * kcFor(k)) * 4;
}
// @ts-ignore: decorator
@inline export function wsTile(work: usize, m: i32, k: i32, n: i32): usize {
  return wsPackedB(work, m, k) + <usize>(kcFor(k) * roundUp(n, NR)) * 4;
}
// @ts-ignore: decorator
@inline export function wsFlags(work: usize, m: i32, k: i32, n: i32): usize {
  return wsTile(work, m, k, n) + <usize>(MR * NR) * 4;
}
// @ts-ignore: decorator
@inline export function wsList(work: usize, m: i32, k: i32, n: i32): usize {
  return wsFlags(work, m, k, n) + <usize>(roundUp(min(m, MC), MR) / MR) * 4;
}
// One i32 per k-block: -1 unknown, 0 or 1 whether B's rows of that block are all finite. Set to
// unknown at the start of a product (resetBlockStates); filled at the first all-zero micro-panel.
// @ts-ignore: decorator
@inline export function wsBlockStates(work: usize, m: i32, k: i32, n: i32): usize {
  return wsList(work, m, k, n) + <usize>k * 8;
}
export function resetBlockStates(states: usize, k: i32): void {
  const blocks = k / kcFor(k) + 1;
  for (let i = 0; i < blocks; i++) store<i32>(states + (<usize>i << 2), -1);
}

// Packs rows [pc, pc+kc) of op(B) into 8-wide panels: bp[jp][p][0..8] = op(B)[pc+p][jp*8 + 0..8].
function packB(b: usize, bp: usize, k: i32, n: i32, pc: i32, kc: i32, transB: bool): void {
  const panels = (n + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const cols = min(NR, n - j0);
    let dst = bp + <usize>(jp * kc * NR) * 4;
    if (!transB) {
      // B is [k, n]: each panel row is 8 contiguous floats.
      let src = b + (<usize>pc * <usize>n + <usize>j0) * 4;
      const stride = <usize>n * 4;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += stride;
          dst += NR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let jj = 0; jj < NR; jj++) {
            store<f32>(dst + (<usize>jj << 2), jj < cols ? load<f32>(src + (<usize>jj << 2)) : 0);
          }
          src += stride;
          dst += NR * 4;
        }
      }
    } else {
      // B is [n, k]: op(B)[p][j] = B[j*k + p]. Gather 8 rows x 4 k at a time with two 4x4
      // transposes so the pack stays cheap next to the m*n*k compute even for small m.
      const rowStride = <usize>k * 4;
      const src0 = b + (<usize>j0 * <usize>k + <usize>pc) * 4;
      let p = 0;
      if (cols == NR) {
        for (; p + 4 <= kc; p += 4) {
          const s = src0 + (<usize>p << 2);
          const r0 = v128.load(s);
          const r1 = v128.load(s + rowStride);
          const r2 = v128.load(s + rowStride * 2);
          const r3 = v128.load(s + rowStride * 3);
          const r4 = v128.load(s + rowStride * 4);
          const r5 = v128.load(s + rowStride * 5);
          const r6 = v128.load(s + rowStride * 6);
          const r7 = v128.load(s + rowStride * 7);
          const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
          const t1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const t2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
          const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
          const u0 = f32x4.shuffle(r4, r5, 0, 4, 1, 5);
          const u1 = f32x4.shuffle(r6, r7, 0, 4, 1, 5);
          const u2 = f32x4.shuffle(r4, r5, 2, 6, 3, 7);
          const u3 = f32x4.shuffle(r6, r7, 2, 6, 3, 7);
          const d = dst + <usize>(p * NR) * 4;
          v128.store(d, f32x4.shuffle(t0, t1, 0, 1, 4, 5), 0);
          v128.store(d, f32x4.shuffle(u0, u1, 0, 1, 4, 5), 16);
          v128.store(d, f32x4.shuffle(t0, t1, 2, 3, 6, 7), 32);
          v128.store(d, f32x4.shuffle(u0, u1, 2, 3, 6, 7), 48);
          v128.store(d, f32x4.shuffle(t2, t3, 0, 1, 4, 5), 64);
          v128.store(d, f32x4.shuffle(u2, u3, 0, 1, 4, 5), 80);
          v128.store(d, f32x4.shuffle(t2, t3, 2, 3, 6, 7), 96);
          v128.store(d, f32x4.shuffle(u2, u3, 2, 3, 6, 7), 112);
        }
      }
      for (; p < kc; p++) {
        const d = dst + <usize>(p * NR) * 4;
        const s = src0 + (<usize>p << 2);
        for (let jj = 0; jj < NR; jj++) {
          store<f32>(d + (<usize>jj << 2), jj < cols ? load<f32>(s + rowStride * <usize>jj) : 0);
        }
      }
    }
  }
}

// Packs rows [ic, ic+mc) x cols [pc, pc+kc) of op(A) into MR-row micro-panels:
// ap[ip][p][r] = op(A)[ic + ip*MR + r][pc + p], rows past mc are zero. With flags (i32 per
// micro-panel), flags[ip] = 0 when micro-panel ip is all +0, else 1 (-0 counts as nonzero).
function packA(a: usize, ap: usize, m: i32, k: i32, ic: i32, mc: i32, pc: i32, kc: i32, transA: bool, flags: usize): void {
  const panels = (mc + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const i0 = ic + ip * MR;
    const rows = min(MR, ic + mc - i0);
    const dst = ap + <usize>(ip * kc * MR) * 4;
    // The OR of every value's bits, for flags: zero iff the micro-panel is all +0.
    let acc = i32x4.splat(0);
    let bits = 0;
    if (!transA) {
      // A is [m, k]: full panels transpose 4 rows x 4 k at a time (this path assumes MR == 4);
      // edge panels and the k tail go element by element.
      const rowStride = <usize>k * 4;
      const src = a + (<usize>i0 * <usize>k + <usize>pc) * 4;
      let p = 0;
      if (rows == MR) {
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          const r0 = v128.load(s);
          const r1 = v128.load(s + rowStride);
          const r2 = v128.load(s + rowStride * 2);
          const r3 = v128.load(s + rowStride * 3);
          acc = v128.or(acc, v128.or(v128.or(r0, r1), v128.or(r2, r3)));
          const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
          const t1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const t2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
          const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
          const d = dst + <usize>(p * MR) * 4;
          v128.store(d, f32x4.shuffle(t0, t1, 0, 1, 4, 5), 0);
          v128.store(d, f32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
          v128.store(d, f32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
          v128.store(d, f32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
        }
      }
      for (; p < kc; p++) {
        const d = dst + <usize>(p * MR) * 4;
        const s = src + (<usize>p << 2);
        for (let r = 0; r < MR; r++) {
          const v = r < rows ? load<f32>(s + rowStride * <usize>r) : 0;
          bits |= reinterpret<i32>(v);
          store<f32>(d + (<usize>r << 2), v);
        }
      }
    } else {
      // A is [k, m]: op(A)[i][p] = A[p*m + i], so the MR values for one p are contiguous.
      let s = a + (<usize>pc * <usize>m + <usize>i0) * 4;
      const stride = <usize>m * 4;
      let d = dst;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) {
          const v = v128.load(s);
          acc = v128.or(acc, v);
          v128.store(d, v);
          s += stride;
          d += MR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) {
            const v = r < rows ? load<f32>(s + (<usize>r << 2)) : 0;
            bits |= reinterpret<i32>(v);
            store<f32>(d + (<usize>r << 2), v);
          }
          s += stride;
          d += MR * 4;
        }
      }
    }
    if (flags != 0) store<i32>(flags + (<usize>ip << 2), v128.any_true(acc) || bits != 0 ? 1 : 0);
  }
}

// The MR x 8 register tile: c[r][0..8] (=|+=) sum_p ap[p][r] * bp[p][0..8]; ldc in bytes.
// Register budget: V8 (TurboFan) has 15 usable xmm registers and schedules all of a loop body's
// loads first, so one k step holds 8 accumulators + 2 B + 4 broadcasts + 1 product temp = 15.
// A 6 x 8 tile, or unrolling k by 2 (which binaryen folds into one expression), spilled accumulators
// to the stack on every step and ran ~25% slower. Inlined into macroBlock: V8 does not inline wasm
// calls, and with short k (the dW product x^T dz has k = batch = 32) the call and the accumulator
// setup cost a tenth of the tile (measured, relaxed build: 44 -> 50 GFLOP/s on [784x32]x[32x128]).
// @ts-ignore: decorator
@inline function kernel4x8(kc: i32, ap: usize, bp: usize, ldb: usize, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = ap + <usize>(kc * MR) * 4;
  while (ap < end) {
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
    bp += ldb;
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
 * c[m, n] = op(a) x op(b), row-major; op(a) is [m, k] (a stored [k, m] if transA), op(b) is
 * [k, n] (b stored [n, k] if transB). work must hold matMulWorkspaceBytes(m, k, n) bytes.
 */
export function matMul(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, transB: bool, work: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    memory.fill(c, 0, <usize>m * <usize>n * 4);
    return;
  }
  const kcMax = kcFor(k);
  const ap = wsPackedA(work);
  const bp = wsPackedB(work, m, k);
  const tile = wsTile(work, m, k, n);
  // An untransposed, narrow B whose width is a whole number of panels is read in place (row
  // stride n) rather than packed: for the batch-32 Dense products the pack was a full extra pass
  // over the weights (measured +7% on [32x784]x[784x128]). Wide rows (n > 256, stride >= 2 KiB)
  // alias in the caches and ran 8% slower unpacked, so they are packed as before.
  if (isDirect(n, transB)) {
    // Row blocks outermost: a block of C (MC x n, 128 KiB at most) stays in L2 while all of its
    // k-blocks add into it. With k-blocks outermost, large m (predict on thousands of samples)
    // streamed all of C through L3 once per k-block: 48 -> 38 GFLOP/s from m = 256 to m = 4096.
    const flags = wsFlags(work, m, k, n);
    const states = wsBlockStates(work, m, k, n);
    resetBlockStates(states, k);
    for (let ic = 0; ic < m; ic += MC) directRowBlock(a, b, c, m, k, n, transA, ic, min(MC, m - ic), kcMax, ap, tile, flags, states);
    return;
  }
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = min(kcMax, k - pc);
    packB(b, bp, k, n, pc, kc, transB);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      packA(a, ap, m, k, ic, mc, pc, kc, transA, 0);
      macroBlock(ap, bp, NR * 4, false, c, tile, ic, mc, kc, n, pc > 0, 0, 0);
    }
  }
}

// @ts-ignore: decorator
@inline export function isDirect(n: i32, transB: bool): bool {
  return !transB && n % NR == 0 && n <= 256;
}

// Rows [ic, ic + mc) of C on the direct path, every k-block in turn. Micro-panels of A that are all
// zero in a k-block (4 rows of op(A) without a nonzero value there) are flagged and their tiles
// skipped: in x^T dz, the weight gradient of a Dense layer, those are the inputs that are zero in
// the whole batch (MNIST's border pixels: a third of the panels at batch 32).
export function directRowBlock(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, ic: i32, mc: i32, kcMax: i32, ap: usize, tile: usize, flags: usize, states: usize): void {
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = min(kcMax, k - pc);
    packA(a, ap, m, k, ic, mc, pc, kc, transA, flags);
    macroBlock(ap, b + <usize>pc * <usize>n * 4, <usize>n * 4, true, c, tile, ic, mc, kc, n, pc > 0, flags, states + (<usize>(pc / kcMax) << 2));
  }
}

// True when every value of rows x cols floats at p (row stride ld bytes) is finite. 0 * x is 0
// for finite x and NaN otherwise: a zero operand may only be skipped where the other is finite,
// or a NaN or infinite weight would stop propagating as it does through the JS reference.
export function allFinite(p: usize, rows: i32, cols: i32, ld: usize): bool {
  const zero = f32x4.splat(0);
  let acc = zero;
  let s: f32 = 0;
  for (let r = 0; r < rows; r++) {
    const row = p + <usize>r * ld;
    let j = 0;
    for (; j + 4 <= cols; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(row + (<usize>j << 2)), zero));
    for (; j < cols; j++) s += load<f32>(row + (<usize>j << 2)) * 0;
  }
  return !v128.any_true(f32x4.ne(acc, acc)) && s == s;
}

// One packed A block (mc x kc) times one k-block of B (direct: rows of B at stride ldb; packed:
// kc x 8 panels) into rows [ic, ic + mc) of C, which it overwrites or, with accumulate, adds to.
// With flags (direct path only), a tile of an all-zero A micro-panel is not computed: it would
// come out +0 when B is finite (checked once per k-block, at its first such panel; the answer is
// kept at `state`), so it is written as zeros or, when accumulating, left as it is. Same results,
// to the bit, but for the sign of a zero.
function macroBlock(ap: usize, b: usize, ldb: usize, direct: bool, c: usize, tile: usize, ic: i32, mc: i32, kc: i32, n: i32, accumulate: bool, flags: usize, state: usize): void {
  const ldc = <usize>n * 4;
  const panels = (n + NR - 1) / NR;
  // -1: B not checked yet; 1: finite, zero panels skipped; 0: not finite, everything computed.
  let skipZero = flags != 0 ? load<i32>(state) : 0;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const cols = min(NR, n - j0);
    const bPanel = direct ? b + (<usize>j0 << 2) : b + <usize>(jp * kc * NR) * 4;
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const cTile = c + (<usize>(ic + ir) * <usize>n + <usize>j0) * 4;
      if (skipZero != 0 && load<i32>(flags + (<usize>(ir / MR) << 2)) == 0) {
        if (skipZero < 0) {
          skipZero = allFinite(b, kc, n, ldb) ? 1 : 0;
          store<i32>(state, skipZero);
        }
        if (skipZero > 0) {
          if (!accumulate) zeroTile(cTile, ldc, rows, cols);
          continue;
        }
      }
      const aPanel = ap + <usize>(ir * kc) * 4;
      if (rows == MR && cols == NR) {
        kernel4x8(kc, aPanel, bPanel, ldb, cTile, ldc, accumulate);
      } else {
        // Edge tile: compute the full padded tile aside, then write only the valid part.
        kernel4x8(kc, aPanel, bPanel, ldb, tile, NR * 4, false);
        storeEdgeTile(tile, cTile, ldc, rows, cols, accumulate);
      }
    }
  }
}

// Zeros rows x cols (at most MR x NR) of C at cTile (stores, not memory.fill: V8 runs that out of line).
function zeroTile(cTile: usize, ldc: usize, rows: i32, cols: i32): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const cr = cTile + <usize>r * ldc;
    if (cols == NR) {
      v128.store(cr, zero);
      v128.store(cr, zero, 16);
    } else {
      for (let jj = 0; jj < cols; jj++) store<f32>(cr + (<usize>jj << 2), 0);
    }
  }
}

// Writes (or adds) the valid rows x cols of a padded MR x NR tile into C.
export function storeEdgeTile(tile: usize, cTile: usize, ldc: usize, rows: i32, cols: i32, accumulate: bool): void {
  for (let r = 0; r < rows; r++) {
    const cr = cTile + <usize>r * ldc;
    const tr = tile + <usize>(r * NR) * 4;
    for (let jj = 0; jj < cols; jj++) {
      const off = <usize>jj << 2;
      const v = load<f32>(tr + off);
      store<f32>(cr + off, accumulate ? load<f32>(cr + off) + v : v);
    }
  }
}

/**
 * c[m, n] = a[m, k] x b[k, n], row-major, no transposes, for small m (single-sample predict): reads
 * a and b where they are instead of packing them. Packing b costs as much as the whole product when
 * m is 1, and b (a Dense kernel) is read once per row straight from cache. Each row runs in 16-column
 * strips (four f32x4 accumulators over the whole k, so every output is one in-order sum).
 */
export function matMulSmallM(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const ldb = <usize>n * 4;
  for (let i = 0; i < m; i++) {
    const arow = a + <usize>i * <usize>k * 4;
    const crow = c + <usize>i * ldb;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const av = v128.load32_splat(arow + (<usize>p << 2));
        c0 = madd(av, v128.load(bp), c0);
        c1 = madd(av, v128.load(bp, 16), c1);
        c2 = madd(av, v128.load(bp, 32), c2);
        c3 = madd(av, v128.load(bp, 48), c3);
        bp += ldb;
      }
      const cp = crow + (<usize>j << 2);
      v128.store(cp, c0);
      v128.store(cp, c1, 16);
      v128.store(cp, c2, 32);
      v128.store(cp, c3, 48);
    }
    for (; j + 4 <= n; j += 4) {
      let c0 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        c0 = madd(v128.load32_splat(arow + (<usize>p << 2)), v128.load(bp), c0);
        bp += ldb;
      }
      v128.store(crow + (<usize>j << 2), c0);
    }
    for (; j < n; j++) {
      let s: f32 = 0;
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        s = scalarMadd(load<f32>(arow + (<usize>p << 2)), load<f32>(bp), s);
        bp += ldb;
      }
      store<f32>(crow + (<usize>j << 2), s);
    }
  }
}

// The scalar tail of matMulSmallM must round like its SIMD lanes: fused in the relaxed build (where
// V8 lowers relaxed_madd to an FMA on FMA hardware), unfused otherwise.
// @ts-ignore: decorator
@inline function scalarMadd(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  } else {
    return c + a * b;
  }
}
