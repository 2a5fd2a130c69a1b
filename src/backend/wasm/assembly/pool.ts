// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs with ./index.ts.
// Max and average pooling over NHWC activations, forward and backward, vectorised over channels.
// Same rules as the JS reference (../../js/pool.ts): padded positions never count; max pooling's
// gradient goes to the first maximum of each window (a NaN counts as the maximum); an average
// divides by its window's real positions. Each export takes images (units, see ./args.ts nextUnit)
// until none are left: images are disjoint in x, y and dx, so the thread pool can share a batch
// between threads without changing a bit.
import {
  arg, addr, ARG_H, ARG_W, ARG_C, ARG_OH, ARG_OW, ARG_KH, ARG_KW, ARG_SH, ARG_SW, ARG_DH, ARG_DW, ARG_PT, ARG_PL,
  ARG_BATCH, ARG_X, ARG_Y, ARG_DZ, ARG_DX, nextUnit,
} from './args';

const MAX: i32 = 0;
const AVG: i32 = 1;

/** Forward pooling of images [n0, n1): y = max or mean over each window (ARG_X -> ARG_Y). */
function poolForward(a: usize, n0: i32, n1: i32, kind: i32): void {
  const H = arg(a, ARG_H), W = arg(a, ARG_W), C = arg(a, ARG_C), OH = arg(a, ARG_OH), OW = arg(a, ARG_OW);
  const KH = arg(a, ARG_KH), KW = arg(a, ARG_KW), SH = arg(a, ARG_SH), SW = arg(a, ARG_SW);
  const DH = arg(a, ARG_DH), DW = arg(a, ARG_DW), PT = arg(a, ARG_PT), PL = arg(a, ARG_PL);
  const x = addr(a, ARG_X), y = addr(a, ARG_Y);
  const init = f32x4.splat(kind == MAX ? -Infinity : 0);
  const initScalar: f32 = kind == MAX ? -Infinity : 0;
  for (let n = n0; n < n1; n++) {
    const img = x + <usize>n * <usize>H * <usize>W * <usize>C * 4;
    let out = y + <usize>n * <usize>OH * <usize>OW * <usize>C * 4;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let c = 0;
        for (; c + 4 <= C; c += 4) v128.store(out + (<usize>c << 2), init);
        for (; c < C; c++) store<f32>(out + (<usize>c << 2), initScalar);
        let count = 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PL + kw * DW;
            if (iw < 0 || iw >= W) continue;
            count++;
            const src = img + <usize>(ih * W + iw) * <usize>C * 4;
            let c = 0;
            if (kind == MAX) {
              // f32x4.max and f32.max propagate NaN, as the reference's "NaN wins" rule does.
              for (; c + 4 <= C; c += 4) {
                const o = out + (<usize>c << 2);
                v128.store(o, f32x4.max(v128.load(o), v128.load(src + (<usize>c << 2))));
              }
              for (; c < C; c++) {
                const o = out + (<usize>c << 2);
                store<f32>(o, max(load<f32>(o), load<f32>(src + (<usize>c << 2))));
              }
            } else {
              for (; c + 4 <= C; c += 4) {
                const o = out + (<usize>c << 2);
                v128.store(o, f32x4.add(v128.load(o), v128.load(src + (<usize>c << 2))));
              }
              for (; c < C; c++) {
                const o = out + (<usize>c << 2);
                store<f32>(o, load<f32>(o) + load<f32>(src + (<usize>c << 2)));
              }
            }
          }
        }
        if (kind == AVG && count > 0) {
          const cnt = <f32>count;
          const vc = f32x4.splat(cnt);
          let c = 0;
          for (; c + 4 <= C; c += 4) {
            const o = out + (<usize>c << 2);
            v128.store(o, f32x4.div(v128.load(o), vc));
          }
          for (; c < C; c++) {
            const o = out + (<usize>c << 2);
            store<f32>(o, load<f32>(o) / cnt);
          }
        }
        out += <usize>C * 4;
      }
    }
  }
}

export function maxPool2dForward(a: usize): void {
  for (let n = nextUnit(a); n < arg(a, ARG_BATCH); n = nextUnit(a)) poolForward(a, n, n + 1, MAX);
}

export function avgPool2dForward(a: usize): void {
  for (let n = nextUnit(a); n < arg(a, ARG_BATCH); n = nextUnit(a)) poolForward(a, n, n + 1, AVG);
}

export function maxPool2dBackward(a: usize): void {
  for (let n = nextUnit(a); n < arg(a, ARG_BATCH); n = nextUnit(a)) maxPoolGrad(a, n, n + 1);
}

export function avgPool2dBackward(a: usize): void {
  for (let n = nextUnit(a); n < arg(a, ARG_BATCH); n = nextUnit(a)) avgPoolGrad(a, n, n + 1);
}

/**
 * Max-pooling gradient for images [n0, n1): dX (ARG_DX) is zeroed, then each window's dy
 * (ARG_DZ) is added at its first maximum in x (ARG_X), in window order kh, kw.
 */
