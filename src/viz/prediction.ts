// The tutorial's prediction picture (digit + probability bars) and a grid of predicted digits,
// captioned in blue when right and red when wrong.

import { ArgumentError, ShapeError } from '../errors.js';
import { textWidth } from './font.js';
import { Axes, type Box } from './axes.js';
import { binary, COLORS, Figure, savePicture, type Picture, type SaveOptions } from './figure.js';
import {
  argmax, checkDistributions, checkIndex, checkLabelRange, flat, readImages, readLabels, readProbabilities, orderHint, type ArrayInput,
} from './input.js';

/** What displayPrediction drew, with the numbers in its caption. */
export interface PredictionPicture extends Picture {
  /** The predicted class (argmax of the prediction row). */
  readonly predicted: number;
  /** The caption's confidence: the largest probability in percent, rounded as Python's `{:2.0f}`. */
  readonly confidence: number;
  /** The largest probability itself, 0..1. */
  readonly probability: number;
  /** The true class. */
  readonly label: number;
  /** predicted === label. */
  readonly correct: boolean;
  /** The caption under the digit, e.g. `6 100% (6)`. */
  readonly caption: string;
}

/** Pixel layout of displayPrediction's 600x300 picture (tests and callers can find things by it). */
export const PREDICTION_LAYOUT = {
  width: 600,
  height: 300,
  /** The square the digit is drawn in. */
  image: { x: 40, y: 16, size: 224 },
  /** Top of the caption line, centred under the digit. */
  captionY: 252,
  /** The bar chart's plot area (y = 0 at the bottom edge, 1 at the top). */
  bars: { x: 372, y: 16, w: 212, h: 224 } as Box,
  /** The bar chart's x range: bars at 0..9, each 0.8 wide. */
  xRange: [-0.6, 9.6] as const,
  barWidth: 0.8,
} as const;

/** Rounds half to even at exact ties, as Python's float formatting does (`{:2.0f}`). */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d === 0.5) return f % 2 === 0 ? f : f + 1;
  return Math.round(v);
}

/**
 * Draws the tutorial's picture of one prediction: the digit (dark on white) with the caption
 * `"{predicted} {confidence}% ({true})"` in blue when right and red when wrong, beside a bar chart of
 * the class probabilities. `predictions` must be probabilities ([N, classes] rows summing to 1: apply
 * softmax to logits first); `labels` class numbers (or one-hot rows) within the classes; `images`
 * may hold 0..1 or 0..255 pixels. Writes `file` (.png or .svg) if given.
 * @example viz.displayPrediction(100, model.predict(xTest.div(255)), yTest, xTest, { file: 'out/prediction.png' }).caption // '6 100% (6)'
 */
export function displayPrediction(
  index: number,
  predictions: ArrayInput,
  labels: ArrayInput,
  images: ArrayInput,
  options: SaveOptions = {},
): PredictionPicture {
  const who = 'viz.displayPrediction';
  const trueLabels = readLabels(labels, who);
  const probs = readProbabilities(predictions, trueLabels.length, who);
  const imgs = readImages(images, trueLabels.length, who);
  if (probs.count !== trueLabels.length || imgs.count !== trueLabels.length) {
    throw new ShapeError(
      `${who}: predictions, labels and images must have one row per example, ` +
        `got ${probs.count}, ${trueLabels.length} and ${imgs.count}${orderHint(who)}`,
    );
  }
  checkIndex(index, trueLabels.length, who);
  // The caption and bars show probabilities: logits or NaN would draw nonsense that looks right.
  checkDistributions(probs, who);
  checkLabelRange(trueLabels, probs.classes, who);

  const L = PREDICTION_LAYOUT;
  const row = Array.from({ length: probs.classes }, (_, k) => probs.data[index * probs.classes + k]);
  const predicted = argmax(row, 0, row.length);
  const probability = row[predicted];
  const confidence = roundHalfEven(100 * probability);
  const label = trueLabels[index];
  const correct = predicted === label;
  const caption = `${predicted} ${String(confidence).padStart(2)}% (${label})`;

  const fig = new Figure(L.width, L.height);
  const cell = Math.max(1, Math.floor(L.image.size / Math.max(imgs.rows, imgs.cols)));
  const ix = L.image.x + Math.floor((L.image.size - cell * imgs.cols) / 2);
  const iy = L.image.y + Math.floor((L.image.size - cell * imgs.rows) / 2);
  fig.image(imgs.at(index), imgs.rows, imgs.cols, ix, iy, cell, binary);
  fig.strokeRect(ix - 1, iy - 1, cell * imgs.cols + 2, cell * imgs.rows + 2, COLORS.black);
  const captionColor = correct ? COLORS.right : COLORS.wrong;
  fig.text(caption, L.image.x + L.image.size / 2, L.captionY, captionColor, { align: 'center' });

  const xMax = probs.classes - 1 + (L.xRange[1] - 9);
  const axes = new Axes(fig, L.bars, [L.xRange[0], xMax], [0, 1]);
  for (let k = 0; k < row.length; k++) {
    const left = Math.round(axes.px(k - L.barWidth / 2));
    const right = Math.round(axes.px(k + L.barWidth / 2));
    const top = Math.round(axes.py(Math.min(1, Math.max(0, row[k]))));
    const bottom = L.bars.y + L.bars.h;
    if (bottom > top) fig.rect(left, top, right - left, bottom - top, COLORS.grey);
  }
  axes.frame();
  axes.xTicks(row.map((_, k) => k));
  axes.yTicks([0, 0.2, 0.4, 0.6, 0.8, 1], (v) => v.toFixed(1));
  axes.xLabel('Predicted Value');
  axes.yLabel('Prediction Probability');

  const picture = fig.finish();
  savePicture(picture, options, who);
  return { ...picture, predicted, confidence, probability, label, correct, caption };
}

