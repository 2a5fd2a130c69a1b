// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs into nerva.wasm.
// Fast float32 kernels (matmul, fused dense forward, fused Adam) over caller-managed linear memory.
//
// Memory contract: the JS glue (../kernels.ts) lays out inputs, outputs and a workspace in linear
// memory above heapBase(), growing memory itself; nothing here allocates, so no runtime GC is needed
// (built with --runtime stub). All pointers are byte addresses, all sizes are element counts.
//
// matMul is a GotoBLAS/BLIS-style loop nest: for each k-block, B is packed into 8-column panels
// (kc x 8, zero-padded) and each MC-row block of A into MR-row micro-panels (kc x MR, zero-padded);
// a register-blocked MR x 8 micro-kernel keeps 2*MR f32x4 accumulators live. Packing absorbs the
// transposes, so all four transA/transB combinations run the same micro-kernel at the same speed.

/** Rows of the micro-kernel tile (MR x 8 outputs in 2*MR f32x4 accumulators). */
const MR: i32 = 4;
/** Columns of the micro-kernel tile (two f32x4). */
const NR: i32 = 8;
/** Largest k-block; blocks are evened out so that no tiny trailing block is left. */
const KC_MAX: i32 = 256;
/** Rows of A packed at once (a multiple of MR); an MC x KC block (128 KiB) stays in L2. */
const MC: i32 = 128;

/** First free byte after the module's static data: the JS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}

// a*b + c. With relaxed SIMD this is one instruction (fused on FMA hardware, so results may differ
// in the last bit between machines); the baseline build keeps the exact, unfused mul-then-add.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(c, f32x4.mul(a, b));
  }
}

function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** k-block length used for a given k: ceil(k / ceil(k / KC_MAX)), so 784 -> 4 blocks of 196. */
function kcFor(k: i32): i32 {
  const blocks = (k + KC_MAX - 1) / KC_MAX;
  return blocks == 0 ? 0 : (k + blocks - 1) / blocks;
}

/** Bytes of workspace matMul needs for these sizes (packed A block + packed B block + edge tile). */
export function matMulWorkspaceBytes(m: i32, k: i32, n: i32): usize {
  const kc = kcFor(k);
  const mcPad = roundUp(min(m, MC), MR);
  const nPad = roundUp(n, NR);
  return (<usize>(mcPad * kc) + <usize>(kc * nPad) + <usize>(MR * NR)) * 4 + 64;
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
// ap[ip][p][r] = op(A)[ic + ip*MR + r][pc + p], rows past mc are zero.
function packA(a: usize, ap: usize, m: i32, k: i32, ic: i32, mc: i32, pc: i32, kc: i32, transA: bool): void {
  const panels = (mc + MR - 1) / MR;
  for (let ip = 0; ip < panels; ip++) {
    const i0 = ic + ip * MR;
    const rows = min(MR, ic + mc - i0);
    const dst = ap + <usize>(ip * kc * MR) * 4;
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
          store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(s + rowStride * <usize>r) : 0);
        }
      }
    } else {
      // A is [k, m]: op(A)[i][p] = A[p*m + i], so the MR values for one p are contiguous.
      let s = a + (<usize>pc * <usize>m + <usize>i0) * 4;
      const stride = <usize>m * 4;
      let d = dst;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          s += stride;
          d += MR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) {
            store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(s + (<usize>r << 2)) : 0);
          }
          s += stride;
          d += MR * 4;
        }
      }
    }
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
  const mcPad = roundUp(min(m, MC), MR);
  const nPad = roundUp(n, NR);
  const ap = (work + 63) & ~(<usize>63);
  const bp = ap + <usize>(mcPad * kcMax) * 4;
  const tile = bp + <usize>(kcMax * nPad) * 4;
  // An untransposed, narrow B whose width is a whole number of panels is read in place (row
  // stride n) rather than packed: for the batch-32 Dense products the pack was a full extra pass
  // over the weights (measured +7% on [32x784]x[784x128]). Wide rows (n > 256, stride >= 2 KiB)
  // alias in the caches and ran 8% slower unpacked, so they are packed as before.
  const direct = !transB && n % NR == 0 && n <= 256;
  if (direct) {
    // Row blocks outermost: a block of C (MC x n, 128 KiB at most) stays in L2 while all of its
    // k-blocks add into it. With k-blocks outermost, large m (predict on thousands of samples)
    // streamed all of C through L3 once per k-block: 48 -> 38 GFLOP/s from m = 256 to m = 4096.
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      for (let pc = 0; pc < k; pc += kcMax) {
        const kc = min(kcMax, k - pc);
        packA(a, ap, m, k, ic, mc, pc, kc, transA);
        macroBlock(ap, b + <usize>pc * <usize>n * 4, <usize>n * 4, true, c, tile, ic, mc, kc, n, pc > 0);
      }
    }
    return;
  }
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = min(kcMax, k - pc);
    packB(b, bp, k, n, pc, kc, transB);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      packA(a, ap, m, k, ic, mc, pc, kc, transA);
      macroBlock(ap, bp, NR * 4, false, c, tile, ic, mc, kc, n, pc > 0);
    }
  }
}

