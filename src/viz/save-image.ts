// viz.saveImage: one image tensor to a PNG file, Keras' keras.utils.save_img. Handy for looking at
// a sample, for making an image folder (data.loadImageFolder) or a digit to send to a server.

import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { writePictureFile } from './figure.js';
import { flat, type ArrayInput } from './input.js';
import { Raster } from './raster.js';
import { encodePng } from './png.js';

/** Options of saveImage. */
export interface SaveImageOptions {
  /**
   * Stretch the values' own minimum..maximum to 0..255 (Keras' `scale=True`). Default: values in
   * 0..1 are taken as fractions (×255), anything else as 0..255 as it is.
   */
  scale?: boolean;
}

/**
 * Writes an image [height, width] (grey), [height, width, 1], [height, width, 3] (RGB) or
 * [height, width, 4] (RGBA) to `file` as a PNG and returns the PNG's bytes. Values are 0..255, or
 * 0..1 fractions; they are rounded and clipped.
 * @example
 * const [[xTrain]] = datasets.mnist.loadData();
 * viz.saveImage('out/digit.png', xTrain.slice([0, 0, 0], [1, 28, 28]).reshape([28, 28]));
 */
export function saveImage(file: string, image: ArrayInput, options: SaveImageOptions = {}): Uint8Array {
  const who = 'viz.saveImage';
  if (typeof file !== 'string' || !file.toLowerCase().endsWith('.png')) {
    throw new ArgumentError(`${who}: file must be a path ending in .png, got ${JSON.stringify(file)}`);
  }
  const { data, shape } = flat(image, who);
  if (!shape || !(shape.length === 2 || (shape.length === 3 && [1, 3, 4].includes(shape[2])))) {
    const got = shape ? fmtShape(shape) : `a flat array of ${data.length}`;
    throw new ShapeError(`${who}: expected an image [height, width] or [height, width, 1 | 3 | 4], got ${got}${shape?.length === 3 && shape[0] === 1 ? ' (a batch of one: take image 0, e.g. x.reshape(x.shape.slice(1)))' : ''}`);
  }
  const [h, w] = shape;
  const c = shape.length === 3 ? shape[2] : 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new ArgumentError(`${who}: the image holds ${v} at index ${i}; pixels must be finite numbers`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const toByte = options.scale
    ? (v: number): number => (hi > lo ? ((v - lo) / (hi - lo)) * 255 : 0)
    : lo >= 0 && hi <= 1 ? (v: number): number => v * 255 : (v: number): number => v;
  const raster = new Raster(w, h);
  const px = (v: number): number => Math.max(0, Math.min(255, Math.round(toByte(v))));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = (y * w + x) * c;
      const rgb = c >= 3 ? [px(data[at]), px(data[at + 1]), px(data[at + 2])] as const : [px(data[at]), px(data[at]), px(data[at])] as const;
      raster.set(x, y, rgb);
      if (c === 4) raster.data[(y * w + x) * 4 + 3] = px(data[at + 3]);
    }
  }
  const png = encodePng(raster);
  writePictureFile(file, png, who);
  return png;
}
