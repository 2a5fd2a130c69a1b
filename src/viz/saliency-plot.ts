// The saliency picture: the input beside its gradient map and its integrated gradients, each drawn
// over the digit on a diverging scale with a colour bar; one row per class explained.

import type { Sequential } from '../models/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { ArgumentError } from '../errors.js';
import { binary, COLORS, diverging, Figure, overInk, savePicture, type Picture, type SaveOptions } from './figure.js';
import { drawColorBar, colorBarWidth, maxAbs } from './colorbar.js';
import type { ArrayInput } from './input.js';
import { imageLayout } from './model-input.js';
import { chooseClass, gradientAt, integratedAt, plan, type SaliencyOptions } from './saliency.js';

/** Options of plotSaliency. */
export interface SaliencyPlotOptions extends SaveOptions, Omit<SaliencyOptions, 'method'> {
  /** The true class: when it differs from the class explained, a second row explains it too. */
  readonly label?: number;
  /** A heading line (default none). */
  readonly title?: string;
}

/** One explained class of a saliency picture. */
export interface Explanation {
  /** The class explained. */
  readonly classIndex: number;
  /** Why this row is there. */
  readonly role: 'predicted' | 'true' | 'chosen';
  /** The model's probability (or logit) of the class for x, and for the baseline. */
  readonly value: number;
  /** The same for the baseline (the blank image). */
  readonly baselineValue: number;
  /** Intervals of the integrated-gradients path. */
  readonly steps: number;
  /** d value / d x, shaped like x. */
  readonly gradient: Tensor;
  /** Integrated gradients, shaped like x; they add up to about value - baselineValue. */
  readonly integrated: Tensor;
}

/** A saliency picture with the numbers it shows. */
export interface SaliencyPicture extends Picture {
  /** One per row of the picture: the class explained first, then the true class if it differs. */
  readonly explanations: Explanation[];
}

const S = 196; // side of each image panel
const GAP = 40;
const BAR = 14;

/** Values summed over channels: one number per pixel. */
function perPixel(values: ArrayLike<number>, channels: number): Float64Array {
  const out = new Float64Array(values.length / channels);
  for (let i = 0; i < values.length; i++) out[Math.floor(i / channels)] += values[i];
  return out;
}

/** A probability to 3 decimals (0.996, not 1); other values to 3 significant digits. */
function fmtValue(v: number, output: SaliencyOptions['output']): string {
  if (output === 'probability') return v.toFixed(3);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2).replace('e+', 'e') : String(Number(v.toPrecision(3)));
}

/**
 * Explains one prediction: for the predicted class (or `classIndex`), and for the true class
 * `label` when it differs, draws the input, the gradient of the class's probability (or logit) with
 * respect to each pixel, and the integrated gradients from a blank image, both over the digit in
 * red (raises the class) and blue (lowers it), each with its colour bar. Writes `file` if given.
 * @example viz.plotSaliency(model, xTest.div(255).slice([100, 0, 0], [1, 28, 28]), { label: 6, file: 'out/saliency.png' });
 */
