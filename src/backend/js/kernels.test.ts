// The JS reference kernels called directly: the fast paths against plain general loops (reduce
// over contiguous vs scattered axes, transpose rank 4, broadcasting binary, matMul transposes).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackend } from './index.js';
import type { TensorData } from '../backend.js';
import { allocate, type DType } from '../../tensor/dtype.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import { setSeed, nextFloat } from '../../tensor/random.js';

function make(shape: number[], dtype: DType = 'float64', fill?: (i: number) => number): TensorData {
  const values = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = fill ? fill(i) : Math.round((nextFloat() * 20 - 10) * 8) / 8;
  return { values, shape, dtype };
}
const out = (shape: number[], dtype: DType = 'float64'): TensorData => ({ values: allocate(dtype, sizeOf(shape)), shape, dtype });

/** Multi-index of flat position `i` in `shape`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const st = stridesOf(shape);
  return shape.map((_, d) => Math.floor(i / st[d]) % shape[d]);
}

/** The obviously correct reduction: every element to its output slot by index arithmetic. */
function naiveReduce(op: 'sum' | 'max' | 'min' | 'prod', x: TensorData, axes: number[]): number[] {
  const keep = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const oshape = keep.map((d) => x.shape[d]);
  const ost = stridesOf(oshape);
  const init = { sum: 0, prod: 1, max: -Infinity, min: Infinity }[op];
  const acc = new Array<number>(sizeOf(oshape)).fill(init);
  for (let i = 0; i < x.values.length; i++) {
    const idx = unravel(i, x.shape);
    let o = 0;
    keep.forEach((d, k) => (o += idx[d] * ost[k]));
    const v = x.values[i];
    acc[o] = op === 'sum' ? acc[o] + v : op === 'prod' ? acc[o] * v : op === 'max' ? Math.max(acc[o], v) : Math.min(acc[o], v);
  }
  return acc;
}

describe('reduce kernel', () => {
  const shape = [3, 4, 2, 5];
  const axesSets = [[0], [1], [3], [0, 1], [1, 2], [2, 3], [0, 1, 2, 3], [0, 2], [1, 3], [0, 3], [0, 2, 3], []];
  for (const op of ['sum', 'max', 'min', 'prod'] as const) {
    test(`${op}: contiguous and scattered axes agree with the naive reduction`, () => {
      setSeed(1);
      const x = make(shape, 'float64', op === 'prod' ? () => 0.5 + nextFloat() : undefined);
      for (const axes of axesSets) {
        const oshape = shape.filter((_, d) => !axes.includes(d));
        const o = out(oshape);
        jsBackend.reduce(op, x, axes, o);
        const want = naiveReduce(op, x, axes);
        Array.from(o.values).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-9 * Math.max(1, Math.abs(want[i])), `${op} axes [${axes}] element ${i}: ${v} vs ${want[i]}`));
      }
    });
  }
  test('the scattered path equals the contiguous path on a transposed copy', () => {
    setSeed(2);
    const x = make([4, 3, 5]);
    // Reduce axes [0, 2] directly (general path) ...
    const direct = out([3]);
    jsBackend.reduce('sum', x, [0, 2], direct);
    // ... and as the trailing axes [1, 2] of the [3, 4, 5] transpose (contiguous path).
    const t = out([3, 4, 5]);
    jsBackend.transpose(x, [1, 0, 2], t);
    const viaT = out([3]);
    jsBackend.reduce('sum', t, [1, 2], viaT);
    Array.from(direct.values).forEach((v, i) => assert.ok(Math.abs(v - viaT.values[i]) < 1e-9));
  });
  test('float32 output accumulates in double: the scattered path as well', () => {
    const x = make([1000, 3, 10], 'float32', () => 0.1);
    const o = out([3], 'float32');
    jsBackend.reduce('sum', x, [0, 2], o);
    for (const v of o.values) assert.ok(Math.abs(v - 1000) < 1e-3, `${v}`);
  });
  test('NaN propagates in both paths', () => {
    const x = make([2, 3, 2], 'float64', (i) => (i === 4 ? Number.NaN : i));
    const a = out([3]);
    jsBackend.reduce('max', x, [0, 2], a);
    // Element 4 sits at [0, 2, 0]: only output 2 sees it.
    assert.deepEqual(Array.from(a.values).map(Number.isNaN), [false, false, true]);
    const b = out([2, 3]);
    jsBackend.reduce('sum', x, [2], b);
    assert.ok(Number.isNaN(b.values[2]));
  });
});

