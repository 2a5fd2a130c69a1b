// viz.saveImage: the PNG decodes to the image's pixels (grey, RGB, fractions, scale), and bad input
// gets an error naming the shape.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveImage } from './save-image.js';
import { decodePng } from './png.js';
import * as ops from '../ops/index.js';
import { decodeImage } from '../data/image-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'nerva-save-image-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a grey [h, w] image in 0..255 round-trips through the PNG and data.decodeImage', () => {
  const img = ops.tensor(Float32Array.from({ length: 12 }, (_, i) => i * 20), [3, 4]);
  const file = join(dir, 'grey.png');
  const png = saveImage(file, img);
  assert.deepEqual(readFileSync(file), Buffer.from(png));
  const r = decodePng(png);
  assert.equal(r.width, 4);
  assert.equal(r.height, 3);
  assert.deepEqual(r.get(3, 2), [220, 220, 220]);
  assert.deepEqual(Array.from(decodeImage(png, { grayscale: true }).values), Array.from(img.values));
});

test('fractions in 0..1 are scaled by 255; scale stretches min..max; RGB keeps its channels', () => {
  const r1 = decodePng(saveImage(join(dir, 'frac.png'), [[0, 0.5], [1, 0.25]]));
  assert.deepEqual([r1.get(0, 0)[0], r1.get(1, 0)[0], r1.get(0, 1)[0], r1.get(1, 1)[0]], [0, 128, 255, 64]);
  const r2 = decodePng(saveImage(join(dir, 'scaled.png'), [[-1, 1]], { scale: true }));
  assert.deepEqual([r2.get(0, 0)[0], r2.get(1, 0)[0]], [0, 255]);
  const rgb = ops.tensor([[[255, 0, 0], [0, 0, 255]]]);
  assert.deepEqual(decodePng(saveImage(join(dir, 'rgb.png'), rgb)).get(1, 0), [0, 0, 255]);
});

test('bad input names the function and the shape', () => {
  assert.throws(() => saveImage(join(dir, 'x.jpg'), [[1]]), /viz\.saveImage: file must be a path ending in \.png/);
  assert.throws(() => saveImage(join(dir, 'b.png'), ops.zeros([1, 28, 28])), /expected an image \[height, width\] or \[height, width, 1 \| 3 \| 4\], got \[1, 28, 28\] \(a batch of one/);
  assert.throws(() => saveImage(join(dir, 'n.png'), [[NaN]]), /holds NaN at index 0/);
});
