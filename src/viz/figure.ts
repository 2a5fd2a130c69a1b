// A Figure draws every call twice, into a Raster (for PNG) and an SvgDoc (for SVG), so each chart
// is written once and comes out in both formats; plus saving a finished picture to a file.

import { writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { ArgumentError } from '../errors.js';
import { ensureDirSync, fileSystemError } from '../io/paths.js';
import { encodePng } from './png.js';
import { Raster, type Rgb, type TextPlacement } from './raster.js';
import { SvgDoc } from './svg.js';

/** A finished picture in both formats. */
export interface Picture {
  /** PNG file bytes. */
  readonly png: Buffer;
  /** A standalone SVG document. */
  readonly svg: string;
}

/** Where and how to save a picture. */
export interface SaveOptions {
  /** File to write (parent folders are created): `.png` or `.svg`, which picks the format. */
  readonly file?: string;
  /** The format, for a file name without (or with another) extension. */
  readonly format?: 'png' | 'svg';
}

/** A canvas of width x height pixels drawn to PNG and SVG at once. */
export class Figure {
  readonly raster: Raster;
  private readonly svg: SvgDoc;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.raster = new Raster(width, height);
    this.svg = new SvgDoc(width, height);
    this.svg.rect(0, 0, width, height, [255, 255, 255]);
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.raster.fillRect(x, y, w, h, c);
    this.svg.rect(x, y, w, h, c);
  }

  strokeRect(x: number, y: number, w: number, h: number, c: Rgb, thickness = 1): void {
    this.raster.strokeRect(x, y, w, h, c, thickness);
    this.svg.strokeRect(x, y, w, h, c, thickness);
  }

  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    this.polyline([[x0, y0], [x1, y1]], c, thickness);
  }

  polyline(points: readonly (readonly [number, number])[], c: Rgb, thickness = 1): void {
    for (let i = 1; i < points.length; i++) {
      const [a, b] = [points[i - 1], points[i]];
      this.raster.line(a[0], a[1], b[0], b[1], c, thickness);
    }
    this.svg.polyline(points, c, thickness);
  }

  text(str: string, x: number, y: number, c: Rgb, place: TextPlacement = {}): void {
    this.raster.text(str, x, y, c, place);
    this.svg.text(str, x, y, c, place);
  }

  image(
    values: ArrayLike<number>,
    rows: number,
    cols: number,
    x: number,
    y: number,
    cell: number,
    colormap: (v: number) => Rgb,
  ): void {
    this.raster.image(values, rows, cols, x, y, cell, colormap);
    this.svg.image(values, rows, cols, x, y, cell, colormap);
  }

  /** An image given as one colour per cell (row-major rows x cols), each cell a `cell`-pixel square. */
  pixels(colors: readonly Rgb[], rows: number, cols: number, x: number, y: number, cell: number): void {
    const index = Array.from({ length: rows * cols }, (_, i) => i);
    this.image(index, rows, cols, x, y, cell, (i) => colors[i]);
  }

  /** Encodes what was drawn. */
  finish(): Picture {
    return { png: encodePng(this.raster), svg: this.svg.toString() };
  }
}

/**
 * The format to write `file` in: its extension (.png or .svg) or `format`. A file named .jpg,
 * .pdf, ... would get bytes of another format, so it is refused unless `format` says otherwise.
 */
function pictureFormat(file: string, format: 'png' | 'svg' | undefined, who: string): 'png' | 'svg' {
  const ext = extname(file).toLowerCase();
  const named = ext === '.png' ? 'png' : ext === '.svg' ? 'svg' : null;
  if (named && format && named !== format) {
    throw new ArgumentError(`${who}: file ${JSON.stringify(file)} is named ${ext} but format is '${format}'; use one or the other`);
  }
  const chosen = format ?? named;
  if (!chosen) {
    const what = ext ? `${ext} pictures` : 'a file without an extension';
    throw new ArgumentError(`${who}: cannot write ${what} (${JSON.stringify(file)}): nerva draws PNG and SVG; name the file .png or .svg (or pass format)`);
  }
  return chosen;
}

