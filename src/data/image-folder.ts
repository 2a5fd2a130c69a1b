// data.loadImageFolder / loadImageFolderSync / decodeImage: a folder with one sub-folder per class
// (Keras' image_dataset_from_directory layout) to x float32 [n, h, w, c] (0..255) and y int32 [n].
// Every image is read; a file that cannot be is named in the error, never skipped.

import { readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, extname, relative } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, FormatError, UnsupportedError } from '../errors.js';
import { fileError, readFileBytes, readFileBytesAsync } from './files.js';
import { checkOptionKeys } from './table.js';
import {
  decodeRgba, writePixels, checkPixelOptions, IMAGE_EXTENSIONS, UNSUPPORTED_EXTENSIONS,
  type PixelOptions, type Rgba,
} from './image-decode.js';

/** Options of loadImageFolder: how to prepare the pixels, and which class folders to read. */
export interface ImageFolderOptions extends PixelOptions {
  /**
   * The class folders to read, in label order (label i is classNames[i]); folders not listed are
   * left out. Default: every sub-folder, sorted by name (code-point order, as Keras sorts them).
   */
  classNames?: readonly string[];
}

/** `[x, y, classNames, filePaths]`: filePaths[i] is the file of x[i], to find a misread image. */
export type ImageFolderData = [x: Tensor, y: Tensor, classNames: string[], filePaths: string[]];

const FOLDER_OPTION_KEYS = ['size', 'grayscale', 'alpha', 'classNames'];

// Dot-files are never images: .DS_Store, and macOS' AppleDouble "._cat.jpg" files, which carry an
// image extension but hold Finder metadata.
const isHidden = (name: string): boolean => name.startsWith('.');

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw fileError(path, e);
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !isHidden(n)).sort();
  } catch (e) {
    throw fileError(dir, e);
  }
}

/**
 * The image files under one class folder, nested folders included (as Keras walks them), sorted by
 * relative path. Files with other extensions (README, Thumbs.db, .csv) are not images and are left;
 * GIF/BMP/WebP/TIFF/HEIC files are refused, since the user expects them to be used.
 */
function classFiles(who: string, classDir: string): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    // Following symlinks is allowed; a link back up the tree would loop, so each real dir is read once.
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of listDir(dir)) {
      const p = join(dir, name);
      const st = statOrThrow(p);
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      const ext = extname(name).toLowerCase();
      if (IMAGE_EXTENSIONS.includes(ext)) files.push(p);
      else if (UNSUPPORTED_EXTENSIONS.includes(ext)) {
        throw new UnsupportedError(`${who}: "${p}" is a ${ext.slice(1).toUpperCase()} file; nerva reads PNG and JPEG: convert it or move it out of the folder`);
      }
    }
  };
  walk(classDir);
  return files.sort();
}

interface Listing {
  classNames: string[];
  files: string[];
  labels: Int32Array;
}

function listImages(who: string, dir: string, opts: ImageFolderOptions): Listing {
  if (typeof dir !== 'string') throw new ArgumentError(`${who}: expected a directory path, got ${typeof dir}`);
  if (!statOrThrow(dir).isDirectory()) throw new FormatError(`${who}: "${dir}" is a file; expected a folder holding one sub-folder per class`);
  const entries = listDir(dir);
  const folders = entries.filter((n) => statOrThrow(join(dir, n)).isDirectory());
  const stray = entries.filter((n) => !folders.includes(n) && IMAGE_EXTENSIONS.includes(extname(n).toLowerCase()));
  if (stray.length > 0) {
    const where = folders.length === 0 ? ` and no sub-folders: is "${dir}" a class folder itself? Pass its parent` : '; move them into the folder of their class';
    throw new FormatError(`${who}: images directly in "${dir}" (${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ' ...' : ''}) belong to no class${where}`);
  }
  let classNames: string[];
  if (opts.classNames !== undefined) {
    const cn = opts.classNames;
    if (!Array.isArray(cn) || cn.length === 0 || !cn.every((c) => typeof c === 'string' && c.length > 0)) {
      throw new ArgumentError(`${who}: classNames must be a non-empty array of folder names`);
    }
    const dup = cn.find((c, i) => cn.indexOf(c) !== i);
    if (dup !== undefined) throw new ArgumentError(`${who}: classNames lists "${dup}" twice`);
    for (const c of cn) {
      if (!folders.includes(c)) {
        throw new FormatError(`${who}: no class folder "${c}" in "${dir}"; its folders are ${folders.length ? folders.map((f) => `"${f}"`).join(', ') : 'none'}`);
      }
    }
    classNames = [...cn];
  } else {
    if (folders.length === 0) {
      throw new FormatError(`${who}: no class folders in "${dir}"; expected one sub-folder per class (${join(dir, 'cat', '1.jpg')}, ${join(dir, 'dog', '1.jpg')} ...)`);
    }
    classNames = folders;
  }
  const files: string[] = [];
  const labels: number[] = [];
  classNames.forEach((c, k) => {
    const found = classFiles(who, join(dir, c));
    if (found.length === 0) throw new FormatError(`${who}: class folder "${join(dir, c)}" holds no PNG or JPEG images`);
    for (const f of found) {
      files.push(f);
      labels.push(k);
    }
  });
  return { classNames, files, labels: Int32Array.from(labels) };
}

/** Collects decoded images into one buffer; its size is fixed by `size` or by the first image. */
class Batch {
  private x: Float32Array | null = null;
  private h = 0;
  private w = 0;
  private readonly c: number;

