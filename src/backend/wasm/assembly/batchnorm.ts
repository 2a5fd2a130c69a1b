// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs with ./index.ts.
// Batch normalization over x seen as [rows, C] (channels last), the formulas of the JS reference
// (../../js/batchnorm.ts). Per-channel sums over many rows are accumulated in float64 (f64x2), so
// the statistics of a large batch do not lose digits to float32 rounding.

/** Adds the four floats at src, widened, to the four doubles at acc. */
// @ts-ignore: decorator
@inline function accumulate4(acc: usize, v: v128): void {
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)));
  v128.store(acc, f64x2.add(v128.load(acc, 16), f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
}

/**
 * mean[c] and the biased variance[c] of x [rows, C], two passes (sum, then squared deviations);
 * work holds 2*C doubles.
 */
export function batchNormStats(x: usize, mean: usize, variance: usize, rows: i32, C: i32, work: usize): void {
  const sum = work;
  const sq = work + <usize>C * 8;
  memory.fill(work, 0, <usize>C * 16);
  const ld = <usize>C * 4;
  let row = x;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 4 <= C; c += 4) accumulate4(sum + (<usize>c << 3), v128.load(row + (<usize>c << 2)));
    for (; c < C; c++) {
      const s = sum + (<usize>c << 3);
      store<f64>(s, load<f64>(s) + <f64>load<f32>(row + (<usize>c << 2)));
    }
    row += ld;
  }
  const inv: f64 = 1.0 / <f64>rows;
  for (let c = 0; c < C; c++) store<f64>(sum + (<usize>c << 3), load<f64>(sum + (<usize>c << 3)) * inv);
  row = x;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const d = <f64>load<f32>(row + (<usize>c << 2)) - load<f64>(sum + (<usize>c << 3));
      const s = sq + (<usize>c << 3);
      store<f64>(s, load<f64>(s) + d * d);
    }
    row += ld;
  }
  for (let c = 0; c < C; c++) {
    store<f32>(mean + (<usize>c << 2), <f32>load<f64>(sum + (<usize>c << 3)));
    store<f32>(variance + (<usize>c << 2), <f32>(load<f64>(sq + (<usize>c << 3)) * inv));
  }
}

/**
 * out = (x - mean) * scale + beta with scale = gamma / sqrt(variance + eps) per channel; gamma and
 * beta may be 0 (absent). work holds C floats.
 */
export function batchNormForward(
  x: usize, mean: usize, variance: usize, gamma: usize, beta: usize, eps: f64, out: usize, rows: i32, C: i32, work: usize,
): void {
  const scale = work;
  for (let c = 0; c < C; c++) {
    const g: f64 = gamma != 0 ? <f64>load<f32>(gamma + (<usize>c << 2)) : 1.0;
    store<f32>(scale + (<usize>c << 2), <f32>(g / Math.sqrt(<f64>load<f32>(variance + (<usize>c << 2)) + eps)));
  }
  const ld = <usize>C * 4;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * ld;
    const or = out + <usize>r * ld;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const off = <usize>c << 2;
      const b = beta != 0 ? v128.load(beta + off) : zero;
      v128.store(or + off, f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + off), v128.load(mean + off)), v128.load(scale + off)), b));
    }
    for (; c < C; c++) {
      const off = <usize>c << 2;
      const b: f32 = beta != 0 ? load<f32>(beta + off) : 0;
      store<f32>(or + off, (load<f32>(xr + off) - load<f32>(mean + off)) * load<f32>(scale + off) + b);
    }
  }
}

/**
 * Gradients of batchNormForward: dgamma = sum(dy * xhat), dbeta = sum(dy) per channel, and
 * dx = k * (dy - sum(dy) / rows - xhat * sum(dy * xhat) / rows) with k = gamma / sqrt(var + eps)
 * when the statistics were the batch's own (batchStats), else dx = k * dy. Outputs may be 0
 * (skipped). work holds 4*C doubles.
 */
export function batchNormBackward(
  x: usize, mean: usize, variance: usize, gamma: usize, dy: usize, eps: f64, batchStats: bool,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, C: i32, work: usize,
): void {
  const sumDy = work;
  const sumDyXhat = work + <usize>C * 8;
  const rstd = work + <usize>C * 16;
  const k = work + <usize>C * 24;
  memory.fill(work, 0, <usize>C * 16);
  for (let c = 0; c < C; c++) {
    const r = 1.0 / Math.sqrt(<f64>load<f32>(variance + (<usize>c << 2)) + eps);
    store<f64>(rstd + (<usize>c << 3), r);
    store<f64>(k + (<usize>c << 3), (gamma != 0 ? <f64>load<f32>(gamma + (<usize>c << 2)) : 1.0) * r);
  }
  const ld = <usize>C * 4;
  const needSums = dgamma != 0 || dbeta != 0 || (dx != 0 && batchStats);
  if (needSums) {
    for (let r = 0; r < rows; r++) {
      const xr = x + <usize>r * ld;
      const gr = dy + <usize>r * ld;
      for (let c = 0; c < C; c++) {
        const off = <usize>c << 2;
        const o8 = <usize>c << 3;
        const g = <f64>load<f32>(gr + off);
        const xhat = (<f64>load<f32>(xr + off) - <f64>load<f32>(mean + off)) * load<f64>(rstd + o8);
        store<f64>(sumDy + o8, load<f64>(sumDy + o8) + g);
        store<f64>(sumDyXhat + o8, load<f64>(sumDyXhat + o8) + g * xhat);
      }
    }
  }
  for (let c = 0; c < C; c++) {
    if (dgamma != 0) store<f32>(dgamma + (<usize>c << 2), <f32>load<f64>(sumDyXhat + (<usize>c << 3)));
    if (dbeta != 0) store<f32>(dbeta + (<usize>c << 2), <f32>load<f64>(sumDy + (<usize>c << 3)));
  }
  if (dx == 0) return;
  const invRows: f64 = rows > 0 ? 1.0 / <f64>rows : 0;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * ld;
    const gr = dy + <usize>r * ld;
    const dr = dx + <usize>r * ld;
    for (let c = 0; c < C; c++) {
      const off = <usize>c << 2;
      const o8 = <usize>c << 3;
      const g = <f64>load<f32>(gr + off);
      let v = g;
      if (batchStats) {
        const xhat = (<f64>load<f32>(xr + off) - <f64>load<f32>(mean + off)) * load<f64>(rstd + o8);
        v = g - load<f64>(sumDy + o8) * invRows - xhat * load<f64>(sumDyXhat + o8) * invRows;
      }
      store<f32>(dr + off, <f32>(load<f64>(k + o8) * v));
    }
  }
}
