// What happens inside for one input: every layer's output, the hidden units as bars (which fire and
// how strongly) beside the input and the final probabilities; conv layers' outputs as feature maps.

import type { Sequential } from '../models/sequential.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { textWidth } from './font.js';
import { Axes, niceTicks, tickFormatter } from './axes.js';
import { drawColorBar, formatTick } from './colorbar.js';
import { binary, blues, COLORS, diverging, Figure, overInk, savePicture, type Picture, type SaveOptions } from './figure.js';
import type { ArrayInput } from './input.js';
import { describeLayer, imageLayout, layerActivation, layersOfClass, layerWeight, readExample, runLayers, type LayerOutput } from './model-input.js';
import { drawSection, sectionSize, type TileSection } from './tiles.js';

/**
 * Every layer's output for one example (inference mode), in layer order. `passThrough` marks layers
 * that only move values around (Flatten, Reshape, Dropout at inference).
 * @example
 * const outs = viz.layerOutputs(model, xTest.div(255).slice([100, 0, 0], [1, 28, 28]));
 * outs.map((o) => `${o.layer.name} ${o.output.shape}`); // ['flatten 1,784', 'dense 1,128', 'dense_1 1,10']
 */
export function layerOutputs(model: Sequential, x: ArrayInput): LayerOutput[] {
  const who = 'viz.layerOutputs';
  return runLayers(model, readExample(model, x, who));
}

/** Options of plotActivations. */
export interface ActivationsOptions extends SaveOptions {
  /** How many of the strongest units of each hidden layer to label (default 5). */
  readonly top?: number;
  /** The true class: the predicted bar of the last layer is blue when it matches, red when not. */
  readonly label?: number;
  /** Feature maps per conv layer (default 16). */
  readonly maxMaps?: number;
  /** A heading line (default none). */
  readonly title?: string;
}

/** An activations picture with the outputs it shows. */
export interface ActivationsPicture extends Picture {
  /** Every layer's output for the example, in model order (what the picture draws). */
  readonly outputs: LayerOutput[];
}

const S = 196; // input image side
const PANEL_W = 700;
const BAR_H = 130;
const PANEL_H = 30 + BAR_H + 44;

/**
 * For one input, draws the input and every layer's output: a hidden layer's units as a strip of
 * bars (the strongest labelled `#unit`, the numbers viz.plotDenseWeights uses), the last layer's
 * outputs as the class probabilities, conv layers' outputs as feature maps. Layers that only move
 * values around (Flatten, Dropout at inference) are named but not drawn. Writes `file` if given.
 * @example viz.plotActivations(model, xTest.div(255).slice([100, 0, 0], [1, 28, 28]), { label: 6, file: 'out/activations.png' });
 */
export function plotActivations(model: Sequential, x: ArrayInput, options: ActivationsOptions = {}): ActivationsPicture {
  const who = 'viz.plotActivations';
  const top = options.top ?? 5;
  if (!Number.isInteger(top) || top < 0) throw new ArgumentError(`${who}: top must be a non-negative integer, got ${top}`);
  const example = readExample(model, x, who);
  const outputs = runLayers(model, example);
  const drawn = outputs.filter((o) => !o.passThrough);
  const sections = new Map(drawn.filter((o) => o.output.rank === 4).map((o) => [o, featureMapSection(o, options.maxMaps ?? 16, who)]));
  const [h, w, channels] = imageLayout(example.inner);
  // A Dense layer that reads the input pixels directly gets its strongest units' weights drawn over the input.
  const readsPixels = (o: LayerOutput): boolean => {
    const at = outputs.indexOf(o);
    const kernel = layerWeight(o.layer, 'kernel');
    return o.layer.className === 'Dense' && at < outputs.length - 1 && top > 0 && kernel !== null &&
      kernel.shape[0] === h * w * channels && outputs.slice(0, at).every((p) => p.passThrough);
  };
  const heights = drawn.map((o) => (sections.has(o) ? sectionSize(sections.get(o)!).height + 10 : PANEL_H + (readsPixels(o) ? UNIT_ROW_H : 0)));
  const x0 = 16 + S + 84;
  const width = Math.max(x0 + PANEL_W + 20, ...[...sections.values()].map((s) => x0 + sectionSize(s).width));
  const titleH = options.title ? 34 : 0;
  const height = titleH + Math.max(S + 90, heights.reduce((a, b) => a + b, 0) + 8);
  const fig = new Figure(width, height);
  if (options.title) fig.text(options.title, 16, 12, COLORS.black, { scale: 2 });

  // The input, as an image, with the pass-through layers named under it.
  const xs = example.batch.values;
  const peak = Math.max(...Array.from(xs));
  const ink = Array.from({ length: h * w }, (_, i) => {
    let s = 0;
    for (let c = 0; c < channels; c++) s += xs[i * channels + c];
    return s / channels / (peak > 1 ? 255 : 1);
  });
  const cell = Math.max(1, Math.floor(S / Math.max(h, w)));
  const iy = titleH + 38;
  fig.text(`input [${example.inner.join(', ')}]`, 16, iy - 12, COLORS.black, { valign: 'baseline', scale: 2 });
  fig.image(ink, h, w, 16, iy, cell, binary);
  fig.strokeRect(15, iy - 1, cell * w + 2, cell * h + 2, COLORS.frame);
  outputs.filter((o) => o.passThrough).forEach((o, i) => {
    fig.text(`${o.layer.name}: [${o.output.shape.slice(1).join(', ')}]`, 16, iy + cell * h + 12 + i * 20, COLORS.grey, { scale: 2 });
  });

  let y = titleH + 8;
  drawn.forEach((o, i) => {
    const section = sections.get(o);
    if (section) drawSection(fig, section, x0 - 60, y);
    else {
      const strongest = drawBars(fig, o, x0, y, i === drawn.length - 1 && o === outputs[outputs.length - 1], top, options.label);
      if (readsPixels(o)) drawUnitWeights(fig, o, strongest, ink, [h, w, channels], x0 - 60, y + PANEL_H + 16);
    }
    y += heights[i];
  });

  const picture = fig.finish();
  savePicture(picture, options, who);
  return { ...picture, outputs };
}

