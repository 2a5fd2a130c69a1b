// The class pairs a model mixes up most often (true 4 predicted as 9, ...), with the examples behind
// each count, and a picture of them: one row per pair, its count and some of its images.

import { ArgumentError, ShapeError } from '../errors.js';
import { textWidth } from './font.js';
import { binary, COLORS, Figure, savePicture, type Picture, type SaveOptions } from './figure.js';
import { argmax, flat, readImages, readLabels, readProbabilities, type ArrayInput } from './input.js';

/** A pair of classes the model confuses: `count` examples of `trueClass` were predicted as `predicted`. */
export interface ConfusedPair {
  /** The class the examples belong to. */
  readonly trueClass: number;
  /** The class they were taken for. */
  readonly predicted: number;
  /** How many examples of trueClass were predicted as `predicted`. */
  readonly count: number;
  /** The examples, most confident mistake first when probabilities were given, else in index order. */
  readonly indices: number[];
}

/** Predicted classes, and each prediction's confidence when [N, C] probabilities are given. */
function readPredictions(yPred: ArrayInput, count: number, who: string): { classes: number[]; confidence: number[] | null } {
  const { data, shape } = flat(yPred, who);
  if ((shape === null || shape.length === 1) && data.length === count) return { classes: Array.from(data, (v) => Math.round(v)), confidence: null };
  const p = readProbabilities(yPred, count, who);
  const classes: number[] = [];
  const confidence: number[] = [];
  for (let i = 0; i < p.count; i++) {
    const k = argmax(p.data, i * p.classes, p.classes);
    classes.push(k);
    confidence.push(p.data[i * p.classes + k]);
  }
  return { classes, confidence };
}

/** The k most confused pairs, each prediction's confidence (with probabilities) and the number of labels. */
function confused(yTrue: ArrayInput, yPred: ArrayInput, k: number, who: string): { pairs: ConfusedPair[]; confidence: number[] | null; count: number } {
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`${who}: k must be a positive integer, got ${k}`);
  const truth = readLabels(yTrue, who);
  const pred = readPredictions(yPred, truth.length, who);
  if (pred.classes.length !== truth.length) {
    throw new ShapeError(`${who}: ${truth.length} labels but ${pred.classes.length} predictions`);
  }
  const byPair = new Map<string, number[]>();
  truth.forEach((t, i) => {
    const p = pred.classes[i];
    if (p === t) return;
    const key = `${t},${p}`;
    const list = byPair.get(key);
    if (list) list.push(i);
    else byPair.set(key, [i]);
  });
  const conf = pred.confidence;
  const pairs = [...byPair.entries()].map(([key, indices]) => {
    const [trueClass, predicted] = key.split(',').map(Number);
    if (conf) indices.sort((a, b) => conf[b] - conf[a] || a - b);
    return { trueClass, predicted, count: indices.length, indices };
  });
  pairs.sort((a, b) => b.count - a.count || a.trueClass - b.trueClass || a.predicted - b.predicted);
  return { pairs: pairs.slice(0, k), confidence: conf, count: truth.length };
}

/**
 * The k class pairs most often confused, largest count first (ties by true, then predicted class),
 * each with the indices of its examples. `yPred` is class numbers or [N, C] probabilities.
 * @example viz.mostConfused(yTest, predictions, 3); // [{ trueClass: 4, predicted: 9, count: 23, indices: [...] }, ...]
 */
export function mostConfused(yTrue: ArrayInput, yPred: ArrayInput, k = 5): ConfusedPair[] {
  return confused(yTrue, yPred, k, 'viz.mostConfused').pairs;
}

/** Options of plotMostConfused. */
export interface MostConfusedOptions extends SaveOptions {
  /** How many pairs (default 5). */
  readonly k?: number;
  /** Example images per pair (default 8). */
  readonly examples?: number;
  /** The heading (default `The k most confused pairs: true class -> predicted class`). */
  readonly title?: string;
}

/**
 * Draws the most confused class pairs, one row each: `true 4 -> predicted 9`, how often, and the
 * first few such test images (most confident mistakes first, captioned with the confidence when
 * probabilities are given). `images` may hold 0..1 or 0..255 pixels. Writes `file` if given.
 * @example viz.plotMostConfused(xTest, yTest, predictions, { k: 5, file: 'out/most-confused.png' });
 */
export function plotMostConfused(images: ArrayInput, yTrue: ArrayInput, yPred: ArrayInput, options: MostConfusedOptions = {}): Picture & { pairs: ConfusedPair[] } {
  const who = 'viz.plotMostConfused';
  const { pairs, confidence, count: truthCount } = confused(yTrue, yPred, options.k ?? 5, who);
  const imgs = readImages(images, truthCount, who);
  if (imgs.count !== truthCount) throw new ShapeError(`${who}: ${imgs.count} images but ${truthCount} labels`);
  const examples = options.examples ?? 8;
  if (!Number.isInteger(examples) || examples < 1) throw new ArgumentError(`${who}: examples must be a positive integer, got ${examples}`);

  const cell = Math.max(1, Math.round(84 / Math.max(imgs.rows, imgs.cols)));
  const [iw, ih] = [cell * imgs.cols, cell * imgs.rows];
  const left = 16 + Math.max(textWidth('true 0 -> 0') * 2, ...pairs.map((p) => textWidth(`true ${p.trueClass} -> ${p.predicted}`) * 2)) + 24;
  const slot = Math.max(iw, textWidth('100%') * 2) + 12;
  const rowH = ih + 36;
  const top = 44;
  const fig = new Figure(left + examples * slot + 8, top + Math.max(1, pairs.length) * rowH + 8);
  fig.text(options.title ?? `The ${pairs.length} most confused pairs: true class -> predicted class`, 16, 12, COLORS.black, { scale: 2 });
  if (pairs.length === 0) fig.text('None: every example was predicted correctly.', 16, top + 10, COLORS.grey, { scale: 2 });
  pairs.forEach((p, r) => {
    const y = top + r * rowH;
    fig.text(`true ${p.trueClass} -> ${p.predicted}`, 16, y + ih / 2 - 16, COLORS.black, { scale: 2 });
    fig.text(`${p.count} time${p.count === 1 ? '' : 's'}`, 16, y + ih / 2 + 6, COLORS.wrong, { scale: 2 });
    p.indices.slice(0, examples).forEach((i, n) => {
      const x = left + n * slot;
      fig.image(imgs.at(i), imgs.rows, imgs.cols, x, y, cell, binary);
      fig.strokeRect(x - 1, y - 1, iw + 2, ih + 2, COLORS.frame);
      const caption = confidence ? `${Math.round(100 * confidence[i])}%` : `#${i}`;
      fig.text(caption, x + iw / 2, y + ih + 6, COLORS.grey, { align: 'center', scale: 2 });
    });
  });
  const picture = fig.finish();
  savePicture(picture, options, who);
  return { ...picture, pairs };
}
