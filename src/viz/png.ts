// PNG encoding and decoding of a Raster through pngjs (pure JavaScript, no native code).

import { PNG } from 'pngjs';
import { FormatError } from '../errors.js';
import { Raster } from './raster.js';

/** Encodes a raster as an 8-bit RGBA PNG. */
export function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data = Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength);
  return PNG.sync.write(png, { colorType: 6 });
}

/** Decodes a PNG into a raster (used by tests and by anyone checking a picture's pixels). */
export function decodePng(bytes: Uint8Array): Raster {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new FormatError(`viz.decodePng: not a readable PNG (${(e as Error).message})`);
  }
  const raster = new Raster(png.width, png.height);
  raster.data.set(png.data.subarray(0, raster.data.length));
  return raster;
}
