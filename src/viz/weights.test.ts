// Pixel checks of the Dense-unit and conv-filter weight pictures, decoded back from the PNG bytes:
// tile order by norm, the diverging map's zero and end colours, the colour bar, sizes and errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../ops/index.js';
import { Sequential } from '../models/sequential.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/simple.js';
import { FakeConv2D, f64Init } from '../test-utils/inside-models.js';
import { decodePng } from './png.js';
import { DIVERGING_ZERO, diverging } from './figure.js';
import { plotConvFilters, plotDenseWeights } from './weights.js';

// A Dense layer on a 4x4 image with 3 units of known weights: unit 1 has the largest norm, then
// unit 2, then unit 0. Unit 1 holds the extremes: +0.8 at pixel (0, 0), -0.8 at (3, 3), 0 at (1, 2).
function model4x4(): Sequential {
  const m = new Sequential([new Flatten({ inputShape: [4, 4] }), new Dense({ units: 3, name: 'hidden' })]);
  const kernel = new Float32Array(16 * 3);
  for (let p = 0; p < 16; p++) {
    kernel[p * 3 + 0] = 0.05 * ((p % 3) - 1);
    kernel[p * 3 + 1] = 0.5 * (p % 2 === 0 ? 1 : -1);
    kernel[p * 3 + 2] = 0.3;
  }
  kernel[0 * 3 + 1] = 0.8;
  kernel[15 * 3 + 1] = -0.8;
  kernel[6 * 3 + 1] = 0; // pixel (1, 2)
  m.layers[1].setWeights([ops.tensor(kernel, [16, 3]), ops.zeros([3])]);
  return m;
}

const near = (a: readonly number[], b: readonly number[], tol = 2): boolean => a.every((v, i) => Math.abs(v - b[i]) <= tol);