describe('transpose kernel', () => {
  test('rank 4, every permutation, against index arithmetic', () => {
    setSeed(3);
    const shape = [2, 3, 4, 5];
    const x = make(shape);
    const perms: number[][] = [];
    const permute = (rest: number[], acc: number[]): void => {
      if (!rest.length) perms.push(acc);
      rest.forEach((v, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, v]));
    };
    permute([0, 1, 2, 3], []);
    assert.equal(perms.length, 24);
    const xs = stridesOf(shape);
    for (const perm of perms) {
      const oshape = perm.map((p) => shape[p]);
      const o = out(oshape);
      jsBackend.transpose(x, perm, o);
      for (let i = 0; i < o.values.length; i++) {
        const idx = unravel(i, oshape);
        let src = 0;
        perm.forEach((p, d) => (src += idx[d] * xs[p]));
        if (o.values[i] !== x.values[src]) assert.fail(`perm [${perm}] element ${i}: ${o.values[i]} vs ${x.values[src]}`);
      }
    }
  });
  test('size-0 dims', () => {
    const o = out([0, 3, 2]);
    jsBackend.transpose(make([2, 3, 0]), [2, 1, 0], o);
    assert.equal(o.values.length, 0);
  });
});

describe('binary kernel paths', () => {
  test('same-shape, scalar, row-broadcast and general paths agree with index arithmetic', () => {
    setSeed(4);
    const cases: [number[], number[]][] = [
      [[3, 4], [3, 4]], [[3, 4], []], [[], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 4]],
      [[2, 1, 3], [4, 1]], [[1], [2, 3]], [[2, 3, 1], [2, 1, 5]],
    ];
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'pow', 'greater'] as const) {
      for (const [sa, sb] of cases) {
        const a = make(sa);
        const b = make(sb, 'float64', () => 0.5 + nextFloat());
        const rank = Math.max(sa.length, sb.length);
        const pad = (s: number[]) => [...new Array(rank - s.length).fill(1), ...s];
        const pa = pad(sa), pb = pad(sb);
        const oshape = pa.map((d, i) => Math.max(d, pb[i]));
        const o = out(oshape);
        jsBackend.binary(op, a, b, o);
        const ast = stridesOf(pa), bst = stridesOf(pb);
        for (let i = 0; i < o.values.length; i++) {
          const idx = unravel(i, oshape);
          let ia = 0, ib = 0;
          idx.forEach((v, d) => {
            ia += (pa[d] === 1 ? 0 : v) * ast[d];
            ib += (pb[d] === 1 ? 0 : v) * bst[d];
          });
          const x = a.values[ia], y = b.values[ib];
          const want = { add: x + y, sub: x - y, mul: x * y, div: x / y, maximum: Math.max(x, y), pow: x ** y, greater: x > y ? 1 : 0 }[op];
          if (!Object.is(o.values[i], want) && Math.abs(o.values[i] - want) > 1e-12) assert.fail(`${op} [${sa}] vs [${sb}] element ${i}: ${o.values[i]} vs ${want}`);
        }
      }
    }
  });
  test('where broadcasts all three operands', () => {
    const c = make([2, 1], 'bool', (i) => i);
    const o = out([2, 3]);
    jsBackend.where(c, make([3], 'float64', (i) => i + 1), make([], 'float64', () => -1), o);
    assert.deepEqual(Array.from(o.values), [-1, -1, -1, 1, 2, 3]);
  });
});

describe('matMul kernel', () => {
  test('all transpose combinations and a broadcast batch against a plain triple loop', () => {
    setSeed(5);
    const [m, k, n] = [6, 5, 7];
    const A = make([2, m, k]);
    const B = make([k, n]);
    const want = (bt: number): number[] => {
      const r: number[] = [];
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A.values[bt * m * k + i * k + p] * B.values[p * n + j];
        r.push(s);
      }
      return r;
    };
    const expected = [...want(0), ...want(1)];
    const At = out([2, k, m]);
    jsBackend.transpose(A, [0, 2, 1], At);
    const Bt = out([n, k]);
    jsBackend.transpose(B, [1, 0], Bt);
    for (const [a, b, tA, tB] of [[A, B, false, false], [At, B, true, false], [A, Bt, false, true], [At, Bt, true, true]] as const) {
      const o = out([2, m, n]);
      jsBackend.matMul(a, b, tA, tB, o);
      Array.from(o.values).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-9, `tA=${tA} tB=${tB} element ${i}`));
    }
  });
  test('the output is overwritten, not accumulated into', () => {
    const o = out([1, 1]);
    o.values[0] = 100;
    jsBackend.matMul(make([1, 1], 'float64', () => 2), make([1, 1], 'float64', () => 3), false, false, o);
    assert.equal(o.values[0], 6);
  });
});

