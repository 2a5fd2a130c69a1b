// mostConfused on a hand-made case (counts, order, examples by confidence) and its picture.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePng } from './png.js';
import { mostConfused, plotMostConfused } from './confused.js';

// 4 -> 9 three times, 5 -> 3 twice, 7 -> 1 twice, 2 -> 0 once; the rest right.
const yTrue = [4, 4, 4, 5, 5, 7, 7, 2, 1, 0, 4, 9];
const yPred = [9, 9, 9, 3, 3, 1, 1, 0, 1, 0, 4, 9];

test('mostConfused: pairs by count, ties by true then predicted class, with their examples', () => {
  const pairs = mostConfused(yTrue, yPred, 3);
  assert.deepEqual(pairs.map((p) => [p.trueClass, p.predicted, p.count]), [[4, 9, 3], [5, 3, 2], [7, 1, 2]]);
  assert.deepEqual(pairs[0].indices, [0, 1, 2]);
  assert.equal(mostConfused(yTrue, yPred).length, 4);
  assert.deepEqual(mostConfused([1, 2], [1, 2]), []);
});

test('mostConfused: with probabilities, the most confident mistakes come first', () => {
  const probs = yPred.map((p, i) => {
    const row = new Array(10).fill(0.01);
    row[p] = [0.6, 0.9, 0.7][i] ?? 0.9;
    return row;
  });
  const [first] = mostConfused(yTrue, probs, 1);
  assert.deepEqual([first.trueClass, first.predicted], [4, 9]);
  assert.deepEqual(first.indices, [1, 2, 0]);
});

test('mostConfused: errors name the function', () => {
  assert.throws(() => mostConfused([1, 2], [1]), /viz\.mostConfused: cannot split 1 prediction values into 2 rows/);
  assert.throws(() => mostConfused([1, 2, 3], [[0.5, 0.5], [0.1, 0.9]]), /viz\.mostConfused: 3 labels but 2 predictions/);
  assert.throws(() => mostConfused(yTrue, yPred, 0), /viz\.mostConfused: k must be a positive integer, got 0/);
});

test('plotMostConfused: one row per pair with its images; an all-right run says so', () => {
  const images = new Uint8Array(yTrue.length * 64);
  yTrue.forEach((_, i) => (images[i * 64 + (i % 64)] = 255));
  const two = plotMostConfused({ shape: [yTrue.length, 8, 8], data: () => images }, yTrue, yPred, { k: 2, examples: 3 });
  const four = plotMostConfused({ shape: [yTrue.length, 8, 8], data: () => images }, yTrue, yPred, { k: 4, examples: 3 });
  assert.deepEqual(two.pairs.map((p) => p.count), [3, 2]);
  const [a, b] = [decodePng(two.png), decodePng(four.png)];
  assert.equal(a.width, b.width);
  assert.equal(b.height - a.height, 2 * (11 * 8 + 36)); // two more rows of 8x8 images at 11 pixels a cell
  assert.match(two.svg, />true 4 -&#62; 9</);
  assert.match(two.svg, />3 times</);
  assert.match(two.svg, />#2</);
  const none = plotMostConfused({ shape: [2, 8, 8], data: () => images.subarray(0, 128) }, [1, 2], [1, 2]);
  assert.match(none.svg, /None: every example was predicted correctly/);
  assert.throws(() => plotMostConfused(images, yTrue, yPred, { examples: 0 }), /examples must be a positive integer/);
});
