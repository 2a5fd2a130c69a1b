// A minimal SVG writer: the same drawing calls as Raster, kept as SVG elements with real <text>.

import { CAP_HEIGHT } from './font.js';
import { colorHex, type Rgb, type TextPlacement } from './raster.js';

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Rounded to 0.01 px: shorter files, no visible change.
const n = (v: number): string => String(Math.round(v * 100) / 100);

/** Collects SVG elements; `toString()` gives a standalone document. */
export class SvgDoc {
  private readonly parts: string[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.parts.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${colorHex(c)}"/>`);
  }

  strokeRect(x: number, y: number, w: number, h: number, c: Rgb, thickness = 1): void {
    const t = thickness / 2;
    this.parts.push(
      `<rect x="${n(x + t)}" y="${n(y + t)}" width="${n(w - thickness)}" height="${n(h - thickness)}" ` +
        `fill="none" stroke="${colorHex(c)}" stroke-width="${n(thickness)}"/>`,
    );
  }

  polyline(points: readonly (readonly [number, number])[], c: Rgb, thickness = 1): void {
    const pts = points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');
    this.parts.push(
      `<polyline points="${pts}" fill="none" stroke="${colorHex(c)}" stroke-width="${n(thickness)}" ` +
        `stroke-linejoin="round" stroke-linecap="square"/>`,
    );
  }

  text(str: string, x: number, y: number, c: Rgb, place: TextPlacement = {}): void {
    const { align = 'left', valign = 'top', scale = 2, vertical = false } = place;
    const cap = CAP_HEIGHT * scale;
    // A sans-serif cap height is about 0.72 em: match the bitmap font's cap height.
    const size = cap / 0.72;
    const shift = valign === 'top' ? cap : valign === 'middle' ? cap / 2 : 0;
    const anchor = align === 'left' ? 'start' : align === 'center' ? 'middle' : 'end';
    const [bx, by] = vertical ? [x + shift, y] : [x, y + shift];
    const rotate = vertical ? ` transform="rotate(-90 ${n(bx)} ${n(by)})"` : '';
    this.parts.push(
      `<text x="${n(bx)}" y="${n(by)}" font-size="${n(size)}" text-anchor="${anchor}" ` +
        `fill="${colorHex(c)}"${rotate}>${escapeXml(str)}</text>`,
    );
  }

  /** Cells of a grey image as rectangles (crisp, like a nearest-neighbour upscale). */
  image(
    values: ArrayLike<number>,
    rows: number,
    cols: number,
    x: number,
    y: number,
    cell: number,
    colormap: (v: number) => Rgb,
  ): void {
    const background = colormap(0);
    this.rect(x, y, cols * cell, rows * cell, background);
    const cells: string[] = [];
    for (let r = 0; r < rows; r++) {
      for (let col = 0; col < cols; col++) {
        const c = colorHex(colormap(values[r * cols + col]));
        if (c === colorHex(background)) continue;
        cells.push(`<rect x="${n(x + col * cell)}" y="${n(y + r * cell)}" width="${n(cell)}" height="${n(cell)}" fill="${c}"/>`);
      }
    }
    this.parts.push(`<g shape-rendering="crispEdges">${cells.join('')}</g>`);
  }

  toString(): string {
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" ` +
      `viewBox="0 0 ${this.width} ${this.height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">\n` +
      this.parts.join('\n') +
      '\n</svg>\n'
    );
  }
}
