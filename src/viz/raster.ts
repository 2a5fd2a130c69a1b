// An RGBA pixel buffer with the few drawing primitives nerva's charts need: filled rectangles,
// thick lines, bitmap text and nearest-neighbour image blits. Encoded to PNG by png.ts.

import { CAP_HEIGHT, renderText } from './font.js';

/** An opaque colour as [red, green, blue], each 0..255. */
export type Rgb = readonly [number, number, number];

/** Parses `#rgb` or `#rrggbb` into an Rgb triple. */
export function parseColor(hex: string): Rgb {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  const n = Number.parseInt(full, 16);
  if (full.length !== 6 || Number.isNaN(n)) throw new Error(`viz: bad colour "${hex}"`);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Formats an Rgb triple as `#rrggbb`. */
export function colorHex(c: Rgb): string {
  return '#' + c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
}

/** Where a text's anchor point sits: horizontally, and vertically against the cap height. */
export interface TextPlacement {
  readonly align?: 'left' | 'center' | 'right';
  readonly valign?: 'top' | 'middle' | 'baseline';
  /** Each font pixel becomes scale x scale screen pixels. */
  readonly scale?: number;
  /** Rotate 90 degrees counter-clockwise (reads bottom to top), as a y-axis label. */
  readonly vertical?: boolean;
}

/** A width x height RGBA image, row-major, 4 bytes a pixel, fully opaque. */
export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** The colour at integer pixel (x, y). */
  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 4;
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = 255;
  }

  /** Fills the pixels whose centres lie inside the rectangle (edges rounded, clipped). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.set(px, py, c);
  }

  /** Draws a rectangle outline of the given thickness inside the box. */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb, thickness = 1): void {
    this.fillRect(x, y, w, thickness, c);
    this.fillRect(x, y + h - thickness, w, thickness, c);
    this.fillRect(x, y, thickness, h, c);
    this.fillRect(x + w - thickness, y, thickness, h, c);
  }

  /** A straight line with a square pen `thickness` pixels wide (steps along the longer axis). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const off = (thickness - 1) / 2;
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const x = x0 + (x1 - x0) * t;
      const y = y0 + (y1 - y0) * t;
      this.fillRect(Math.round(x - off), Math.round(y - off), thickness, thickness, c);
    }
  }

  /** Draws `text` in the bitmap font with its anchor at (x, y), placed as `place` says. */
  text(str: string, x: number, y: number, c: Rgb, place: TextPlacement = {}): void {
    const { align = 'left', valign = 'top', scale = 2, vertical = false } = place;
    const mask = renderText(str);
    const along = mask.width * scale;
    const capPx = CAP_HEIGHT * scale;
    // Offsets along the text direction (a) and across it (b, downwards from the cap top).
    const a0 = align === 'left' ? 0 : align === 'center' ? -along / 2 : -along;
    const b0 = valign === 'top' ? 0 : valign === 'middle' ? -capPx / 2 : -capPx;
    for (let my = 0; my < mask.height; my++) {
      for (let mx = 0; mx < mask.width; mx++) {
        if (!mask.ink[my * mask.width + mx]) continue;
        const a = Math.round(a0 + mx * scale);
        const b = Math.round(b0 + my * scale);
        if (vertical) this.fillRect(x + b, y - a - scale, scale, scale, c);
        else this.fillRect(x + a, y + b, scale, scale, c);
      }
    }
  }

  /**
   * Copies a grey image (values 0..1, row-major `rows` x `cols`) with each value as a `cell`-pixel
   * square (nearest neighbour, no smoothing), colouring values with `colormap`.
   */
  image(
    values: ArrayLike<number>,
    rows: number,
    cols: number,
    x: number,
    y: number,
    cell: number,
    colormap: (v: number) => Rgb,
  ): void {
    for (let r = 0; r < rows; r++) {
      for (let col = 0; col < cols; col++) {
        this.fillRect(x + col * cell, y + r * cell, cell, cell, colormap(values[r * cols + col]));
      }
    }
  }
}