// One packed A block (mc x kc) times one k-block of B (direct: rows of B at stride ldb; packed:
// kc x 8 panels) into rows [ic, ic + mc) of C, which it overwrites or, with accumulate, adds to.
function macroBlock(ap: usize, b: usize, ldb: usize, direct: bool, c: usize, tile: usize, ic: i32, mc: i32, kc: i32, n: i32, accumulate: bool): void {
  const ldc = <usize>n * 4;
  const panels = (n + NR - 1) / NR;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const cols = min(NR, n - j0);
    const bPanel = direct ? b + (<usize>j0 << 2) : b + <usize>(jp * kc * NR) * 4;
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const aPanel = ap + <usize>(ir * kc) * 4;
      const cTile = c + (<usize>(ic + ir) * <usize>n + <usize>j0) * 4;
      if (rows == MR && cols == NR) {
        kernel4x8(kc, aPanel, bPanel, ldb, cTile, ldc, accumulate);
      } else {
        // Edge tile: compute the full padded tile aside, then write only the valid part.
        kernel4x8(kc, aPanel, bPanel, ldb, tile, NR * 4, false);
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
    }
  }
}

/**
 * In place over c[m, n]: c = act(c + bias[n]); act 0 = linear, 1 = relu (max(x, 0), NaN stays NaN
 * like tf.nn.relu). bias may be 0 (no bias).
 */
export function biasAct(c: usize, bias: usize, m: i32, n: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  const ldc = <usize>n * 4;
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldc;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      let v = v128.load(row + off);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + off));
      // f32x4.max propagates NaN (a pmax-style compare-select would turn it into 0).
      if (relu) v = f32x4.max(v, zero);
      v128.store(row + off, v);
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      let v = load<f32>(row + off);
      if (bias != 0) v += load<f32>(bias + off);
      if (relu) v = max(v, <f32>0); // f32.max propagates NaN too
      store<f32>(row + off, v);
    }
  }
}

// x with the lanes below the normal float32 range (exponent bits 0: subnormals and -0) read as +0.
// The exponent mask is an argument: a constant would be rematerialized by V8 on every use.
// @ts-ignore: decorator
@inline function belowNormalAsZero(x: v128, expMask: v128): v128 {
  return v128.andnot(x, i32x4.eq(v128.and(x, expMask), i32x4.splat(0)));
}

// One Adam step on 4 floats at byte offset `off` (see adamUpdate).
// @ts-ignore: decorator
@inline function adam4(w: usize, g: usize, m: usize, v: usize, vb1: v128, vb2: v128, vlr: v128, veps: v128, expMask: v128): void {
  const gi = v128.load(g);
  let mi = belowNormalAsZero(v128.load(m), expMask);
  let vi = belowNormalAsZero(v128.load(v), expMask);
  mi = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), vb1));
  vi = f32x4.add(vi, f32x4.mul(f32x4.sub(f32x4.mul(gi, gi), vi), vb2));
  const step = f32x4.div(f32x4.mul(mi, vlr), f32x4.add(f32x4.sqrt(vi), veps));
  v128.store(w, f32x4.sub(v128.load(w), step));
  v128.store(m, mi);
  v128.store(v, vi);
}