const UNIT_ROW_H = 40 + 84 + 34;

/** The weights of a layer's strongest units for this input, each over the input image, on one scale. */
function drawUnitWeights(fig: Figure, o: LayerOutput, units: readonly number[], ink: ArrayLike<number>, [h, w, channels]: readonly number[], x: number, y: number): void {
  const kernel = layerWeight(o.layer, 'kernel')!;
  const n = kernel.shape[1];
  const kv = kernel.value.values;
  // Per pixel, summed over channels: what ink there does to the unit.
  const maps = units.map((u) => Float64Array.from({ length: h * w }, (_, p) => {
    let s = 0;
    for (let c = 0; c < channels; c++) s += kv[(p * channels + c) * n + u];
    return s;
  }));
  let scale = 0;
  for (const m of maps) for (const v of m) scale = Math.max(scale, Math.abs(v));
  scale = scale || 1;
  fig.text('Their weights over the input: ink on red raises the unit, ink on blue lowers it', x, y - 6, COLORS.grey, { valign: 'baseline', scale: 2 });
  const cell = Math.max(1, Math.floor(84 / Math.max(h, w)));
  const v = o.output.values;
  maps.forEach((m, i) => {
    const tx = x + i * (cell * w + 40);
    fig.pixels(overInk(m, ink, scale), h, w, tx, y + 12, cell);
    fig.strokeRect(tx - 1, y + 11, cell * w + 2, cell * h + 2, COLORS.frame);
    fig.text(`#${units[i]}: ${Number(v[units[i]].toPrecision(3))}`, tx + (cell * w) / 2, y + 18 + cell * h, COLORS.black, { align: 'center', scale: 2 });
  });
  const bx = x + maps.length * (cell * w + 40) + 10;
  drawColorBar(fig, { x: bx, y: y + 12, w: 14, h: cell * h - 30 }, { lo: -scale, hi: scale, color: (a) => diverging(a / scale) }, 'weight');
}

/** One layer's output as bars: units along x, their values up (and down, if negative). Returns the labelled units. */
function drawBars(fig: Figure, o: LayerOutput, x: number, y: number, last: boolean, top: number, label: number | undefined): number[] {
  const v = Array.from(o.output.values);
  const n = v.length;
  const act = layerActivation(o.layer);
  let best = 0;
  for (let k = 1; k < n; k++) if (v[k] > v[best]) best = k;
  const probabilities = last && (act === 'softmax' || act === 'sigmoid');
  let head: string;
  if (last) {
    head = `${describeLayer(o.layer)}: ${n} outputs, ${probabilities ? `predicted ${best}, p = ${v[best].toFixed(3)}` : `largest #${best} = ${formatTick(v[best])}`}`;
  } else {
    const on = v.filter((a) => a > 0).length;
    head = `${describeLayer(o.layer)}: ${n} units, ${on} > 0, strongest #${best} = ${Number(v[best].toPrecision(3))}`;
  }
  fig.text(head, x - 60, y + 8, COLORS.black, { scale: 2 });

  const lo = Math.min(0, ...v);
  let hi = Math.max(0, ...v);
  if (probabilities) hi = Math.max(hi, 1);
  if (hi === lo) hi = lo + 1;
  const pad = last ? 0.05 : 0.35; // room above the labelled bars
  const box = { x, y: y + 30, w: PANEL_W, h: BAR_H };
  const axes = new Axes(fig, box, [-0.6, n - 0.4], [lo, hi + (hi - lo) * pad]);
  const strongest = [...v.keys()].sort((a, b) => v[b] - v[a] || a - b).slice(0, last ? 1 : top).filter((k) => v[k] > 0);
  const barW = Math.max(1, (PANEL_W / n) * 0.8);
  const zero = Math.round(axes.py(0));
  for (let k = 0; k < n; k++) {
    const px = axes.px(k);
    const yv = Math.round(axes.py(v[k]));
    let color = COLORS.train;
    if (last) {
      color = COLORS.grey;
      if (k === best) color = label === undefined || label === best ? COLORS.right : COLORS.wrong;
      else if (k === label) color = COLORS.right; // the true class, when the prediction is wrong
    }
    else if (strongest.includes(k)) color = COLORS.val;
    fig.rect(Math.round(px - barW / 2), Math.min(yv, zero), Math.max(1, Math.round(barW)), Math.max(1, Math.abs(zero - yv)), color);
  }
  if (lo < 0) fig.rect(box.x, zero, box.w, 1, COLORS.lightGrey);
  // Labels of the strongest units, staggered when neighbours would overlap.
  if (!last) {
    let prevX = -Infinity;
    let row = 0;
    for (const k of [...strongest].sort((a, b) => a - b)) {
      const px = axes.px(k);
      row = px - prevX < textWidth(`#${k}`) * 2 + 6 ? row + 1 : 0;
      prevX = px;
      fig.text(`#${k}`, px, Math.round(axes.py(v[k])) - 6 - row * 18, COLORS.black, { align: 'center', valign: 'baseline', scale: 2 });
    }
  }
  axes.frame();
  const xt = n <= 20 ? [...v.keys()] : niceTicks(0, n - 1, 8).filter((t) => Number.isInteger(t) && t < n);
  axes.xTicks(xt);
  const yt = niceTicks(lo, hi, 3);
  axes.yTicks(yt, tickFormatter(yt));
  return strongest;
}

