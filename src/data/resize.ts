// Image resampling for the image loaders: separable, one weight table per axis. Shrinking averages
// the source area each output pixel covers (like OpenCV's INTER_AREA / PIL's BOX), so large factors
// do not alias; enlarging interpolates bilinearly between pixel centres (half-pixel centres, as PIL
// and TF's resize with half_pixel_centers). Every weight row sums to 1, so a flat image stays flat.

/** For each output index o, the source indices `index[start[o] .. start[o+1])` and their weights. */
export interface AxisTaps {
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

/** The weight table that maps `inSize` samples onto `outSize` along one axis. */
export function axisTaps(inSize: number, outSize: number): AxisTaps {
  const start = new Int32Array(outSize + 1);
  const index: number[] = [];
  const weight: number[] = [];
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    start[o] = index.length;
    if (outSize === inSize) {
      index.push(o);
      weight.push(1);
    } else if (outSize < inSize) {
      // Area: output pixel o covers source interval [o*scale, (o+1)*scale).
      const lo = o * scale;
      const hi = Math.min(inSize, (o + 1) * scale);
      let sum = 0;
      const first = index.length;
      for (let i = Math.floor(lo); i < hi; i++) {
        const w = Math.min(hi, i + 1) - Math.max(lo, i);
        if (w <= 1e-12) continue;
        index.push(i);
        weight.push(w);
        sum += w;
      }
      // Dividing by the sum (not by scale) makes the row sum exactly 1 despite rounding.
      for (let k = first; k < weight.length; k++) weight[k] /= sum;
    } else {
      // Bilinear: the source position of output pixel o's centre, clamped at the edges.
      const c = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
      const i0 = Math.floor(c);
      const t = c - i0;
      if (t === 0 || i0 + 1 >= inSize) {
        index.push(i0);
        weight.push(1);
      } else {
        index.push(i0, i0 + 1);
        weight.push(1 - t, t);
      }
    }
  }
  start[outSize] = index.length;
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

/**
 * Resizes an image given as rows of channel values. `readRow(y, buf)` fills `buf` with source row y
 * (width * channels values), so callers convert pixels (alpha, grey) one row at a time and the
 * full-size image never exists as floats. Writes [outH, outW, channels] into `out` at `offset`.
 */
export function resizeRows(
  width: number, height: number, channels: number,
  outH: number, outW: number,
  readRow: (y: number, buf: Float32Array) => void,
  out: Float32Array, offset: number,
): void {
  const tx = axisTaps(width, outW);
  const ty = axisTaps(height, outH);
  const rowBuf = new Float32Array(width * channels);
  const rowLen = outW * channels;
  // Pass 1, horizontal: every source row becomes a row of outW pixels.
  const mid = new Float32Array(height * rowLen);
  for (let y = 0; y < height; y++) {
    readRow(y, rowBuf);
    const base = y * rowLen;
    for (let o = 0; o < outW; o++) {
      for (let ch = 0; ch < channels; ch++) {
        let acc = 0;
        for (let k = tx.start[o]; k < tx.start[o + 1]; k++) acc += tx.weight[k] * rowBuf[tx.index[k] * channels + ch];
        mid[base + o * channels + ch] = acc;
      }
    }
  }
  // Pass 2, vertical: each output row is a weighted sum of pass-1 rows, summed in float64 so that
  // weights summing to 1 give a flat image back exactly after rounding to float32.
  const acc = new Float64Array(rowLen);
  for (let o = 0; o < outH; o++) {
    acc.fill(0);
    for (let k = ty.start[o]; k < ty.start[o + 1]; k++) {
      const w = ty.weight[k];
      const src = ty.index[k] * rowLen;
      for (let j = 0; j < rowLen; j++) acc[j] += w * mid[src + j];
    }
    out.set(acc, offset + o * rowLen);
  }
}
