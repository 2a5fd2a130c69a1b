// One self-contained HTML page about a trained model: settings, metrics, training curves,
// confusion matrix, a grid of test predictions, the most confident mistakes and, given the model,
// what happens inside it (PNGs inlined).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Sequential } from '../models/sequential.js';
import { ShapeError } from '../errors.js';
import { plotActivations, plotFeatureMaps } from './activations.js';
import { plotMostConfused } from './confused.js';
import { denseImageShape, exampleAt } from './model-input.js';
import { plotSaliency } from './saliency-plot.js';
import { plotConvFilters, plotDenseWeights } from './weights.js';
import { confusionMatrix, plotConfusionMatrix } from './confusion.js';
import type { Picture } from './figure.js';
import { plotHistory } from './history.js';
import { argmax, readLabels, readProbabilities, type ArrayInput } from './input.js';
import { predictionGrid } from './prediction.js';
import { escapeXml } from './svg.js';

/** What a report shows; every section is left out when its inputs are missing. */
export interface ReportOptions {
  /** The page's heading (default `nerva model report`). */
  readonly title?: string;
  /** How the model was built and trained: shown as a two-column table. */
  readonly settings?: Record<string, string | number | boolean>;
  /** Final numbers, e.g. `{ test_accuracy: 0.9768 }`. */
  readonly metrics?: Record<string, number>;
  /** A fit's history (`loss`, `val_loss`, ...): curves and a per-epoch table. */
  readonly history?: Record<string, readonly number[]>;
  /** Test images [N, H, W] (0..1 or 0..255), their labels [N] and predicted probabilities [N, C]. */
  readonly images?: ArrayInput;
  /** The true classes of `images`, [N]. */
  readonly labels?: ArrayInput;
  /** The model's probabilities for `images`, [N, C]. */
  readonly predictions?: ArrayInput;
  /** Rows of the grid of test predictions (default 4). */
  readonly gridRows?: number;
  /** Columns of that grid (default 8). */
  readonly gridCols?: number;
  /** How many of the most confident mistakes to show (default 10). */
  readonly mistakes?: number;
  /** The trained model: adds an "Inside the network" section (units' weights, activations, saliency). */
  readonly model?: Sequential;
  /** What the model takes for each example, [N, ...input shape] (default `images`): e.g. pixels scaled to 0..1. */
  readonly modelInputs?: ArrayInput;
  /** Examples to look inside (default: test image 100, or the last, and the first misclassified one). */
  readonly inspect?: readonly number[];
  /** Where to write the HTML (parent folders are created). */
  readonly file?: string;
}

const esc = (v: unknown): string => escapeXml(String(v));

/** Numbers as people read them in a table: integers whole, others to 4 decimals. */
function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : v.toFixed(4);
}

