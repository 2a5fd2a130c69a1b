// confusionMatrix counts on a hand-made case, and the heatmap shows the counts' shades.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionMatrix, plotConfusionMatrix } from './confusion.js';
import { decodePng } from './png.js';

test('confusionMatrix: rows are true classes, columns predicted classes', () => {
  const labels = [0, 0, 1, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 1, 1, 1, 2, 2, 2, 0, 2];
  assert.deepEqual(confusionMatrix(labels, predicted), [
    [1, 1, 0],
    [0, 2, 1],
    [1, 0, 3],
  ]);
  // numClasses pads missing classes; probabilities [N, C] are argmaxed.
  assert.deepEqual(confusionMatrix([1, 0], [1, 1], 4), [
    [0, 1, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ]);
  const probs = { shape: [2, 3], data: () => Float32Array.from([0.1, 0.2, 0.7, 0.8, 0.1, 0.1]) };
  assert.deepEqual(confusionMatrix([2, 1], probs), [
    [0, 0, 0],
    [1, 0, 0],
    [0, 0, 1],
  ]);
});

test('confusionMatrix: mismatched lengths and out-of-range classes are errors', () => {
  assert.throws(() => confusionMatrix([0, 1], [0]), /viz\.confusionMatrix: labels and predictions differ in length: 2 vs 1/);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), /example 1 has class 3 -> 1, outside 0\.\.2/);
});

test('plotConfusionMatrix: darkest cell is the largest count, its count in white', () => {
  const m = [
    [50, 0],
    [5, 20],
  ];
  const out = plotConfusionMatrix(m);
  const img = decodePng(out.png);
  // Scan every pixel: the darkest blue belongs to the 50 cell (top-left), and white ink is inside it.
  let darkest = { sum: Infinity, x: 0, y: 0 };
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const [r, g, b] = img.get(x, y);
      if (b > r + 40 && r + g + b < darkest.sum) darkest = { sum: r + g + b, x, y };
    }
  }
  const [r, g, b] = img.get(darkest.x, darkest.y);
  assert.ok(b > 90 && r < 20, `darkest cell colour ${[r, g, b]}`);
  assert.match(out.svg, />50<\/text>/);
  assert.match(out.svg, /fill="#ffffff"[^>]*>50</);
  assert.match(out.svg, /fill="#000000"[^>]*>5</);
  assert.match(out.svg, />Predicted label</);
  assert.throws(() => plotConfusionMatrix([[1, 2]]), /must be square/);
});
