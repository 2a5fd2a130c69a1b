// Image file decoding for the image loaders: PNG (pngjs) and JPEG (jpeg-js), both pure JavaScript,
// chosen by the file's magic bytes, not its name. Then one image becomes float channel values:
// alpha composited, optionally grey, resized, written straight into the caller's batch buffer.

import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { ArgumentError, FormatError, UnsupportedError } from '../errors.js';
import { resizeRows } from './resize.js';

/** 8-bit RGBA pixels, row-major, as both decoders give them. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

// Largest image decoded, in pixels: jpeg-js' own default guard (100 MP). The RGBA buffer alone is
// then 400 MB; anything larger is a corrupt header or not a training image.
const MAX_PIXELS = 100_000_000;

/** A decoder: how to recognise its files and how to decode them. */
export interface ImageDecoder {
  /** The format's name in messages. */
  format: string;
  /** File extensions (lower case, with the dot) the folder loader reads with it. */
  extensions: readonly string[];
  matches(bytes: Uint8Array): boolean;
  /** Throws a plain Error with the decoder's reason; the caller adds the file name. */
  decode(bytes: Uint8Array): Rgba;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function decodePngRgba(bytes: Uint8Array): Rgba {
  // The IHDR chunk (always first) holds width and height at bytes 16-23: check them before pngjs
  // allocates width * height * 4 bytes on the word of an untrusted header.
  if (bytes.length >= 24) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = v.getUint32(16, false);
    const h = v.getUint32(20, false);
    if (w * h > MAX_PIXELS) throw new Error(`its header declares ${w}x${h} pixels, over the ${MAX_PIXELS / 1e6} MP limit`);
  }
  let png: PNG;
  try {
    // pngjs turns palette, grey, grey+alpha and 16-bit images into 8-bit RGBA; CRCs are checked.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // pngjs' wording for data that stops early.
    if (/read requests waitng|unexpected end|Premature/i.test(msg)) throw new Error(`the file ends early (truncated?): ${msg}`);
    throw new Error(msg);
  }
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

function decodeJpegRgba(bytes: Uint8Array): Rgba {
  // tolerantDecoding (jpeg-js' default) skips blocks a corrupt scan places outside the image and
  // returns the picture anyway; off, that is an error, as the loaders promise for bad files.
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    tolerantDecoding: false,
    maxResolutionInMP: MAX_PIXELS / 1e6,
    maxMemoryUsageInMB: 1024,
  });
  return { width: img.width, height: img.height, data: img.data };
}

/** The decoders, tried in order on each file's first bytes. */
const imageDecoders: readonly ImageDecoder[] = [
  { format: 'PNG', extensions: ['.png'], matches: (b) => startsWith(b, PNG_MAGIC), decode: decodePngRgba },
  { format: 'JPEG', extensions: ['.jpg', '.jpeg'], matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]), decode: decodeJpegRgba },
];