/**
 * Keras 3 Adam step over `len` floats, in place on w, m, v (see ../kernels.ts for the formula):
 *   m += (g - m) * (1 - beta1);  v += (g*g - v) * (1 - beta2);  w -= m * lrT / (sqrt(v) + eps)
 * with m and v read as zero where they are below the normal float32 range, as TensorFlow runs
 * its CPU kernels (denormals-are-zero). Without it, the first moment of an input that stays zero
 * (MNIST's border pixels) decays into subnormals and stays there (m - 0.1*m rounds back to m),
 * and every later step takes the CPU's slow path for subnormal operands: +35 µs (+55%) on the
 * 784x128 kernel after two epochs. A weight never notices: such a moment moves it by less than
 * 1e-34. `expBits` is 0x7f800000 as float bits (the exponent mask). Two vectors per iteration:
 * V8 rematerializes some invariants per iteration, and this shares them (measured 78 -> 65 µs).
 */
export function adamUpdate(w: usize, g: usize, m: usize, v: usize, len: i32, lrT: f32, beta1: f32, beta2: f32, eps: f32, expBits: f32): void {
  const oneMinusB1 = <f32>1 - beta1;
  const oneMinusB2 = <f32>1 - beta2;
  const vb1 = f32x4.splat(oneMinusB1);
  const vb2 = f32x4.splat(oneMinusB2);
  const vlr = f32x4.splat(lrT);
  const veps = f32x4.splat(eps);
  const expMask = f32x4.splat(expBits);
  const scalarMask = reinterpret<i32>(expBits);
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const off = <usize>i << 2;
    adam4(w + off, g + off, m + off, v + off, vb1, vb2, vlr, veps, expMask);
    adam4(w + off + 16, g + off + 16, m + off + 16, v + off + 16, vb1, vb2, vlr, veps, expMask);
  }
  if (i + 4 <= len) {
    const off = <usize>i << 2;
    adam4(w + off, g + off, m + off, v + off, vb1, vb2, vlr, veps, expMask);
    i += 4;
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const gi = load<f32>(g + off);
    let mi = load<f32>(m + off);
    let vi = load<f32>(v + off);
    if ((reinterpret<i32>(mi) & scalarMask) == 0) mi = 0;
    if ((reinterpret<i32>(vi) & scalarMask) == 0) vi = 0;
    mi = mi + (gi - mi) * oneMinusB1;
    vi = vi + (gi * gi - vi) * oneMinusB2;
    store<f32>(w + off, load<f32>(w + off) - (mi * lrT) / (Mathf.sqrt(vi) + eps));
    store<f32>(m + off, mi);
    store<f32>(v + off, vi);
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

/** dz = dy * (y > 0 ? 1 : 0) over len floats: the relu gradient from the layer's output y. */
export function reluMask(dy: usize, y: usize, dz: usize, len: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    // A multiply, not a select: dy * 0 is NaN for dy = +-Inf or NaN, exactly as the JS rule computes it.
    const mask = v128.and(f32x4.gt(v128.load(y + off), zero), one);
    v128.store(dz + off, f32x4.mul(v128.load(dy + off), mask));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    store<f32>(dz + off, load<f32>(dy + off) * (load<f32>(y + off) > 0 ? <f32>1 : <f32>0));
  }
}

/** out[j] = sum over i of x[i, j] for x [m, n], summed in row order (the bias gradient). */
export function columnSums(x: usize, out: usize, m: i32, n: i32): void {
  const ldx = <usize>n * 4;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let s = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      s = f32x4.add(s, v128.load(p));
      p += ldx;
    }
    v128.store(out + (<usize>j << 2), s);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    let p = x + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      s += load<f32>(p);
      p += ldx;
    }
    store<f32>(out + (<usize>j << 2), s);
  }
}

/**
 * Keras 3 SGD step over `len` floats, in place: without momentum (m = 0) w -= lr*g; with it
 *   m = m*momentum - g*lr;  w += nesterov ? m*momentum - g*lr : m
 * The momentum is read as zero below the normal float32 range, as in adamUpdate (without a
 * gradient it decays into subnormals, where m*momentum can round back to m). `expBits` as there.
 */