/** A conv layer's output [1, h, w, c] as one tile per channel, strongest (largest mean) first. */
function featureMapSection(o: LayerOutput, max: number, who: string): TileSection {
  if (!Number.isInteger(max) || max < 1) throw new ArgumentError(`${who}: maxMaps must be a positive integer, got ${max}`);
  if (o.output.rank !== 4) {
    throw new ShapeError(`${who}: ${o.layer.className} "${o.layer.name}" should output [batch, h, w, channels], got ${fmtShape(o.output.shape)}`);
  }
  const [, h, w, c] = o.output.shape;
  const v = o.output.values;
  const planes = Array.from({ length: c }, (_, ch) => {
    const p = new Float64Array(h * w);
    for (let i = 0; i < h * w; i++) p[i] = v[i * c + ch];
    return p;
  });
  const mean = planes.map((p) => p.reduce((a, b) => a + b, 0) / p.length);
  const order = [...mean.keys()].sort((a, b) => mean[b] - mean[a] || a - b).slice(0, max);
  let lo = 0;
  let hi = 0;
  for (const ch of order) for (const a of planes[ch]) [lo, hi] = [Math.min(lo, a), Math.max(hi, a)];
  // Non-negative maps (after relu) use a light-to-dark ramp; signed ones the diverging map.
  const s = Math.max(Math.abs(lo), hi) || 1;
  const scale = lo >= 0 ? { lo: 0, hi: hi || 1, color: (a: number) => blues(a / (hi || 1)) } : { lo: -s, hi: s, color: (a: number) => diverging(a / s) };
  return {
    title: `${describeLayer(o.layer)}: ${c} feature maps ${h}x${w}`,
    note: `${order.length} of ${c} channels, largest mean activation first`,
    tiles: order.map((ch) => ({ label: `#${ch}`, planes: [planes[ch]] })),
    rows: h,
    cols: w,
    scale,
    colorCaption: 'activation',
  };
}

/** Options of plotFeatureMaps. */
export interface FeatureMapsOptions extends SaveOptions {
  /** Feature maps per conv layer (default 16, the strongest). */
  readonly maxMaps?: number;
}

/**
 * For one input, draws each Conv2D layer's output [h, w, channels] as one small image per channel
 * (the strongest first), a section per conv layer with its own colour scale. Writes `file` if given.
 * @example viz.plotFeatureMaps(cnn, xTest.div(255).slice([100, 0, 0], [1, 28, 28]).reshape([1, 28, 28, 1]), { file: 'out/feature-maps.png' });
 */
export function plotFeatureMaps(model: Sequential, x: ArrayInput, options: FeatureMapsOptions = {}): Picture {
  const who = 'viz.plotFeatureMaps';
  const example = readExample(model, x, who);
  const convs = new Set(layersOfClass(model, 'Conv2D', who));
  const sections = runLayers(model, example)
    .filter((o) => convs.has(o.layer))
    .map((o) => featureMapSection(o, options.maxMaps ?? 16, who));
  const sizes = sections.map(sectionSize);
  const fig = new Figure(Math.max(...sizes.map((s) => s.width)) + 32, sizes.reduce((a, s) => a + s.height + 10, 0) + 20);
  let y = 14;
  sections.forEach((s, i) => {
    drawSection(fig, s, 16, y);
    y += sizes[i].height + 10;
  });
  const picture = fig.finish();
  savePicture(picture, options, who);
  return picture;
}