describe('movement kernels', () => {
  test('slice then pad round-trips a rank-3 box', () => {
    const x = make([3, 4, 5], 'float64', (i) => i);
    const s = out([2, 2, 3]);
    jsBackend.slice(x, [1, 1, 2], s);
    assert.deepEqual(Array.from(s.values).slice(0, 3), [27, 28, 29]);
    const p = out([3, 4, 5]);
    jsBackend.pad(s, [1, 1, 2], -1, p);
    for (let i = 0; i < 60; i++) {
      const [a, b, c] = unravel(i, [3, 4, 5]);
      const inside = a >= 1 && b >= 1 && b < 3 && c >= 2;
      assert.equal(p.values[i], inside ? i : -1, `element ${i}`);
    }
  });
  test('slice, pad and gather agree with an element-by-element copy (short rows, whole trailing dims)', () => {
    const shapes = [[40], [3, 40], [2, 3, 20], [4, 2, 3, 17], [5, 7]];
    for (const shape of shapes) {
      const x = make(shape, 'float32', (i) => i + 0.5);
      const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
      // Boxes: from the whole tensor down to cut on every dim, so runs are merged or not.
      for (const cut of [0, 1, shape.length]) {
        const begin = shape.map((n, d) => (d < cut ? Math.min(1, n - 1) : 0));
        const size = shape.map((n, d) => (d < cut ? Math.max(1, n - 2) : n));
        const s = out(size, 'float32');
        jsBackend.slice(x, begin, s);
        for (let i = 0; i < s.values.length; i++) {
          const at = unravel(i, size).reduce((acc, v, d) => acc + (v + begin[d]) * strides[d], 0);
          assert.equal(s.values[i], x.values[at], `slice ${JSON.stringify(shape)} cut ${cut} element ${i}`);
        }
        const p = out(shape, 'float32');
        jsBackend.pad(s, begin, -1, p);
        for (let i = 0; i < p.values.length; i++) {
          const ix = unravel(i, shape);
          const inside = ix.every((v, d) => v >= begin[d] && v < begin[d] + size[d]);
          assert.equal(p.values[i], inside ? x.values[i] : -1, `pad ${JSON.stringify(shape)} cut ${cut} element ${i}`);
        }
      }
    }
    const rows = make([6, 20], 'float32', (i) => i);
    const g = out([3, 20], 'float32');
    jsBackend.gather(rows, make([3], 'int32', (i) => [5, 0, 5][i]), 0, g);
    assert.deepEqual(Array.from(g.values), [...Array.from(rows.values.slice(100, 120)), ...Array.from(rows.values.slice(0, 20)), ...Array.from(rows.values.slice(100, 120))]);
  });
  test('scatterAdd accumulates repeated indices (the gradient of gather)', () => {
    const o = out([3, 2]);
    jsBackend.scatterAdd(make([3, 2], 'float64', (i) => i + 1), make([3], 'int32', (i) => [2, 0, 2][i]), 0, o);
    assert.deepEqual(Array.from(o.values), [3, 4, 0, 0, 6, 8]);
  });
});

describe('relu in the kernels that apply it', () => {
  // tf.nn.relu's rule, the same in unary, the fused Dense forward and the fused conv2d forward:
  // NaN stays NaN, -0 and the negatives give +0.
  const xs = [-2, -0, 0, 3, NaN, -Infinity, Infinity, 5e-324, -5e-324];
  const want = [0, 0, 0, 3, NaN, 0, Infinity, 5e-324, 0];
  const same = (got: ArrayLike<number>): void => {
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `at ${i} (x = ${xs[i]}): got ${got[i]}, want ${want[i]}`);
  };
  const x = (shape: number[]): TensorData => make(shape, 'float64', (i) => xs[i]);
  const one = (shape: number[]): TensorData => make(shape, 'float64', () => 1);

  test('unary', () => {
    const o = out([xs.length]);
    jsBackend.unary('relu', x([xs.length]), o);
    same(o.values);
  });

  test('denseForward', () => {
    const o = out([xs.length, 1]);
    jsBackend.denseForward(x([xs.length, 1]), one([1, 1]), null, 'relu', o);
    same(o.values);
  });

  test('conv2d (1x1 kernel)', () => {
    const W = xs.length;
    const info = {
      batch: 1, inHeight: 1, inWidth: W, channels: 1, outHeight: 1, outWidth: W, windowHeight: 1, windowWidth: 1,
      strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outChannels: 1,
    };
    const o = out([1, 1, W, 1]);
    jsBackend.conv2d(x([1, 1, W, 1]), one([1, 1, 1, 1]), null, 'relu', info, o);
    same(o.values);
  });
});