/** Image formats recognised only to say plainly that they are not read. */
const UNSUPPORTED: readonly { format: string; extensions: readonly string[]; matches: (b: Uint8Array) => boolean }[] = [
  { format: 'GIF', extensions: ['.gif'], matches: (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]) },
  { format: 'BMP', extensions: ['.bmp'], matches: (b) => startsWith(b, [0x42, 0x4d]) },
  { format: 'WebP', extensions: ['.webp'], matches: (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP' },
  { format: 'TIFF', extensions: ['.tif', '.tiff'], matches: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { format: 'HEIC/AVIF', extensions: ['.heic', '.heif', '.avif'], matches: (b) => String.fromCharCode(...b.subarray(4, 8)) === 'ftyp' },
];

/** Extensions of files the folder loader reads. */
export const IMAGE_EXTENSIONS: readonly string[] = imageDecoders.flatMap((d) => d.extensions);
/** Extensions of image files it refuses rather than skip (a .gif among the .jpgs is a photo the user expects to be used). */
export const UNSUPPORTED_EXTENSIONS: readonly string[] = UNSUPPORTED.flatMap((d) => d.extensions);

function hex(bytes: Uint8Array, n: number): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Decodes one file's bytes to RGBA; `source` names it in errors. */
export function decodeRgba(bytes: Uint8Array, source: string): Rgba {
  if (bytes.length === 0) throw new FormatError(`${source}: the file is empty (0 bytes)`);
  const dec = imageDecoders.find((d) => d.matches(bytes));
  if (!dec) {
    const other = UNSUPPORTED.find((d) => d.matches(bytes));
    if (other) throw new UnsupportedError(`${source} is a ${other.format} image; nerva reads PNG and JPEG: convert it (e.g. \`convert in.${other.extensions[0].slice(1)} out.png\`)`);
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 40)).toString('latin1');
    const text = /^[\x09\x0a\x0d\x20-\x7e]+$/.test(head) ? ` (it starts with text: ${JSON.stringify(head.slice(0, 30))})` : '';
    throw new FormatError(`${source} is not a PNG or JPEG file: it starts with ${hex(bytes, 8)}${text}`);
  }
  let img: Rgba;
  try {
    img = dec.decode(bytes);
  } catch (e) {
    throw new FormatError(`${source}: unreadable ${dec.format} (corrupt or truncated): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (img.width < 1 || img.height < 1) throw new FormatError(`${source}: ${dec.format} of ${img.width}x${img.height} pixels has no pixels`);
  return img;
}

/** How transparent pixels are treated: composited over white or black, or the alpha dropped. */
export type AlphaMode = 'white' | 'black' | 'drop';

/** How decoded images are prepared: size, colour, transparency. */
export interface PixelOptions {
  /** Output [height, width] (default: the image's own size). */
  size?: readonly [number, number];
  /** One channel of luma (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B, PIL's 'L') instead of RGB. */
  grayscale?: boolean;
  /** Transparent pixels: composited over 'white' (default, what a viewer shows), 'black', or 'drop' the alpha (Keras/PIL's convert('RGB')). */
  alpha?: AlphaMode;
}

export function checkPixelOptions(who: string, opts: PixelOptions): void {
  if (opts.size !== undefined) {
    const s = opts.size;
    if (!Array.isArray(s) || s.length !== 2 || !s.every((d) => Number.isInteger(d) && d >= 1 && d <= 16384)) {
      throw new ArgumentError(`${who}: size must be [height, width], two integers from 1 to 16384, got ${JSON.stringify(s)}`);
    }
  }
  if (opts.grayscale !== undefined && typeof opts.grayscale !== 'boolean') {
    throw new ArgumentError(`${who}: grayscale must be true or false, got ${JSON.stringify(opts.grayscale)}`);
  }
  if (opts.alpha !== undefined && !['white', 'black', 'drop'].includes(opts.alpha)) {
    throw new ArgumentError(`${who}: alpha must be 'white', 'black' or 'drop', got ${JSON.stringify(opts.alpha)}`);
  }
}

/**
 * Writes one image as float32 0..255 [outH, outW, channels] into `out` at `offset`: alpha handled,
 * grey if asked, resized from its own size. Channels are 1 for grey, else 3.
 */
export function writePixels(img: Rgba, outH: number, outW: number, opts: PixelOptions, out: Float32Array, offset: number): void {
  const grey = opts.grayscale ?? false;
  const mode = opts.alpha ?? 'white';
  const channels = grey ? 1 : 3;
  const { width, data } = img;
  const bg = mode === 'white' ? 255 : 0;
  const readRow = (y: number, buf: Float32Array): void => {
    let p = y * width * 4;
    for (let x = 0; x < width; x++, p += 4) {
      let r = data[p], g = data[p + 1], b = data[p + 2];
      if (mode !== 'drop') {
        const a = data[p + 3] / 255;
        if (a < 1) {
          r = r * a + bg * (1 - a);
          g = g * a + bg * (1 - a);
          b = b * a + bg * (1 - a);
        }
      }
      if (grey) buf[x] = 0.299 * r + 0.587 * g + 0.114 * b;
      else {
        buf[3 * x] = r;
        buf[3 * x + 1] = g;
        buf[3 * x + 2] = b;
      }
    }
  };
  resizeRows(width, img.height, channels, outH, outW, readRow, out, offset);
}