function maxPoolGrad(a: usize, n0: i32, n1: i32): void {
  const H = arg(a, ARG_H), W = arg(a, ARG_W), C = arg(a, ARG_C), OH = arg(a, ARG_OH), OW = arg(a, ARG_OW);
  const KH = arg(a, ARG_KH), KW = arg(a, ARG_KW), SH = arg(a, ARG_SH), SW = arg(a, ARG_SW);
  const DH = arg(a, ARG_DH), DW = arg(a, ARG_DW), PT = arg(a, ARG_PT), PL = arg(a, ARG_PL);
  const x = addr(a, ARG_X), dy = addr(a, ARG_DZ), dx = addr(a, ARG_DX);
  const image = <usize>H * <usize>W * <usize>C;
  // Windows that tile the input exactly (2x2 stride 2 on an even size) cover every position once:
  // each is written whole (dy at its maximum, 0 elsewhere) instead of zeroing dX first and adding.
  const tiles = PT == 0 && PL == 0 && SH == KH && SW == KW && DH == 1 && DW == 1 && OH * SH == H && OW * SW == W;
  if (!tiles) memory.fill(dx + <usize>n0 * image * 4, 0, <usize>(n1 - n0) * image * 4);
  const none = i32x4.splat(-1);
  const lanes = i32x4(0, 1, 2, 3);
  const zero = f32x4.splat(0);
  for (let n = n0; n < n1; n++) {
    const img = x + <usize>n * image * 4;
    const dimg = dx + <usize>n * image * 4;
    let g = dy + <usize>n * <usize>OH * <usize>OW * <usize>C * 4;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          let best = f32x4.splat(-Infinity);
          let at = none;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW - PL + kw * DW;
              if (iw < 0 || iw >= W) continue;
              const off = (ih * W + iw) * C + c;
              const v = v128.load(img + (<usize>off << 2));
              // Take the first position, a larger value, or the first NaN.
              const take = v128.or(
                v128.or(i32x4.eq(at, none), f32x4.gt(v, best)),
                v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)),
              );
              best = v128.bitselect(v, best, take);
              at = v128.bitselect(i32x4.add(i32x4.splat(off), lanes), at, take);
            }
          }
          const gv = g + (<usize>c << 2);
          if (tiles) {
            const dyv = v128.load(gv);
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const off = ((oh * SH + kh) * W + ow * SW + kw) * C + c;
                const hit = i32x4.eq(i32x4.add(i32x4.splat(off), lanes), at);
                v128.store(dimg + (<usize>off << 2), v128.bitselect(dyv, zero, hit));
              }
            }
            continue;
          }
          scatterLane(dimg, i32x4.extract_lane(at, 0), load<f32>(gv));
          scatterLane(dimg, i32x4.extract_lane(at, 1), load<f32>(gv, 4));
          scatterLane(dimg, i32x4.extract_lane(at, 2), load<f32>(gv, 8));
          scatterLane(dimg, i32x4.extract_lane(at, 3), load<f32>(gv, 12));
        }
        for (; c < C; c++) {
          let best: f32 = -Infinity;
          let at = -1;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW - PL + kw * DW;
              if (iw < 0 || iw >= W) continue;
              const off = (ih * W + iw) * C + c;
              const v = load<f32>(img + (<usize>off << 2));
              if (at < 0 || v > best || (v != v && best == best)) {
                best = v;
                at = off;
              }
            }
          }
          if (tiles) {
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const off = ((oh * SH + kh) * W + ow * SW + kw) * C + c;
                store<f32>(dimg + (<usize>off << 2), off == at ? load<f32>(g + (<usize>c << 2)) : 0);
              }
            }
          } else {
            scatterLane(dimg, at, load<f32>(g + (<usize>c << 2)));
          }
        }
        g += <usize>C * 4;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function scatterLane(base: usize, at: i32, v: f32): void {
  if (at >= 0) {
    const p = base + (<usize>at << 2);
    store<f32>(p, load<f32>(p) + v);
  }
}

/**
 * Average-pooling gradient for images [n0, n1): dX (ARG_DX) is zeroed, then dy / count (ARG_DZ)
 * is added over each window's real positions.
 */
function avgPoolGrad(a: usize, n0: i32, n1: i32): void {
  const H = arg(a, ARG_H), W = arg(a, ARG_W), C = arg(a, ARG_C), OH = arg(a, ARG_OH), OW = arg(a, ARG_OW);
  const KH = arg(a, ARG_KH), KW = arg(a, ARG_KW), SH = arg(a, ARG_SH), SW = arg(a, ARG_SW);
  const DH = arg(a, ARG_DH), DW = arg(a, ARG_DW), PT = arg(a, ARG_PT), PL = arg(a, ARG_PL);
  const dy = addr(a, ARG_DZ), dx = addr(a, ARG_DX);
  const image = <usize>H * <usize>W * <usize>C;
  memory.fill(dx + <usize>n0 * image * 4, 0, <usize>(n1 - n0) * image * 4);
  for (let n = n0; n < n1; n++) {
    const dimg = dx + <usize>n * image * 4;
    let g = dy + <usize>n * <usize>OH * <usize>OW * <usize>C * 4;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        // The window's real positions: a product of the in-range kernel rows and columns.
        let rowsIn = 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh * DH;
          if (ih >= 0 && ih < H) rowsIn++;
        }
        let colsIn = 0;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * SW - PL + kw * DW;
          if (iw >= 0 && iw < W) colsIn++;
        }
        const cnt = <f32>(rowsIn * colsIn);
        const vc = f32x4.splat(cnt);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PL + kw * DW;
            if (iw < 0 || iw >= W) continue;
            const dst = dimg + <usize>(ih * W + iw) * <usize>C * 4;
            let c = 0;
            for (; c + 4 <= C; c += 4) {
              const o = dst + (<usize>c << 2);
              v128.store(o, f32x4.add(v128.load(o), f32x4.div(v128.load(g + (<usize>c << 2)), vc)));
            }
            for (; c < C; c++) {
              const o = dst + (<usize>c << 2);
              store<f32>(o, load<f32>(o) + load<f32>(g + (<usize>c << 2)) / cnt);
            }
          }
        }
        g += <usize>C * 4;
      }
    }
  }
}