  constructor(private readonly who: string, private readonly dir: string, private readonly count: number, private readonly opts: PixelOptions) {
    this.c = opts.grayscale ? 1 : 3;
    if (opts.size) [this.h, this.w] = opts.size;
  }

  add(i: number, img: Rgba, path: string): void {
    if (!this.x) {
      if (!this.opts.size) [this.h, this.w] = [img.height, img.width];
      const n = this.count * this.h * this.w * this.c;
      try {
        this.x = new Float32Array(n);
      } catch {
        throw new ArgumentError(
          `${this.who}: ${this.count} images of ${this.h}x${this.w}x${this.c} are ${(n * 4 / 2 ** 30).toFixed(1)} GiB of float32, more than fits; pass a smaller size`,
        );
      }
    }
    if (!this.opts.size && (img.height !== this.h || img.width !== this.w)) {
      throw new FormatError(
        `${this.source(path)} is ${img.height}x${img.width} (height x width) but the first image is ${this.h}x${this.w}; ` +
          'pass size: [height, width] to resize them all',
      );
    }
    writePixels(img, this.h, this.w, this.opts, this.x, i * this.h * this.w * this.c);
  }

  tensor(): Tensor {
    return new Tensor(this.x!, [this.count, this.h, this.w, this.c], 'float32');
  }

  source(path: string): string {
    return `${this.who}: "${relative(this.dir, path) || path}"`;
  }
}

function checkFolderOptions(who: string, opts: ImageFolderOptions): void {
  checkOptionKeys(who, opts, FOLDER_OPTION_KEYS);
  checkPixelOptions(who, opts);
}

/**
 * Loads images from a folder with one sub-folder per class (`dir/cat/*.jpg`, `dir/dog/*.png`;
 * nested folders count for their class). Returns `[x, y, classNames, filePaths]`: x float32
 * [n, h, w, c] with values 0..255 (as Keras' image_dataset_from_directory; divide by 255 for
 * 0..1), c = 3 (RGB) or 1 (`grayscale`); y int32 [n], the index of the class in classNames. Files
 * are in class order, then sorted by path (not shuffled: trainTestSplit or fit shuffle).
 *
 * PNG and JPEG are read whatever their extension says (pure JS: pngjs, jpeg-js). `size` resizes:
 * shrinking averages pixel areas, enlarging is bilinear; the aspect ratio is not kept (as Keras'
 * default). Transparency is composited over white unless `alpha` says otherwise. EXIF orientation
 * is ignored (as in Keras): a phone photo stored sideways loads sideways. Hidden files and files of
 * other types are ignored; GIF/BMP/WebP/TIFF files, unreadable or truncated images, empty class
 * folders and images outside class folders are errors that name the file.
 * @example const [x, y, classNames] = await data.loadImageFolder('photos', { size: [64, 64] });
 *          model.fit(x.div(255), y, { epochs: 5 });
 */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<ImageFolderData> {
  const who = `loadImageFolder "${dir}"`;
  checkFolderOptions(who, opts);
  const list = listImages(who, dir, opts);
  const batch = new Batch(who, dir, list.files.length, opts);
  for (let i = 0; i < list.files.length; i++) {
    // Reading awaits, so a server loading a folder keeps answering between images.
    const bytes = await readFileBytesAsync(list.files[i]);
    batch.add(i, decodeRgba(bytes, batch.source(list.files[i])), list.files[i]);
  }
  return [batch.tensor(), new Tensor(list.labels, [list.labels.length], 'int32'), list.classNames, list.files];
}

/**
 * `loadImageFolder` without the await, for scripts.
 * @example const [x, y, classNames] = data.loadImageFolderSync('photos', { size: [64, 64], grayscale: true });
 */
export function loadImageFolderSync(dir: string, opts: ImageFolderOptions = {}): ImageFolderData {
  const who = `loadImageFolderSync "${dir}"`;
  checkFolderOptions(who, opts);
  const list = listImages(who, dir, opts);
  const batch = new Batch(who, dir, list.files.length, opts);
  list.files.forEach((f, i) => batch.add(i, decodeRgba(readFileBytes(f), batch.source(f)), f));
  return [batch.tensor(), new Tensor(list.labels, [list.labels.length], 'int32'), list.classNames, list.files];
}

/**
 * One PNG or JPEG (bytes of an upload, a file) to float32 [h, w, c] 0..255, prepared exactly as
 * loadImageFolder prepares training images: same resize, grey and alpha rules. Add the batch axis
 * with `expandDims(0)` to predict.
 * @example const x = data.decodeImage(req.body, { size: [64, 64] }).div(255).expandDims(0);
 *          const probs = model.predict(x);
 */
export function decodeImage(bytes: Uint8Array, opts: PixelOptions = {}): Tensor {
  const who = 'decodeImage';
  checkOptionKeys(who, opts, ['size', 'grayscale', 'alpha']);
  checkPixelOptions(who, opts);
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`${who}: expected the image's bytes as a Uint8Array or Buffer, got ${typeof bytes}`);
  const img = decodeRgba(bytes, `${who}: the image`);
  const [h, w] = opts.size ?? [img.height, img.width];
  const c = opts.grayscale ? 1 : 3;
  const out = new Float32Array(h * w * c);
  writePixels(img, h, w, opts, out, 0);
  return new Tensor(out, [h, w, c], 'float32');
}
