// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs into nerva.wasm.
// Fast float32 kernels (matmul, fused dense forward, fused Adam) over caller-managed linear memory:
// the module's entry; the matrix products live in ./matmul.ts and ./matmul-sparse.ts.
//
// Memory contract: the JS glue (../kernels.ts) lays out inputs, outputs and a workspace in linear
// memory above heapBase(), growing memory itself; nothing here allocates, so no runtime GC is needed
// (built with --runtime stub). All pointers are byte addresses, all sizes are element counts.

export { matMul, matMulWorkspaceBytes, matMulSmallM } from './matmul';
export { matMulSparseA } from './matmul-sparse';

/** First free byte after the module's static data: the JS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
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