export function sgdUpdate(w: usize, g: usize, m: usize, len: i32, lr: f32, momentum: f32, nesterov: bool, expBits: f32): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(momentum);
  const expMask = f32x4.splat(expBits);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const step = f32x4.mul(v128.load(g + off), vlr);
    const wi = v128.load(w + off);
    if (m == 0) {
      v128.store(w + off, f32x4.sub(wi, step));
    } else {
      const mi = f32x4.sub(f32x4.mul(belowNormalAsZero(v128.load(m + off), expMask), vmu), step);
      v128.store(m + off, mi);
      v128.store(w + off, f32x4.add(wi, nesterov ? f32x4.sub(f32x4.mul(mi, vmu), step) : mi));
    }
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const step = load<f32>(g + off) * lr;
    const wi = load<f32>(w + off);
    if (m == 0) {
      store<f32>(w + off, wi - step);
    } else {
      let mi = load<f32>(m + off);
      if ((reinterpret<i32>(mi) & reinterpret<i32>(expBits)) == 0) mi = 0;
      mi = mi * momentum - step;
      store<f32>(m + off, mi);
      store<f32>(w + off, wi + (nesterov ? mi * momentum - step : mi));
    }
  }
}

// e^z for z <= 0 (softmax's x - rowMax), Cephes' expf: z = n ln2 + r with |r| <= ln2/2, e^r by a
// degree-7 polynomial, times 2^n built in the exponent bits (relative error ~1e-7 near 0, ~4e-6
// near -87, where float32 rounding of z itself dominates). Below -87 the
// result would be subnormal: 0 (the JS reference gives values under 1.2e-38 there). NaN stays NaN
// (the compares are false for it, and max/arithmetic propagate it).
// @ts-ignore: decorator
@inline function expNonPositive(z: v128): v128 {
  const zc = f32x4.max(z, f32x4.splat(-87));
  const n = f32x4.nearest(f32x4.mul(zc, f32x4.splat(1.44269504088896341)));
  const r = f32x4.sub(f32x4.sub(zc, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const e = f32x4.mul(y, scale);
  return v128.andnot(e, f32x4.lt(z, f32x4.splat(-87)));
}

/**
 * Softmax over each row of x[rows, cols] into out (which may be x): out = e / sum(e) with
 * e = exp(x - rowMax). A NaN in a row, or a +Infinity, makes the row NaN, as in the JS reference.
 */
export function softmaxRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const ld = <usize>cols * 4;
  for (let i = 0; i < rows; i++) {
    const xr = x + <usize>i * ld;
    const or = out + <usize>i * ld;
    // Row max, NaN-propagating (f32x4.max and f32.max both return NaN for a NaN operand).
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j + 4 <= cols; j += 4) mv = f32x4.max(mv, v128.load(xr + (<usize>j << 2)));
    let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < cols; j++) m = max(m, load<f32>(xr + (<usize>j << 2)));
    const ms = f32x4.splat(m);
    let sv = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const e = expNonPositive(f32x4.sub(v128.load(xr + (<usize>j << 2)), ms));
      v128.store(or + (<usize>j << 2), e);
      sv = f32x4.add(sv, e);
    }
    const tail = cols - j;
    if (tail > 0) {
      // The last 1-3 values in one vector, the other lanes -Infinity (e = 0, nothing added).
      const at = xr + (<usize>j << 2);
      let v = f32x4.replace_lane(f32x4.splat(-Infinity), 0, load<f32>(at));
      if (tail > 1) v = f32x4.replace_lane(v, 1, load<f32>(at, 4));
      if (tail > 2) v = f32x4.replace_lane(v, 2, load<f32>(at, 8));
      const e = expNonPositive(f32x4.sub(v, ms));
      const ot = or + (<usize>j << 2);
      store<f32>(ot, f32x4.extract_lane(e, 0));
      if (tail > 1) store<f32>(ot, f32x4.extract_lane(e, 1), 4);
      if (tail > 2) store<f32>(ot, f32x4.extract_lane(e, 2), 8);
      sv = f32x4.add(sv, e);
    }
    const s = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
    const sd = f32x4.splat(s);
    j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(or + (<usize>j << 2), f32x4.div(v128.load(or + (<usize>j << 2)), sd));
    for (; j < cols; j++) store<f32>(or + (<usize>j << 2), load<f32>(or + (<usize>j << 2)) / s);
  }
}

// Convolution, pooling and batch-normalization kernels live in their own files.
export * from './conv';
export * from './pool';
export * from './batchnorm';