export function plotSaliency(model: Sequential, x: ArrayInput, options: SaliencyPlotOptions = {}): SaliencyPicture {
  const who = 'viz.plotSaliency';
  const p = plan(model, x, options.output, who);
  const predicted = chooseClass(p, undefined, who);
  const first = chooseClass(p, options.classIndex, who);
  const rows: { k: number; role: Explanation['role'] }[] = [{ k: first, role: options.classIndex === undefined ? 'predicted' : 'chosen' }];
  if (options.label !== undefined) {
    if (!Number.isInteger(options.label) || options.label < 0 || options.label >= p.classes) {
      throw new ArgumentError(`${who}: label must be an integer in 0..${p.classes - 1}, got ${options.label}`);
    }
    if (options.label !== first) rows.push({ k: options.label, role: 'true' });
  }
    const [h, w, channels] = imageLayout(p.example.inner);
  const xs = p.example.batch.values;
  const top = Math.max(...Array.from(xs));
  const ink = perPixel(Array.from(xs, (v) => (top > 1 ? v / 255 : v)), channels).map((v) => v / channels);
  const cell = Math.max(1, Math.floor(S / Math.max(h, w)));
  const [iw, ih] = [cell * w, cell * h];
  const name = (k: number): string => (p.output === 'logit' ? `logit ${k}` : `p(${k})`);

  const explanations: Explanation[] = rows.map(({ k, role }) => {
    const gradient = gradientAt(model, p, k, who);
    const { attribution, baselineScore, steps } = integratedAt(model, p, k, options.steps, options.baseline, who);
    const asTensor = (v: Float64Array): Tensor => ops.tensor(p.example.batch.dtype === 'float64' ? v : Float32Array.from(v), [...p.example.given], p.example.batch.dtype);
    return { classIndex: k, role, value: p.scores[k], baselineValue: baselineScore, steps, gradient: asTensor(gradient), integrated: asTensor(attribution) };
  });

  const barW = (s: number, cap: string): number => colorBarWidth({ lo: -s, hi: s, color: diverging }, cap, BAR);
  const maps = explanations.map((e) => [perPixel(e.gradient.values, channels), perPixel(e.integrated.values, channels)]);
  const scales = maps.map((m) => m.map(maxAbs));
  const colW = iw + 10 + Math.max(...scales.flat().map((s) => barW(s, 'attribution')));
  const titleH = options.title ? 34 : 0;
  const rowH = 58 + ih + 64;
  const fig = new Figure(16 + iw + GAP + 2 * (colW + GAP) + 40, titleH + rows.length * rowH + 4);
  if (options.title) fig.text(options.title, 16, 12, COLORS.black, { scale: 2 });
  const from = options.baseline === undefined ? 'blank' : 'baseline';

  explanations.forEach((e, r) => {
    const y = titleH + r * rowH + 10;
    const what = e.role === 'predicted' ? 'predicted' : e.role === 'true' ? 'true class' : 'chosen';
    const head = `class ${e.classIndex} (${what}): ${name(e.classIndex)} = ${fmtValue(e.value, p.output)}`;
    fig.text(head, 16, y, e.role === 'true' ? COLORS.wrong : COLORS.black, { scale: 2 });
    if (r > 0) fig.rect(16, y - 14, fig.width - 32, 1, COLORS.lightGrey);
    const py = y + 58;
    const panel = (px: number, label: string): void => fig.text(label, px, py - 10, COLORS.black, { valign: 'baseline', scale: 2 });

    panel(16, 'input');
    fig.image(ink, h, w, 16, py, cell, binary);
    fig.strokeRect(15, py - 1, iw + 2, ih + 2, COLORS.frame);
    const sub = `predicted ${predicted}${options.label !== undefined ? `, true ${options.label}` : ''}`;
    fig.text(sub, 16, py + ih + 10, options.label !== undefined && options.label !== predicted ? COLORS.wrong : COLORS.right, { scale: 2 });

    const titles = [`gradient of ${name(e.classIndex)}`, `integrated gradients`];
    const captions = ['gradient', 'attribution'];
    maps[r].forEach((m, j) => {
      const px = 16 + iw + GAP + j * (colW + GAP);
      const s = scales[r][j];
      panel(px, titles[j]);
      fig.pixels(overInk(m, ink, s), h, w, px, py, cell);
      fig.strokeRect(px - 1, py - 1, iw + 2, ih + 2, COLORS.frame);
      drawColorBar(fig, { x: px + iw + 10, y: py, w: BAR, h: ih - 28 }, { lo: -s, hi: s, color: (v) => diverging(v / s) }, captions[j]);
    });
    const sum = Array.from(e.integrated.values).reduce((a, b) => a + b, 0);
    const nx = 16 + iw + GAP + colW + GAP;
    fig.text(`sum over pixels ${fmtValue(sum, 'logit')} (${e.steps} steps)`, nx, py + ih + 10, COLORS.grey, { scale: 2 });
    fig.text(`${name(e.classIndex)} - ${from} ${fmtValue(e.value - e.baselineValue, 'logit')}`, nx, py + ih + 30, COLORS.grey, { scale: 2 });
  });

  const picture = fig.finish();
  savePicture(picture, options, who);
  return { ...picture, explanations };
}
