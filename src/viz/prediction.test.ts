// Pixel checks of the prediction picture and the prediction grid, decoded back from the PNG bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from './png.js';
import type { Raster } from './raster.js';
import { displayPrediction, predictionGrid, PREDICTION_LAYOUT as L } from './prediction.js';

// Two 28x28 images with a pattern no chart could draw by accident: ink where (r*7 + c*3) % 5 < 2.
const ink = (r: number, c: number): boolean => (r * 7 + c * 3) % 5 < 2;
const images = new Float32Array(2 * 784);
for (let i = 0; i < 2; i++) for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) images[i * 784 + r * 28 + c] = ink(r, c) ? 1 : 0;
const imagesTensor = { shape: [2, 28, 28], data: () => images };
const probs = [
  [0.02, 0.03, 0.0, 0.6, 0.05, 0.1, 0.15, 0.05, 0.0, 0.0], // predicts 3
  [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.004, 0.996], // predicts 9
];
const labels = [3, 4]; // first right, second wrong

const isBlue = ([r, g, b]: readonly number[]): boolean => b > 200 && r < 80 && g < 80;
const isRed = ([r, g, b]: readonly number[]): boolean => r > 200 && g < 80 && b < 80;
function countIn(img: Raster, x0: number, y0: number, x1: number, y1: number, pred: (c: readonly number[]) => boolean): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pred(img.get(x, y))) n++;
  return n;
}

test('displayPrediction: size, digit pixels, bar heights and a blue caption when right', () => {
  const out = displayPrediction(0, probs, labels, imagesTensor);
  assert.equal(out.predicted, 3);
  assert.equal(out.confidence, 60);
  assert.equal(out.correct, true);
  assert.equal(out.caption, '3 60% (3)');
  const img = decodePng(out.png);
  assert.equal(img.width, 600);
  assert.equal(img.height, 300);

  // The digit: each of the 28x28 cells is an 8x8 square; its centre is black on ink, white off it.
  const cell = L.image.size / 28;
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const [red, green, blue] = img.get(L.image.x + c * cell + cell / 2, L.image.y + r * cell + cell / 2);
      if (ink(r, c)) assert.ok(red < 30 && green < 30 && blue < 30, `cell ${r},${c} should be dark`);
      else assert.ok(red > 240 && green > 240 && blue > 240, `cell ${r},${c} should be white`);
    }
  }

  // Each bar: the first grey pixel down its centre column is p * height above the x axis.
  const bottom = L.bars.y + L.bars.h;
  probs[0].forEach((p, k) => {
    const x = Math.round(L.bars.x + ((k - L.xRange[0]) / (L.xRange[1] - L.xRange[0])) * L.bars.w);
    let top = bottom;
    for (let y = L.bars.y; y < bottom; y++) {
      const [r, g, b] = img.get(x, y);
      if (r === 119 && g === 119 && b === 119) {
        top = y;
        break;
      }
    }
    assert.ok(Math.abs(bottom - top - p * L.bars.h) <= 2, `bar ${k}: height ${bottom - top}, expected ${p * L.bars.h}`);
  });

  // The caption under the digit is blue, with no red.
  const capBox = [L.image.x, L.captionY - 2, L.image.x + L.image.size, L.captionY + 20] as const;
  assert.ok(countIn(img, ...capBox, isBlue) > 50);
  assert.equal(countIn(img, ...capBox, isRed), 0);
});

test('displayPrediction: a wrong prediction gets a red caption; 0..255 pixels and flat arrays work', () => {
  const bytes = Uint8Array.from(images, (v) => v * 255);
  const out = displayPrediction(1, probs.flat(), labels, bytes);
  assert.equal(out.caption, '9 100% (4)');
  assert.equal(out.correct, false);
  const img = decodePng(out.png);
  const capBox = [L.image.x, L.captionY - 2, L.image.x + L.image.size, L.captionY + 20] as const;
  assert.ok(countIn(img, ...capBox, isRed) > 50);
  assert.equal(countIn(img, ...capBox, isBlue), 0);
  // Same digit pixels as from 0..1 floats.
  for (let c = 0; c < 28; c++) {
    assert.deepEqual(img.get(L.image.x + c * 8 + 4, L.image.y + 5 * 8 + 4), ink(5, c) ? [0, 0, 0] : [255, 255, 255]);
  }
});