/** Options of predictionGrid. */
export interface GridOptions extends SaveOptions {
  /** Rows of the grid (default: as many as the examples need, 4 without `indices`). */
  readonly rows?: number;
  /** Columns of the grid (default 6). */
  readonly cols?: number;
  /** Which examples to show, in order; default the first rows*cols. */
  readonly indices?: readonly number[];
  /** Add the confidence to each caption: `3 97% (5)` instead of `3 (5)`. */
  readonly showConfidence?: boolean;
  /** A heading line. */
  readonly title?: string;
}

/**
 * Predicted class per example, from [N, C] probabilities or from N class numbers. Probabilities
 * are checked to be distributions when their values are shown (`showConfidence`).
 */
function predictedLabels(
  predictions: ArrayInput,
  count: number,
  who: string,
  showConfidence: boolean,
): { labels: number[]; probs: number[] | null; classes: number | null } {
  const { data, shape } = flat(predictions, who);
  if ((shape === null || shape.length === 1) && data.length === count) {
    return { labels: readLabels(predictions, who, 'predictions'), probs: null, classes: null };
  }
  const p = readProbabilities(predictions, count, who);
  if (showConfidence) checkDistributions(p, who);
  const labels: number[] = [];
  const probs: number[] = [];
  for (let i = 0; i < p.count; i++) {
    const k = argmax(p.data, i * p.classes, p.classes);
    labels.push(k);
    probs.push(p.data[i * p.classes + k]);
  }
  return { labels, probs, classes: p.classes };
}

/**
 * Draws a grid of digits, each captioned `predicted (true)` in blue when right and red when wrong;
 * wrong ones also get a red frame so they stand out. `predictions` is [N, C] probabilities (scores
 * such as logits do too, unless `showConfidence` prints them as percentages) or N predicted classes.
 * @example viz.predictionGrid(xTest, yTest, predictions, { rows: 4, cols: 8, file: 'out/grid.png' });
 */
export function predictionGrid(
  images: ArrayInput,
  labels: ArrayInput,
  predictions: ArrayInput,
  options: GridOptions = {},
): Picture {
  const who = 'viz.predictionGrid';
  const { showConfidence = false, title } = options;
  const trueLabels = readLabels(labels, who);
  const imgs = readImages(images, trueLabels.length, who);
  const pred = predictedLabels(predictions, trueLabels.length, who, showConfidence);
  if (imgs.count !== trueLabels.length || pred.labels.length !== trueLabels.length) {
    throw new ShapeError(
      `${who}: images, labels and predictions must have one row per example, ` +
        `got ${imgs.count}, ${trueLabels.length} and ${pred.labels.length}${orderHint(who)}`,
    );
  }
  if (pred.classes !== null) checkLabelRange(trueLabels, pred.classes, who);
  if (showConfidence && pred.probs === null) {
    throw new ArgumentError(`${who}: showConfidence needs [N, classes] probabilities, got class numbers`);
  }
  const cols = options.cols ?? 6;
  const indices = options.indices ?? Array.from({ length: Math.min(trueLabels.length, (options.rows ?? 4) * cols) }, (_, i) => i);
  indices.forEach((i) => checkIndex(i, trueLabels.length, who));
  const rows = options.rows ?? Math.max(1, Math.ceil(indices.length / cols));
  if (!(rows >= 1 && cols >= 1)) throw new ArgumentError(`${who}: rows and cols must be at least 1, got ${rows} x ${cols}`);

  const cell = Math.max(1, Math.round(84 / Math.max(imgs.rows, imgs.cols)));
  const imgW = cell * imgs.cols;
  const imgH = cell * imgs.rows;
  const captions = indices.map((i) => {
    const conf = pred.probs ? ` ${String(roundHalfEven(100 * pred.probs[i])).padStart(2)}%` : '';
    return `${pred.labels[i]}${showConfidence ? conf : ''} (${trueLabels[i]})`;
  });
  const captionW = Math.max(0, ...captions.map((c) => textWidth(c) * 2));
  const cellW = Math.max(imgW, captionW) + 20;
  const cellH = imgH + 40;
  const top = title ? 40 : 8;
  const fig = new Figure(cols * cellW + 8, top + rows * cellH + 4);
  if (title) fig.text(title, fig.width / 2, 10, COLORS.black, { align: 'center' });

  indices.slice(0, rows * cols).forEach((i, n) => {
    const x = 4 + (n % cols) * cellW + (cellW - imgW) / 2;
    const y = top + Math.floor(n / cols) * cellH + 4;
    const correct = pred.labels[i] === trueLabels[i];
    fig.image(imgs.at(i), imgs.rows, imgs.cols, x, y, cell, binary);
    if (correct) fig.strokeRect(x - 1, y - 1, imgW + 2, imgH + 2, COLORS.lightGrey);
    else fig.strokeRect(x - 3, y - 3, imgW + 6, imgH + 6, COLORS.wrong, 3);
    fig.text(captions[n], x + imgW / 2, y + imgH + 9, correct ? COLORS.right : COLORS.wrong, { align: 'center' });
  });

  const picture = fig.finish();
  savePicture(picture, options, who);
  return picture;
}
