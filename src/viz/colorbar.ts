// The colour bar beside a heat-map picture (weights, attributions, feature maps): the colormap drawn
// as a vertical strip with its scale, so a colour can be read back as a number.

import { textWidth } from './font.js';
import { COLORS, type Figure } from './figure.js';
import type { Rgb } from './raster.js';
import type { Box } from './axes.js';

/** A colormap over a value range: `color(v)` for v in [lo, hi]. */
export interface ColorScale {
  readonly lo: number;
  readonly hi: number;
  readonly color: (v: number) => Rgb;
}

/**
 * The bound of a symmetric scale [-m, m] over `v`: its largest magnitude, or 1 when that is 0 or not
 * finite (all zeros, a NaN or an infinity), so the scale stays drawable.
 * @example maxAbs([-3, 2]) // 3
 */
export function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m > 0 && Number.isFinite(m) ? m : 1;
}

/** Short tick labels: `0`, `0.25`, `-1.3`, `4.2e-3`, `120`. */
export function formatTick(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v === 0 ? 0 : v);
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.01) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(2)));
}

/** Width in pixels a colour bar needs with its labels and caption (text scale 2). */
export function colorBarWidth(scale: ColorScale, caption = '', barWidth = 16): number {
  const labels = colorBarTicks(scale).map((v) => textWidth(formatTick(v)) * 2);
  return Math.max(barWidth + 8 + Math.max(...labels), textWidth(caption) * 2);
}

/** Height below the bar that its caption takes. */
export const COLOR_BAR_CAPTION = 28;

/** Ticks at the ends and the middle (zero, for a symmetric scale). */
export function colorBarTicks({ lo, hi }: ColorScale): number[] {
  return lo === hi ? [lo] : [lo, (lo + hi) / 2, hi];
}

/**
 * Draws the colormap as a vertical strip in `box` (hi at the top) with a frame, ticks and labels to
 * its right, and an optional caption under it (COLOR_BAR_CAPTION pixels).
 */
export function drawColorBar(fig: Figure, box: Box, scale: ColorScale, caption?: string): void {
  const { x, y, w, h } = box;
  const { lo, hi } = scale;
  for (let r = 0; r < h; r++) {
    const v = hi - ((r + 0.5) / h) * (hi - lo);
    fig.rect(x, y + r, w, 1, scale.color(v));
  }
  fig.strokeRect(x - 1, y - 1, w + 2, h + 2, COLORS.black);
  for (const v of colorBarTicks(scale)) {
    const ty = lo === hi ? y + h / 2 : Math.round(y + ((hi - v) / (hi - lo)) * (h - 1));
    fig.rect(x + w + 1, ty, 4, 1, COLORS.black);
    fig.text(formatTick(v), x + w + 7, ty + 1, COLORS.black, { valign: 'middle', scale: 2 });
  }
  if (caption) fig.text(caption, x - 1, y + h + 10, COLORS.black, { scale: 2 });
}
