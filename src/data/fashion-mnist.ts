// datasets.fashionMnist: Keras' `fashion_mnist.load_data()` for nerva, from a copy of the four IDX
// files the user has (no npm package ships the original files; nerva never downloads). Same shapes
// and dtypes as datasets.mnist: images uint8 [n, 28, 28], labels int32 [n] in 0..9.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { loadIdxSplits, type Split } from './mnist.js';

/** Label i is classNames[i], in Zalando's order. */
export const classNames: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** Options of `datasets.fashionMnist.loadData`. */
export interface FashionMnistLoadOptions {
  /**
   * The directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
   * and t10k-labels-idx1-ubyte (each plain or .gz). Default: Keras' download cache,
   * `$KERAS_HOME/datasets/fashion-mnist` (or `~/.keras/datasets/fashion-mnist`), if it exists.
   */
  path?: string;
}

/** Where Keras' `fashion_mnist.load_data()` keeps its download, so a Keras user's copy is found as is. */
function kerasCacheDir(): string {
  const kerasHome = process.env.KERAS_HOME || join(homedir(), '.keras');
  return join(kerasHome, 'datasets', 'fashion-mnist');
}

let cache: { dir: string; value: [Split, Split] } | null = null;

/**
 * Loads Fashion-MNIST: `[[xTrain, yTrain], [xTest, yTest]]` with images [60000, 28, 28] /
 * [10000, 28, 28] (uint8, 0..255) and labels [60000] / [10000] (int32, 0..9: see `classNames`).
 * The files are not bundled (about 30 MB; the MIT-licensed originals are in Zalando's
 * fashion-mnist repository under data/fashion, or in Keras' cache after one
 * `keras.datasets.fashion_mnist.load_data()`).
 * @example const [[xTrain, yTrain], [xTest, yTest]] = datasets.fashionMnist.loadData({ path: 'data/fashion' });
 *          datasets.fashionMnist.classNames[yTrain.toArray1d()[0]] // 'Ankle boot'
 */
export function loadData(opts: FashionMnistLoadOptions = {}): [Split, Split] {
  let dir = opts.path;
  if (dir === undefined) {
    const keras = kerasCacheDir();
    if (!existsSync(keras)) {
      throw new FormatError(
        'Fashion-MNIST: no files: nerva does not bundle or download them. Put the four IDX files ' +
          '(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, ' +
          "from Zalando's fashion-mnist repository, data/fashion) in a folder and pass " +
          `loadData({ path: 'that/folder' }) (nerva mnist: --data that/folder); nor is there a Keras download in "${keras}"`,
      );
    }
    dir = keras;
  }
  // Tensors are immutable, so repeated loads can share one copy.
  if (cache && cache.dir === dir) return cache.value;
  const value = loadIdxSplits(dir, 'Fashion-MNIST');
  for (const [split, [, y]] of [['train', value[0]], ['test', value[1]]] as const) {
    const bad = y.values.findIndex((v) => v >= classNames.length);
    if (bad >= 0) {
      throw new FormatError(
        `Fashion-MNIST: ${split} label ${bad} is ${y.values[bad]}, but Fashion-MNIST has ${classNames.length} classes (0-9); ` +
          `are the files in "${dir}" another dataset?`,
      );
    }
  }
  cache = { dir, value };
  return value;
}

/**
 * Keras' `keras.datasets.fashion_mnist`: 70,000 28 x 28 grey pictures of 10 kinds of clothing,
 * the same shapes as MNIST. The files are not bundled: give their folder (or have Keras' cache).
 * @example const [[xTrain, yTrain], [xTest, yTest]] = datasets.fashionMnist.loadData({ path: 'data/fashion' });
 * @namespace
 */
export const fashionMnist = {
  /** Keras' `fashion_mnist.load_data()`, from `path` or Keras' download cache; FormatError names what is missing. */
  loadData,
  /** Label i is classNames[i]: 'T-shirt/top', 'Trouser', ..., 'Ankle boot', in Zalando's order. */
  classNames,
};
