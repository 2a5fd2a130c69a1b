// Training curves from a fit's history: one panel per metric (loss, accuracy, ...), the training
// values and their `val_` counterparts drawn as lines with markers, epochs along x.

import { ArgumentError } from '../errors.js';
import { textWidth } from './font.js';
import { Axes, niceTicks, tickFormatter, type Box } from './axes.js';
import { COLORS, Figure, savePicture, type Picture, type SaveOptions } from './figure.js';
import type { Rgb } from './raster.js';

/** Options of plotHistory. */
export interface HistoryOptions extends SaveOptions {
  /** Width of one panel in pixels (default 440). */
  readonly panelWidth?: number;
  /** Height of one panel in pixels (default 320). */
  readonly panelHeight?: number;
}

const MARGIN = { left: 78, right: 16, top: 34, bottom: 58 };

/** Groups history keys into panels: `loss` with `val_loss`, `accuracy` with `val_accuracy`, ... */
function panels(history: Record<string, readonly number[]>): { base: string; keys: string[] }[] {
  const bases: string[] = [];
  for (const key of Object.keys(history)) {
    const base = key.startsWith('val_') ? key.slice(4) : key;
    if (!bases.includes(base)) bases.push(base);
  }
  return bases.map((base) => ({ base, keys: [base, `val_${base}`].filter((k) => k in history) }));
}

/** The range of the finite values, widened a little so curves do not touch the frame. */
function valueRange(series: readonly (readonly number[])[]): [number, number] {
  const finite = series.flat().filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi === lo) {
    const pad = Math.abs(lo) * 0.1 || 0.5;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

/**
 * Plots a fit history (`{ loss: [...], accuracy: [...], val_loss: [...], val_accuracy: [...] }`):
 * one panel per metric, training in blue and validation in orange, with a legend. Writes `file` if given.
 * @example viz.plotHistory(history.history, { file: 'out/history.png' }); // history = await model.fit(...)
 */
export function plotHistory(history: Record<string, readonly number[]>, options: HistoryOptions = {}): Picture {
  const who = 'viz.plotHistory';
  if (typeof history !== 'object' || history === null || Array.isArray(history)) {
    throw new ArgumentError(`${who}: expected the history record { loss: [...], ... }, got ${Array.isArray(history) ? 'an array' : String(history)}`);
  }
  // fit() returns a History object; Keras users write plot(history.history), which is what we take.
  const inner = (history as { history?: unknown }).history;
  if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
    throw new ArgumentError(`${who}: got the History object that fit() returns; pass its record of values: plotHistory(history.history)`);
  }
  const groups = panels(history);
  if (groups.length === 0) throw new ArgumentError(`${who}: history has no series (expected e.g. { loss: [...] })`);
  for (const [key, values] of Object.entries(history)) {
    if (!Array.isArray(values)) throw new ArgumentError(`${who}: history.${key} must be an array of numbers`);
  }
  if (Object.values(history).every((v) => v.length === 0)) {
    throw new ArgumentError(`${who}: history has no epochs yet (every series is empty): plot it after fit has run at least one epoch`);
  }
  const pw = options.panelWidth ?? 440;
  const ph = options.panelHeight ?? 320;
  const fig = new Figure(pw * groups.length, ph);

  groups.forEach(({ base, keys }, p) => {
    const series = keys.map((k) => history[k]);
    const epochs = Math.max(1, ...series.map((s) => s.length));
    const box: Box = {
      x: p * pw + MARGIN.left,
      y: MARGIN.top,
      w: pw - MARGIN.left - MARGIN.right,
      h: ph - MARGIN.top - MARGIN.bottom,
    };
    const xPad = Math.max(0.3, (epochs - 1) * 0.05);
    const axes = new Axes(fig, box, [1 - xPad, epochs + xPad], valueRange(series));
    const colors: Rgb[] = keys.map((k) => (k.startsWith('val_') ? COLORS.val : COLORS.train));

    series.forEach((values, s) => drawSeries(fig, axes, values, colors[s]));
    axes.frame();
    const xTicks = niceTicks(1, epochs, Math.min(8, epochs)).filter(Number.isInteger);
    axes.xTicks(xTicks.length ? xTicks : [1]);
    const yTicks = niceTicks(axes.yRange[0], axes.yRange[1], 5);
    axes.yTicks(yTicks, tickFormatter(yTicks));
    axes.xLabel('Epoch');
    axes.title(base);
    drawLegend(fig, axes, keys, colors, series);
  });

  const picture = fig.finish();
  savePicture(picture, options, who);
  return picture;
}

/** A 2-pixel line through the finite points (broken at NaN/Inf) with a square marker on each. */
function drawSeries(fig: Figure, axes: Axes, values: readonly number[], color: Rgb): void {
  let run: [number, number][] = [];
  const flush = (): void => {
    if (run.length > 1) fig.polyline(run, color, 2);
    run = [];
  };
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return flush();
    const point: [number, number] = [axes.px(i + 1), axes.py(v)];
    run.push(point);
    fig.rect(point[0] - 3, point[1] - 3, 6, 6, color);
  });
  flush();
}

/** A legend box placed in the corner of the plot that the curves cross least. */
function drawLegend(fig: Figure, axes: Axes, keys: readonly string[], colors: readonly Rgb[], series: readonly (readonly number[])[]): void {
  const { x, y, w, h } = axes.box;
  const lw = 40 + Math.max(...keys.map((k) => textWidth(k) * 2));
  const lh = 10 + keys.length * 22;
  const corners: [number, number][] = [
    [x + w - lw - 8, y + 8],
    [x + w - lw - 8, y + h - lh - 8],
    [x + 8, y + 8],
    [x + 8, y + h - lh - 8],
  ];
  const points = series.flatMap((s) => s.map((v, i) => [axes.px(i + 1), axes.py(v)] as const));
  const covered = ([cx, cy]: [number, number]): number =>
    points.filter(([px, py]) => px >= cx - 6 && px <= cx + lw + 6 && py >= cy - 6 && py <= cy + lh + 6).length;
  const [lx, ly] = corners.reduce((best, c) => (covered(c) < covered(best) ? c : best));

  fig.rect(lx, ly, lw, lh, COLORS.white);
  fig.strokeRect(lx, ly, lw, lh, COLORS.lightGrey);
  keys.forEach((key, i) => {
    const cy = ly + 16 + i * 22;
    fig.line(lx + 8, cy, lx + 28, cy, colors[i], 2);
    fig.rect(lx + 15, cy - 3, 6, 6, colors[i]);
    fig.text(key, lx + 34, cy, COLORS.black, { valign: 'middle' });
  });
}