test('plotDenseWeights: tiles sorted by weight norm, one shared scale, zero in the zero colour', () => {
  const m = model4x4();
  const out = plotDenseWeights(m.layers[1], { inputShape: [4, 4] });
  assert.deepEqual(out.units, [1, 2, 0]);
  assert.ok(out.norms[0] > out.norms[1] && out.norms[1] > out.norms[2]);
  assert.ok(Math.abs(out.norms[1] - 0.3 * 4) < 1e-6, `norm of unit 2: ${out.norms[1]}`);
  assert.ok(Math.abs(out.scale - 0.8) < 1e-6);
  const img = decodePng(out.png);
  assert.equal(img.width, Math.round(img.width));
  assert.ok(img.width > 200 && img.height > 100);

  const { tiles, cell } = out.layout;
  assert.equal(tiles.length, 3);
  assert.equal(cell, 21); // 84 pixels for 4 values
  const pixel = (t: number, r: number, c: number): readonly number[] => img.get(tiles[t].x + c * cell + (cell >> 1), tiles[t].y + r * cell + (cell >> 1));
  // First tile is unit 1: +max is the darkest red, -max the darkest blue, 0 the diverging map's middle.
  assert.deepEqual(pixel(0, 0, 0), diverging(1));
  assert.deepEqual(pixel(0, 3, 3), diverging(-1));
  assert.deepEqual(pixel(0, 1, 2), DIVERGING_ZERO);
  assert.deepEqual(pixel(0, 0, 1), diverging(-0.5 / 0.8));
  // Second tile is unit 2 (0.3 everywhere) on the same scale as the first.
  assert.deepEqual(pixel(1, 2, 2), diverging(0.3 / 0.8));
  assert.ok(pixel(1, 2, 2)[0] > pixel(1, 2, 2)[2], 'positive weights are red');

  // The colour bar: dark red at the top, dark blue at the bottom, the zero colour in the middle.
  const bar = out.layout.colorBar;
  const cx = bar.x + (bar.w >> 1);
  assert.ok(near(img.get(cx, bar.y), diverging(1), 4));
  assert.ok(near(img.get(cx, bar.y + bar.h - 1), diverging(-1), 4));
  assert.ok(near(img.get(cx, bar.y + (bar.h >> 1)), DIVERGING_ZERO, 4));
  assert.match(out.svg, />0\.8</);
  assert.match(out.svg, />-0\.8</);
  assert.match(out.svg, />weight</);
  assert.match(out.svg, />#1</);
  assert.match(out.svg, /hidden \(Dense, linear\): incoming weights per unit/);
});

test('plotDenseWeights: max, sort by index, channels side by side, a square default shape', () => {
  const m = model4x4();
  const two = plotDenseWeights(m.layers[1], { max: 2 });
  assert.deepEqual(two.units, [1, 2]);
  assert.equal(two.layout.tiles.length, 2);
  assert.ok(Math.abs(two.scale - 0.8) < 1e-6);
  const byIndex = plotDenseWeights(m.layers[1], { sort: 'index' });
  assert.deepEqual(byIndex.units, [0, 1, 2]);
  // Scale from the shown tiles only: unit 0 alone has max |w| 0.05.
  assert.ok(Math.abs(plotDenseWeights(m.layers[1], { sort: 'index', max: 1 }).scale - 0.05) < 1e-6);
  // [2, 4, 2]: two planes of 2x4 per tile, input i = pixel * 2 + channel.
  const planes = plotDenseWeights(m.layers[1], { inputShape: [2, 4, 2] });
  const t = planes.layout.tiles[0];
  assert.equal(t.w, 2 * 4 * planes.layout.cell + 3);
  const img = decodePng(planes.png);
  const c = planes.layout.cell;
  // Unit 1, channel 0 at pixel 0 is input 0 (+0.8); channel 1 at pixel 7 is input 15 (-0.8).
  assert.deepEqual(img.get(t.x + (c >> 1), t.y + (c >> 1)), diverging(1));
  const plane1 = t.x + 4 * c + 3;
  assert.deepEqual(img.get(plane1 + 3 * c + (c >> 1), t.y + c + (c >> 1)), diverging(-1));
});

test('plotDenseWeights: clear errors for a wrong layer, an unbuilt one and a wrong inputShape', () => {
  const m = model4x4();
  assert.throws(() => plotDenseWeights(m.layers[0]), /viz\.plotDenseWeights: layer "[^"]*flatten[^"]*" is a Flatten, not a Dense layer/);
  assert.throws(
    () => plotDenseWeights(m.layers[1], { inputShape: [5, 5] }),
    /viz\.plotDenseWeights: inputShape \[5, 5\] has 25 values but Dense "hidden" has 16 inputs \(kernel \[16, 3\]\)/,
  );
  assert.throws(() => plotDenseWeights(m.layers[1], { inputShape: [16] }), /inputShape must be \[h, w\] or \[h, w, channels\]/);
  assert.throws(() => plotDenseWeights(m.layers[1], { max: 0 }), /max must be a positive integer, got 0/);
  assert.throws(() => plotDenseWeights(m.layers[1], { sort: 'size' as 'norm' }), /sort must be 'norm' or 'index'/);
  assert.throws(() => plotDenseWeights(new Dense({ units: 2, name: 'lonely' })), /viz\.plotDenseWeights: Dense "lonely" is not built yet/);
  const odd = new Sequential([new Dense({ units: 2, inputShape: [10], name: 'odd' })]);
  assert.throws(() => plotDenseWeights(odd.layers[0]), /Dense "odd" has 10 inputs, not a square image; pass inputShape/);
  const conv = new FakeConv2D({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, init: f64Init(1), name: 'c1' });
  new Sequential([conv]);
  assert.throws(() => plotDenseWeights(conv), /layer "c1" is a Conv2D, not a Dense layer \(use viz\.plotConvFilters for a Conv2D layer\)/);
});

test('plotConvFilters: one tile per filter [kh, kw, in, out], sorted by norm, input channels side by side', () => {
  const conv = new FakeConv2D({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, init: f64Init(1), name: 'conv_a' });
  new Sequential([conv]);
  // Filter f has every weight equal to (f - 1.5) / 1.5, except filter 3's centre, which is 0.
  const k = new Float64Array(9 * 4);
  for (let p = 0; p < 9; p++) for (let f = 0; f < 4; f++) k[p * 4 + f] = (f - 1.5) / 1.5;
  k[4 * 4 + 3] = 0;
  conv.setWeights([ops.tensor(k, [3, 3, 1, 4], 'float64')]);
  const out = plotConvFilters(conv);
  // Norms: |f - 1.5| is 1.5 for filters 0 and 3 (3 has one zero), 0.5 for 1 and 2.
  assert.deepEqual(out.units, [0, 3, 1, 2]);
  assert.equal(out.scale, 1);
  const img = decodePng(out.png);
  const { tiles, cell } = out.layout;
  assert.equal(cell, 28);
  assert.deepEqual(img.get(tiles[0].x + 14, tiles[0].y + 14), diverging(-1));
  assert.deepEqual(img.get(tiles[1].x + 28 + 14, tiles[1].y + 28 + 14), DIVERGING_ZERO);
  assert.deepEqual(img.get(tiles[1].x + 14, tiles[1].y + 14), diverging(1));
  assert.match(out.svg, /conv_a \(Conv2D, relu\): filters/);

  const two = new FakeConv2D({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, init: f64Init(2) });
  new Sequential([two]);
  const pic = plotConvFilters(two, { max: 2 });
  assert.equal(pic.layout.tiles.length, 2);
  assert.equal(pic.layout.tiles[0].w, 2 * 3 * 28 + 3);
  assert.match(pic.svg, /2 input channels/);
});

test('plotConvFilters: a Dense layer or a kernel that is not 4-D is refused by name', () => {
  const m = model4x4();
  assert.throws(() => plotConvFilters(m.layers[1]), /viz\.plotConvFilters: layer "hidden" is a Dense, not a Conv2D layer \(use viz\.plotDenseWeights for a Dense layer\)/);
  const unbuilt = new FakeConv2D({ filters: 2, kernelSize: 3, init: f64Init(1), name: 'c_unbuilt' });
  assert.throws(() => plotConvFilters(unbuilt), /Conv2D "c_unbuilt" is not built yet/);
  // A Conv2D-named layer whose kernel is [k, in, out] (a 1-D convolution's shape).
  class Conv1DLike extends FakeConv2D {
    override build(): void {
      this.addWeight('kernel', [3, 1, 2], f64Init(3));
      this.built = true;
    }
  }
  const flatKernel = new Conv1DLike({ filters: 2, kernelSize: 3, init: f64Init(1), name: 'c_1d' });
  flatKernel.buildFor([null, 6, 6, 1]);
  assert.throws(() => plotConvFilters(flatKernel), /viz\.plotConvFilters: Conv2D "c_1d": expected a kernel \[kh, kw, in, out\], got \[3, 1, 2\]/);
});