function img(picture: Picture, alt: string): string {
  return `<img src="data:image/png;base64,${picture.png.toString('base64')}" alt="${esc(alt)}">`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

/**
 * Builds one self-contained HTML report (pictures inlined as PNG data URIs) and writes it to
 * `file` if given. Returns the HTML.
 * @example viz.report({ title: 'MNIST', history: history.history, images: xTest, labels: yTest, predictions, model, modelInputs: xTest.div(255), file: 'out/report.html' });
 */
export function report(options: ReportOptions): string {
  const who = 'viz.report';
  const title = options.title ?? 'nerva model report';
  const sections: string[] = [];

  if (options.settings && Object.keys(options.settings).length) {
    const rows = Object.entries(options.settings).map(([k, v]) => [k, typeof v === 'number' ? fmt(v) : String(v)]);
    sections.push(`<h2>Settings</h2>\n${table(['setting', 'value'], rows)}`);
  }
  if (options.metrics && Object.keys(options.metrics).length) {
    const rows = Object.entries(options.metrics).map(([k, v]) => [k, fmt(v)]);
    sections.push(`<h2>Metrics</h2>\n${table(['metric', 'value'], rows)}`);
  }
  if (options.history && Object.keys(options.history).length) {
    const h = options.history;
    const keys = Object.keys(h);
    const epochs = Math.max(...keys.map((k) => h[k].length));
    const rows = Array.from({ length: epochs }, (_, e) => [String(e + 1), ...keys.map((k) => (e < h[k].length ? fmt(h[k][e]) : ''))]);
    sections.push(
      `<h2>Training</h2>\n${img(plotHistory(h), 'training curves')}\n` +
        `<details><summary>per epoch</summary>\n${table(['epoch', ...keys], rows)}\n</details>`,
    );
  }
  if (options.labels && options.predictions) {
    sections.push(...predictionSections(options, who));
  }

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1000px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05em; margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
td:nth-child(n+2) { font-variant-numeric: tabular-nums; }
img { max-width: 100%; image-rendering: pixelated; display: block; margin: 0.5em 0; }
.note { color: #666; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${sections.join('\n\n')}
</body>
</html>
`;
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, html);
  }
  return html;
}

/** Confusion matrix, per-class recall, a grid of predictions and the most confident mistakes. */
function predictionSections(options: ReportOptions, who: string): string[] {
  const labels = readLabels(options.labels as ArrayInput, who);
  const probs = readProbabilities(options.predictions as ArrayInput, labels.length, who);
  if (probs.count !== labels.length) {
    throw new ShapeError(`${who}: ${labels.length} labels but ${probs.count} prediction rows`);
  }
  const predicted = labels.map((_, i) => argmax(probs.data, i * probs.classes, probs.classes));
  const confidence = predicted.map((k, i) => probs.data[i * probs.classes + k]);
  const wrong = labels.map((_, i) => i).filter((i) => predicted[i] !== labels[i]);
  const out: string[] = [];

  const matrix = confusionMatrix(labels, predicted, probs.classes);
  const recall = matrix.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return [String(c), String(total), total ? `${((100 * row[c]) / total).toFixed(1)}%` : '-'];
  });
  const accuracy = labels.length ? (100 * (labels.length - wrong.length)) / labels.length : 0;
  out.push(
    `<h2>Confusion matrix</h2>\n<p>${labels.length} examples, ${wrong.length} misclassified ` +
      `(accuracy ${accuracy.toFixed(2)}%). Rows are the true class, columns the predicted class.</p>\n` +
      `${img(plotConfusionMatrix(matrix), 'confusion matrix')}\n` +
      `<details><summary>per class</summary>\n${table(['class', 'examples', 'correctly predicted'], recall)}\n</details>`,
  );

  if (options.images) {
    const rows = options.gridRows ?? 4;
    const cols = options.gridCols ?? 8;
    const grid = predictionGrid(options.images, labels, options.predictions as ArrayInput, { rows, cols });
    out.push(
      `<h2>Test predictions</h2>\n<p class="note">The first ${Math.min(rows * cols, labels.length)} test images, ` +
        `captioned "predicted (true)": blue when right, red with a red frame when wrong.</p>\n${img(grid, 'test predictions')}`,
    );
    const top = [...wrong].sort((a, b) => confidence[b] - confidence[a]).slice(0, options.mistakes ?? 10);
    if (top.length) {
      const mistakes = predictionGrid(options.images, labels, options.predictions as ArrayInput, {
        indices: top,
        cols: Math.min(5, top.length),
        showConfidence: true,
      });
      out.push(
        `<h2>Most confident mistakes</h2>\n<p class="note">The ${top.length} wrong predictions the model was surest of, ` +
          `captioned "predicted confidence (true)".</p>\n${img(mistakes, 'most confident mistakes')}`,
      );
    } else {
      out.push('<h2>Most confident mistakes</h2>\n<p>None: every example was predicted correctly.</p>');
    }
  }
  if (options.model) out.push(insideSection(options.model, options, labels, predicted, wrong));
  return out;
}

/** "Inside the network": what the first layer's units look for, then activations and saliency of chosen examples. */
function insideSection(model: Sequential, options: ReportOptions, labels: number[], predicted: number[], wrong: number[]): string {
  const who = 'viz.report';
  const inputs = options.modelInputs ?? options.images;
  const parts = [
    '<h2>Inside the network</h2>\n<p>The hidden layers are not a black box: every weight and every activation can be drawn. ' +
      'Red means positive (raises a unit or a class), blue negative, the near-white middle zero.</p>',
  ];
  const dense = model.layers.find((l) => l.className === 'Dense');
  if (dense && dense !== model.layers[model.layers.length - 1]) {
    const shape = denseImageShape(model, dense);
    const pic = plotDenseWeights(dense, shape ? { inputShape: shape } : {});
    parts.push(
      `<h3>What the hidden units look for</h3>\n<p class="note">Each tile is one unit of layer "${esc(dense.name)}": its incoming weights, one per input pixel, ` +
        `laid out as the image. The unit's activation is the sum of pixel x weight (plus a bias): ink on red raises it, ink on blue lowers it. ` +
        `The ${pic.units.length} units with the largest weights are shown, largest first.</p>\n${img(pic, 'hidden units\' weights')}`,
    );
  }
  const conv = model.layers.find((l) => l.className === 'Conv2D');
  if (conv) parts.push(`<h3>The first convolution's filters</h3>\n${img(plotConvFilters(conv), 'conv filters')}`);
  if (!inputs) return parts.join('\n');
  const n = labels.length;
  const inspect = options.inspect ?? [Math.min(100, n - 1), ...wrong.slice(0, 1)];
  for (const i of inspect) {
    const x = exampleAt(inputs, i, who);
    const heading = predicted[i] === labels[i] ? `Test image ${i}: a ${labels[i]}, predicted ${predicted[i]}` : `Test image ${i}: a ${labels[i]}, misclassified as ${predicted[i]}`;
    const act = plotActivations(model, x, { label: labels[i] });
    const sal = plotSaliency(model, x, { label: labels[i] });
    parts.push(
      `<h3>${esc(heading)}</h3>\n<p class="note">Every layer's output for this image: the hidden units that fire (the strongest labelled with ` +
        `their unit number, as in the tiles above) and the class probabilities.</p>\n${img(act, `activations of test image ${i}`)}\n` +
        (conv ? `${img(plotFeatureMaps(model, x), `feature maps of test image ${i}`)}\n` : '') +
        `<p class="note">Saliency: the gradient of the class probability with respect to each pixel, and integrated gradients ` +
        `(the gradient averaged along the path from a blank image, times the pixel), which add up to the change in probability. ` +
        `Red pixels speak for the class, blue against it.</p>\n${img(sal, `saliency of test image ${i}`)}`,
    );
  }
  if (options.images && wrong.length) {
    const pic = plotMostConfused(options.images, labels, options.predictions as ArrayInput);
    parts.push(`<h3>Most confused pairs</h3>\n<p class="note">The class pairs mixed up most often, with their most confident examples.</p>\n${img(pic, 'most confused pairs')}`);
  }
  return parts.join('\n');
}