test('displayPrediction: confidence is rounded like Python {:2.0f} and padded to two places', () => {
  // max is 0.1056 -> "11"; the other eight share what is left, so the row sums to 1.
  const p = [[0.105, 0.1056, ...new Array(8).fill((1 - 0.105 - 0.1056) / 8)]];
  const out = displayPrediction(0, p, [1], images.subarray(0, 784));
  assert.equal(out.predicted, 1);
  assert.equal(out.caption, '1 11% (1)');
  const low = displayPrediction(0, [[0.01, 0.09, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2]], [9], images.subarray(0, 784));
  assert.equal(low.caption, '9 20% (9)');
  const tiny = displayPrediction(0, [[0.05, 0.05, 0.5, 0.4]], [2], images.subarray(0, 784));
  assert.equal(tiny.caption, '2 50% (2)');
  // 7% can be the largest of a distribution only with more than 14 classes.
  const pad = displayPrediction(0, [[0.074, ...new Array(15).fill(0.926 / 15)]], [0], images.subarray(0, 784));
  assert.equal(pad.caption, '0  7% (0)');
});

test('displayPrediction: writes PNG or SVG files, creating folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nerva-viz-'));
  const pngFile = join(dir, 'a', 'b', 'pred.png');
  displayPrediction(0, probs, labels, imagesTensor, { file: pngFile });
  assert.deepEqual([...readFileSync(pngFile).subarray(1, 4)], [...Buffer.from('PNG')]);
  const svgFile = join(dir, 'pred.svg');
  const out = displayPrediction(1, probs, labels, imagesTensor, { file: svgFile });
  const svg = readFileSync(svgFile, 'utf8');
  assert.equal(svg, out.svg);
  assert.match(svg, /^<svg [^>]*width="600" height="300"/);
  assert.match(svg, /<text [^>]*fill="#ff0000"[^>]*>9 100% \(4\)<\/text>/);
  assert.match(svg, />Predicted Value</);
  assert.match(svg, /rotate\(-90[^>]*>Prediction Probability</);
  const forced = join(dir, 'forced.out');
  displayPrediction(0, probs, labels, imagesTensor, { file: forced, format: 'svg' });
  assert.match(readFileSync(forced, 'utf8'), /^<svg/);
  assert.equal(existsSync(join(dir, 'nothing.png')), false);
});

test('displayPrediction: bad index and mismatched inputs name the function', () => {
  assert.throws(() => displayPrediction(2, probs, labels, imagesTensor), /viz\.displayPrediction: index must be an integer in 0\.\.1, got 2/);
  assert.throws(() => displayPrediction(0, probs, [1, 2, 3], imagesTensor), /viz\.displayPrediction/);
  assert.throws(() => displayPrediction(0, probs, labels, imagesTensor, { format: 'jpg' as 'png' }), /format must be/);
});

test('predictionGrid: grid size, blue captions for right, red frame and caption for wrong', () => {
  const out = predictionGrid(imagesTensor, labels, probs, { rows: 1, cols: 2 });
  const img = decodePng(out.png);
  const half = Math.floor(img.width / 2);
  assert.ok(img.width > 200 && img.height > 100);
  // Left cell (right prediction): blue, no red. Right cell (wrong): red frame + caption, no blue.
  assert.ok(countIn(img, 0, 0, half, img.height, isBlue) > 30);
  assert.equal(countIn(img, 0, 0, half, img.height, isRed), 0);
  assert.ok(countIn(img, half, 0, img.width, img.height, isRed) > 84 * 4 * 3);
  assert.equal(countIn(img, half, 0, img.width, img.height, isBlue), 0);
  // Predicted classes may be given directly instead of probabilities.
  const same = predictionGrid(imagesTensor, labels, [3, 9], { rows: 1, cols: 2 });
  assert.deepEqual(decodePng(same.png).data, img.data);
  assert.match(predictionGrid(imagesTensor, labels, probs, { indices: [1], showConfidence: true }).svg, />9 100% \(4\)</);
});
