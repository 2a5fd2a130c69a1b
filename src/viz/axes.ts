// A chart's plot area: maps data to pixels and draws the frame, ticks, tick labels, axis labels and
// title around it, the way matplotlib lays out one subplot.

import { textWidth } from './font.js';
import { COLORS, type Figure } from './figure.js';

const SCALE = 2; // text scale: 14-pixel-high capitals, about matplotlib's 10 pt at 100 dpi
const TICK = 4;

/** The plot area of one chart, in pixels: interior [x, x+w) x [y, y+h), frame drawn just outside. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** One subplot: data ranges mapped onto a pixel box. */
export class Axes {
  private yTickWidth = 0;

  constructor(
    readonly fig: Figure,
    readonly box: Box,
    readonly xRange: readonly [number, number],
    readonly yRange: readonly [number, number],
  ) {}

  /** Pixel column of data value x. */
  px(v: number): number {
    const [a, b] = this.xRange;
    return this.box.x + ((v - a) / (b - a)) * this.box.w;
  }

  /** Pixel row of data value y (up is larger). */
  py(v: number): number {
    const [a, b] = this.yRange;
    return this.box.y + this.box.h - ((v - a) / (b - a)) * this.box.h;
  }

  frame(): void {
    const { x, y, w, h } = this.box;
    this.fig.strokeRect(x - 1, y - 1, w + 2, h + 2, COLORS.black);
  }

  xTicks(values: readonly number[], label: (v: number) => string = String): void {
    const bottom = this.box.y + this.box.h;
    for (const v of values) {
      const x = Math.round(this.px(v));
      this.fig.rect(x, bottom + 1, 1, TICK, COLORS.black);
      this.fig.text(label(v), x + 1, bottom + TICK + 5, COLORS.black, { align: 'center', scale: SCALE });
    }
  }

  yTicks(values: readonly number[], label: (v: number) => string = String): void {
    const left = this.box.x - 1;
    for (const v of values) {
      const y = Math.round(this.py(v));
      this.fig.rect(left - TICK, y, TICK, 1, COLORS.black);
      const text = label(v);
      this.yTickWidth = Math.max(this.yTickWidth, textWidth(text) * SCALE);
      this.fig.text(text, left - TICK - 4, y + 1, COLORS.black, { align: 'right', valign: 'middle', scale: SCALE });
    }
  }

  xLabel(text: string): void {
    const { x, y, w, h } = this.box;
    this.fig.text(text, x + w / 2, y + h + TICK + 29, COLORS.black, { align: 'center', scale: SCALE });
  }

  /** A y-axis label, read bottom to top, left of the tick labels (call after yTicks). */
  yLabel(text: string): void {
    const { x, y, h } = this.box;
    const right = x - 1 - TICK - 4 - this.yTickWidth - 8;
    this.fig.text(text, right - 7 * SCALE, y + h / 2, COLORS.black, { align: 'center', scale: SCALE, vertical: true });
  }

  title(text: string): void {
    const { x, y, w } = this.box;
    this.fig.text(text, x + w / 2, y - 10, COLORS.black, { align: 'center', valign: 'baseline', scale: SCALE });
  }
}

/** About `target` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Number(v.toFixed(10)));
  }
  return ticks;
}

/** Formats tick values with the fewest decimals that show each one exactly (0.0, 0.2, ... 1.0). */
export function tickFormatter(ticks: readonly number[]): (v: number) => string {
  let decimals = 0;
  while (decimals < 6 && ticks.some((v) => Math.abs(Number(v.toFixed(decimals)) - v) > 1e-9)) decimals++;
  return (v) => v.toFixed(decimals);
}
