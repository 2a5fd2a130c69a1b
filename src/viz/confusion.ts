// The confusion matrix (rows = true class, columns = predicted class) and its heatmap picture.

import { ArgumentError, ShapeError } from '../errors.js';
import { textWidth } from './font.js';
import { blues, COLORS, Figure, savePicture, type Picture, type SaveOptions } from './figure.js';
import { readLabels, type ArrayInput } from './input.js';

/**
 * Counts how often each true class (row) was predicted as each class (column).
 * `predicted` may be class numbers or [N, C] probabilities or scores (their argmax is taken);
 * `labels` class numbers or one-hot rows. NaN scores and fractional class numbers are refused. `numClasses` defaults to the largest class seen plus one.
 * @example viz.confusionMatrix([0, 1, 1], [0, 1, 0]) // [[1, 0], [1, 1]]: one 1 taken for a 0
 */
export function confusionMatrix(labels: ArrayInput, predicted: ArrayInput, numClasses?: number): number[][] {
  const who = 'viz.confusionMatrix';
  const truth = readLabels(labels, who);
  const pred = readLabels(predicted, who, 'predictions');
  if (truth.length !== pred.length) {
    throw new ShapeError(`${who}: labels and predictions differ in length: ${truth.length} vs ${pred.length}`);
  }
  const n = numClasses ?? Math.max(0, ...truth, ...pred) + 1;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`${who}: numClasses must be a positive integer, got ${n}`);
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  truth.forEach((t, i) => {
    const p = pred[i];
    if (!(t >= 0 && t < n && p >= 0 && p < n)) {
      throw new ArgumentError(`${who}: example ${i} has class ${t} -> ${p}, outside 0..${n - 1}`);
    }
    m[t][p] += 1;
  });
  return m;
}

/** Options of plotConfusionMatrix. */
export interface ConfusionOptions extends SaveOptions {
  /** Tick labels for the classes (default 0, 1, 2, ...). */
  readonly classNames?: readonly string[];
  /** The heading (default `Confusion matrix`). */
  readonly title?: string;
}

/**
 * Draws a confusion matrix as a blue heatmap with the count written in each cell (white on dark
 * cells), true class down the side and predicted class along the bottom. Writes `file` if given.
 * @example viz.plotConfusionMatrix(viz.confusionMatrix(yTest, predictions.argMax(-1)), { file: 'out/confusion.png' });
 */
export function plotConfusionMatrix(matrix: readonly (readonly number[])[], options: ConfusionOptions = {}): Picture {
  const who = 'viz.plotConfusionMatrix';
  const n = matrix.length;
  if (n === 0 || matrix.some((row) => row.length !== n)) {
    throw new ShapeError(`${who}: matrix must be square and non-empty, got ${n} rows of lengths ${matrix.map((r) => r.length).join(', ')}`);
  }
  const names = options.classNames ?? Array.from({ length: n }, (_, i) => String(i));
  if (names.length !== n) throw new ArgumentError(`${who}: ${n} classes but ${names.length} class names`);
  const title = options.title ?? 'Confusion matrix';

  const max = Math.max(1, ...matrix.flat());
  const widest = Math.max(...matrix.flat().map((v) => textWidth(String(v))), ...names.map((s) => textWidth(s)));
  const cell = Math.max(36, widest * 2 + 20); // room for SVG fonts, a little wider than ours
  const nameW = Math.max(...names.map((s) => textWidth(s) * 2));
  const left = 24 + 14 + nameW + 10;
  const top = 40;
  const fig = new Figure(left + n * cell + 20, top + n * cell + 66);

  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = matrix[r][c];
      const shade = v / max;
      const x = left + c * cell;
      const y = top + r * cell;
      fig.rect(x, y, cell, cell, blues(shade));
      const ink = shade > 0.5 ? COLORS.white : COLORS.black;
      fig.text(String(v), x + cell / 2 + 1, y + cell / 2, ink, { align: 'center', valign: 'middle' });
    }
  }
  fig.strokeRect(left - 1, top - 1, n * cell + 2, n * cell + 2, COLORS.black);
  names.forEach((name, i) => {
    fig.text(name, left + i * cell + cell / 2 + 1, top + n * cell + 8, COLORS.black, { align: 'center' });
    fig.text(name, left - 8, top + i * cell + cell / 2, COLORS.black, { align: 'right', valign: 'middle' });
  });
  fig.text('Predicted label', left + (n * cell) / 2, top + n * cell + 34, COLORS.black, { align: 'center' });
  fig.text('True label', 12, top + (n * cell) / 2, COLORS.black, { align: 'center', vertical: true });
  fig.text(title, left + (n * cell) / 2, top - 12, COLORS.black, { align: 'center', valign: 'baseline' });

  const picture = fig.finish();
  savePicture(picture, options, who);
  return picture;
}