/** Writes `picture` to `options.file` (if given) as PNG or SVG; parent folders are created. */
export function savePicture(picture: Picture, options: SaveOptions, who: string): void {
  const { file, format } = options;
  if (format !== undefined && format !== 'png' && format !== 'svg') {
    throw new ArgumentError(`${who}: format must be 'png' or 'svg', got ${JSON.stringify(format)}`);
  }
  if (file === undefined) return;
  if (typeof file !== 'string' || file === '') throw new ArgumentError(`${who}: file must be a non-empty path, got ${JSON.stringify(file)}`);
  const asSvg = pictureFormat(file, format, who) === 'svg';
  writePictureFile(file, asSvg ? picture.svg : picture.png, who);
}

/** Writes a picture file, creating parent folders; fs errors become errors naming `who` and the file. */
export function writePictureFile(file: string, bytes: string | Uint8Array, who: string): void {
  ensureDirSync(dirname(file), who);
  try {
    writeFileSync(file, bytes);
  } catch (e) {
    throw fileSystemError(e, who, 'write', file);
  }
}

/** matplotlib's "binary" colormap: 0 is white, 1 is black. */
export function binary(v: number): Rgb {
  const g = Math.round(255 * (1 - Math.min(1, Math.max(0, v))));
  return [g, g, g];
}

// ColorBrewer "Blues" (9 classes), the light-to-dark ramp matplotlib's Blues is built from.
const BLUES: readonly Rgb[] = [
  [247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214],
  [66, 146, 198], [33, 113, 181], [8, 81, 156], [8, 48, 107],
];

/** A white-to-dark-blue colormap for 0..1, interpolated linearly between the Blues stops. */
export function blues(v: number): Rgb {
  const t = Math.min(1, Math.max(0, v)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(t));
  const f = t - i;
  const [a, b] = [BLUES[i], BLUES[i + 1]];
  const mix = (k: number): number => Math.round(a[k] + (b[k] - a[k]) * f);
  return [mix(0), mix(1), mix(2)];
}

// ColorBrewer "RdBu" (11 classes) reversed, as matplotlib's RdBu_r: blue below zero, red above,
// a near-white grey at zero, so the sign of a weight or attribution reads at a glance.
const RDBU_R: readonly Rgb[] = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];

/** The colour `diverging(0)` gives: the middle of the diverging map. */
export const DIVERGING_ZERO: Rgb = RDBU_R[5];

/** A diverging colormap for -1..1 (clipped): dark blue at -1, near-white at 0, dark red at +1. */
export function diverging(v: number): Rgb {
  const t = ((Math.min(1, Math.max(-1, Number.isFinite(v) ? v : 0)) + 1) / 2) * (RDBU_R.length - 1);
  const i = Math.min(RDBU_R.length - 2, Math.floor(t));
  const f = t - i;
  const [a, b] = [RDBU_R[i], RDBU_R[i + 1]];
  const mix = (k: number): number => Math.round(a[k] + (b[k] - a[k]) * f);
  return [mix(0), mix(1), mix(2)];
}

/**
 * Signed values on the diverging map (scaled by `scale`), multiplied onto a light-grey copy of an
 * image (`ink` 0..1), so the image shows through: a saliency or weight map drawn over the digit.
 */
export function overInk(values: ArrayLike<number>, ink: ArrayLike<number>, scale: number): Rgb[] {
  return Array.from({ length: values.length }, (_, i) => {
    const c = diverging(values[i] / scale);
    const base = 1 - 0.45 * Math.min(1, Math.max(0, ink[i]));
    return [Math.round(c[0] * base), Math.round(c[1] * base), Math.round(c[2] * base)] as Rgb;
  });
}

/** Colours used across the charts (matplotlib's defaults where it has one). */
export const COLORS = {
  black: [0, 0, 0] as Rgb,
  white: [255, 255, 255] as Rgb,
  grey: [119, 119, 119] as Rgb, // #777777, the tutorial's bar colour
  lightGrey: [204, 204, 204] as Rgb,
  right: [0, 0, 255] as Rgb,
  wrong: [255, 0, 0] as Rgb,
  train: [31, 119, 180] as Rgb, // matplotlib C0
  val: [255, 127, 14] as Rgb, // matplotlib C1
  frame: [170, 170, 170] as Rgb, // thin frames around tiles whose edges are near-white
} as const;
