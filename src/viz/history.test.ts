// plotHistory draws one panel per metric, training and validation in distinct colours.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plotHistory } from './history.js';
import { COLORS } from './figure.js';
import { decodePng } from './png.js';
import type { Raster } from './raster.js';

function count(img: Raster, c: readonly number[], x0: number, x1: number): number {
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = x0; x < x1; x++) {
      const p = img.get(x, y);
      if (p[0] === c[0] && p[1] === c[1] && p[2] === c[2]) n++;
    }
  }
  return n;
}

test('plotHistory: loss and accuracy panels, train and val curves in distinct colours', () => {
  const history = {
    loss: [0.3, 0.15, 0.1, 0.08],
    accuracy: [0.91, 0.95, 0.97, 0.975],
    val_loss: [0.2, 0.12, 0.11, 0.1],
    val_accuracy: [0.94, 0.96, 0.965, 0.97],
  };
  const out = plotHistory(history);
  const img = decodePng(out.png);
  assert.equal(img.width, 880);
  assert.equal(img.height, 320);
  assert.notDeepEqual(COLORS.train, COLORS.val);
  for (const [x0, x1] of [[0, 440], [440, 880]]) {
    assert.ok(count(img, COLORS.train, x0, x1) > 200, 'train curve drawn in each panel');
    assert.ok(count(img, COLORS.val, x0, x1) > 200, 'val curve drawn in each panel');
  }
  for (const key of Object.keys(history)) assert.match(out.svg, new RegExp(`>${key}</text>`));
  assert.match(out.svg, />Epoch</);
});

test('plotHistory: the training curve falls from the top-left for a falling loss', () => {
  const img = decodePng(plotHistory({ loss: [1, 0.5, 0.25, 0.1] }).png);
  assert.equal(img.width, 440);
  // Mean row of the train-coloured pixels in the left and right quarters of the plot.
  const meanRow = (x0: number, x1: number): number => {
    let sum = 0;
    let n = 0;
    for (let y = 0; y < img.height; y++) for (let x = x0; x < x1; x++) {
      const p = img.get(x, y);
      if (p[0] === COLORS.train[0] && p[1] === COLORS.train[1] && p[2] === COLORS.train[2]) (sum += y), n++;
    }
    return sum / n;
  };
  assert.ok(meanRow(78, 160) < meanRow(300, 420) - 80);
});

test('plotHistory: empty history and NaN values', () => {
  assert.throws(() => plotHistory({}), /viz\.plotHistory: history has no series/);
  const out = plotHistory({ loss: [1, NaN, 0.5, 0.4] });
  assert.ok(decodePng(out.png).width === 440);
  assert.doesNotMatch(out.svg, /NaN/);
});
