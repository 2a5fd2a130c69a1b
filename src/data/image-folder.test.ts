// data.loadImageFolder / loadImageFolderSync / decodeImage on folders of PNGs (written with pngjs) and
// JPEGs (written with jpeg-js' encoder) in a temp dir: layout rules, pixel values, resize, grey,
// alpha, and every bad file named in the error.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { data, ArgumentError, FormatError, UnsupportedError } from '../index.js';

type Rgba = [number, number, number, number];

/** A w x h RGBA buffer; `pixel(x, y)` gives each pixel's colour. */
function rgba(w: number, h: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const buf = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) buf.set(pixel(x, y), 4 * (y * w + x));
  return buf;
}

function png(w: number, h: number, pixel: (x: number, y: number) => Rgba, colorType: 0 | 2 | 6 = 6): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data = rgba(w, h, pixel);
  return PNG.sync.write(p, { colorType });
}

function jpg(w: number, h: number, pixel: (x: number, y: number) => Rgba): Buffer {
  return jpeg.encode({ width: w, height: h, data: rgba(w, h, pixel) }, 100).data;
}

const flat = (c: Rgba) => (): Rgba => c;

let tmp = '';
let n = 0;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nerva-img-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a folder tree: keys are relative paths, values the bytes. */
function tree(files: Record<string, Buffer | string>): string {
  const root = join(tmp, `t${n++}`);
  for (const [rel, bytes] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, bytes);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

async function rejectsBoth(dir: string, opts: data.ImageFolderOptions, cls: new (...a: never[]) => Error, ...patterns: RegExp[]): Promise<void> {
  const check = (e: unknown): boolean => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  };
  await assert.rejects(data.loadImageFolder(dir, opts), check);
  assert.throws(() => data.loadImageFolderSync(dir, opts), check);
}

describe('loadImageFolder layout', () => {
  test('one sub-folder per class, sorted; nested folders count; hidden and non-image files are ignored', async () => {
    const red = png(4, 4, flat([255, 0, 0, 255]));
    const blue = png(4, 4, flat([0, 0, 255, 255]));
    const root = tree({
      'dog/b.png': blue,
      'dog/deep/er/c.png': blue,
      'cat/a.png': red,
      'cat/.DS_Store': 'junk',
      'cat/._a.png': 'AppleDouble junk with an image extension',
      'cat/notes.txt': 'not an image',
      'README.md': '# my photos',
    });
    for (const [x, y, classNames, files] of [await data.loadImageFolder(root), data.loadImageFolderSync(root)]) {
      assert.deepEqual(classNames, ['cat', 'dog']);
      assert.deepEqual(x.shape, [3, 4, 4, 3]);
      assert.equal(x.dtype, 'float32');
      assert.equal(y.dtype, 'int32');
      assert.deepEqual(y.toArray(), [0, 1, 1]);
      assert.deepEqual(files.map((f) => f.slice(root.length + 1)), ['cat/a.png', 'dog/b.png', 'dog/deep/er/c.png']);
      assert.deepEqual(Array.from(x.values.subarray(0, 3)), [255, 0, 0]);
      assert.deepEqual(Array.from(x.values.subarray(48, 51)), [0, 0, 255]);
    }
  });

  test('classNames fixes the order and picks a subset', async () => {
    const root = tree({ 'a/1.png': png(2, 2, flat([1, 1, 1, 255])), 'b/1.png': png(2, 2, flat([2, 2, 2, 255])), 'c/1.png': png(2, 2, flat([3, 3, 3, 255])) });
    const [x, y, names] = await data.loadImageFolder(root, { classNames: ['c', 'a'] });
    assert.deepEqual(names, ['c', 'a']);
    assert.deepEqual(y.toArray(), [0, 1]);
    assert.equal(x.values[0], 3);
    assert.equal(x.values[12], 1);
    await rejectsBoth(root, { classNames: ['a', 'zebra'] }, FormatError, /no class folder "zebra".*its folders are "a", "b", "c"/);
    await rejectsBoth(root, { classNames: ['a', 'a'] }, ArgumentError, /lists "a" twice/);
  });

  test('empty class folder, no class folders, images outside class folders', async () => {
    const one = png(2, 2, flat([0, 0, 0, 255]));
    await rejectsBoth(tree({ 'cat/1.png': one, 'dog/readme.txt': 'x' }), {}, FormatError, /class folder ".*dog" holds no PNG or JPEG images/);
    await rejectsBoth(tree({ 'x.txt': 'x' }), {}, FormatError, /no class folders in/);
    await rejectsBoth(tree({ '1.png': one, '2.png': one }), {}, FormatError, /images directly in .*\(1\.png, 2\.png\) belong to no class and no sub-folders/);
    await rejectsBoth(tree({ 'cat/1.png': one, 'stray.jpg': one }), {}, FormatError, /stray\.jpg.*move them into the folder of their class/);
  });

  test('a missing folder or a file instead of a folder', async () => {
    await rejectsBoth(join(tmp, 'nope'), {}, FormatError, /file not found: ".*nope"/);
    const root = tree({ 'f.png': png(1, 1, flat([0, 0, 0, 255])) });
    await rejectsBoth(join(root, 'f.png'), {}, FormatError, /is a file; expected a folder/);
  });
});

describe('bad images are named, never skipped', () => {
  const good = (): Buffer => png(8, 8, (x, y) => [x * 30, y * 30, 7, 255]);
  test('a truncated PNG', async () => {
    const g = good();
    await rejectsBoth(tree({ 'cat/ok.png': g, 'cat/cut.png': g.subarray(0, g.length - 30) }), {}, FormatError, /"cat\/cut\.png": unreadable PNG \(corrupt or truncated\)/);
  });
  test('a truncated JPEG', async () => {
    const j = jpg(32, 32, (x, y) => [x * 8, y * 8, (x * y) % 256, 255]);
    await rejectsBoth(tree({ 'cat/cut.jpg': j.subarray(0, Math.floor(j.length * 0.6)) }), {}, FormatError, /"cat\/cut\.jpg": unreadable JPEG/);
  });
  test('a PNG with a corrupt data chunk fails its CRC', async () => {
    const g = Buffer.from(good());
    g[g.length - 20] ^= 0xff;
    await rejectsBoth(tree({ 'cat/bad.png': g }), {}, FormatError, /"cat\/bad\.png": unreadable PNG/);
  });
  test('a text file and an empty file with a .png name', async () => {
    await rejectsBoth(tree({ 'cat/x.png': '<html>404 not found</html>' }), {}, FormatError, /"cat\/x\.png" is not a PNG or JPEG file: it starts with 3c 68.*text: "<html>404/);
    await rejectsBoth(tree({ 'cat/e.png': '' }), {}, FormatError, /"cat\/e\.png": the file is empty/);
  });
  test('GIFs are refused by extension, and by content under another name', async () => {
    await rejectsBoth(tree({ 'cat/a.gif': 'GIF89a....' }), {}, UnsupportedError, /a\.gif" is a GIF file; nerva reads PNG and JPEG/);
    await rejectsBoth(tree({ 'cat/a.png': 'GIF89a....' }), {}, UnsupportedError, /"cat\/a\.png" is a GIF image/);
  });
  test('a JPEG named .png is read by its content', async () => {
    const [x] = data.loadImageFolderSync(tree({ 'cat/really-a-jpeg.png': jpg(4, 4, flat([90, 90, 90, 255])) }));
    x.values.forEach((v) => assert.ok(Math.abs(v - 90) <= 2, `${v}`));
  });
});

describe('pixels', () => {
  test('without size all images must share one size; with size they are resized', async () => {
    const root = tree({ 'a/1.png': png(4, 6, flat([10, 20, 30, 255])), 'a/2.png': png(5, 5, flat([10, 20, 30, 255])) });
    await rejectsBoth(root, {}, FormatError, /"a\/2\.png" is 5x5 \(height x width\) but the first image is 6x4; pass size/);
    const [x] = await data.loadImageFolder(root, { size: [3, 2] });
    assert.deepEqual(x.shape, [2, 3, 2, 3]);
    x.values.forEach((v, i) => assert.equal(v, [10, 20, 30][i % 3]));
  });

  test('downscaling averages: a 2x2 image to 1x1 is its mean colour', async () => {
    const quad = png(2, 2, (x, y) => [[0, 100, 40, 60][2 * y + x], 0, 255, 255]);
    const [x] = await data.loadImageFolder(tree({ 'a/q.png': quad }), { size: [1, 1] });
    assert.deepEqual(Array.from(x.values), [50, 0, 255]);
  });

  test('grayscale uses BT.601 luma; a grey PNG loads as three equal channels', async () => {
    const [g] = await data.loadImageFolder(tree({ 'a/c.png': png(2, 2, flat([200, 100, 50, 255])) }), { grayscale: true });
    assert.deepEqual(g.shape, [1, 2, 2, 1]);
    g.values.forEach((v) => assert.ok(Math.abs(v - (0.299 * 200 + 0.587 * 100 + 0.114 * 50)) < 1e-4));
    const [rgb] = await data.loadImageFolder(tree({ 'a/g.png': png(2, 2, flat([77, 77, 77, 255]), 0) }));
    assert.deepEqual(Array.from(rgb.values), new Array(12).fill(77));
  });

  test('a 16-bit PNG is scaled to 0..255', async () => {
    const p16 = new PNG({ width: 2, height: 1, bitDepth: 16, colorType: 6, inputColorType: 6 });
    p16.data = Buffer.from(new Uint16Array([65535, 32896, 0, 65535, 1028, 2056, 3084, 65535]).buffer);
    const bytes = PNG.sync.write(p16, { bitDepth: 16, colorType: 6, inputColorType: 6 });
    assert.equal(bytes[24], 16, 'the file really is 16-bit');
    const [x] = data.loadImageFolderSync(tree({ 'a/deep.png': bytes }));
    assert.deepEqual(Array.from(x.values), [255, 128, 0, 4, 8, 12]);
  });

  test('alpha: over white by default, over black, or dropped', async () => {
    const root = tree({ 'a/t.png': png(1, 2, (x, y) => (y === 0 ? [0, 0, 0, 0] : [100, 200, 0, 128])) });
    const a = 128 / 255;
    const [white] = data.loadImageFolderSync(root);
    const over = (c: number, bg: number): number => Math.fround(c * a + bg * (1 - a));
    assert.deepEqual(Array.from(white.values), [255, 255, 255, over(100, 255), over(200, 255), over(0, 255)]);
    const [black] = data.loadImageFolderSync(root, { alpha: 'black' });
    assert.deepEqual(Array.from(black.values), [0, 0, 0, over(100, 0), over(200, 0), 0]);
    const [drop] = data.loadImageFolderSync(root, { alpha: 'drop' });
    assert.deepEqual(Array.from(drop.values), [0, 0, 0, 100, 200, 0]);
  });

  test('JPEG pixels come back close to what was encoded', async () => {
    const root = tree({ 'a/p.jpg': jpg(16, 16, (x) => (x < 8 ? [250, 10, 10, 255] : [10, 10, 250, 255])) });
    const [x] = await data.loadImageFolder(root);
    assert.deepEqual(x.shape, [1, 16, 16, 3]);
    // Far from the edge, the colour blocks survive JPEG at quality 100.
    const px = (r: number, c: number): number[] => Array.from(x.values.subarray((r * 16 + c) * 3, (r * 16 + c) * 3 + 3));
    px(5, 2).forEach((v, i) => assert.ok(Math.abs(v - [250, 10, 10][i]) <= 4, `left ${px(5, 2)}`));
    px(5, 13).forEach((v, i) => assert.ok(Math.abs(v - [10, 10, 250][i]) <= 4, `right ${px(5, 13)}`));
  });

  test('decodeImage prepares one image exactly as the folder loader does', async () => {
    const bytes = png(9, 7, (x, y) => [x * 25, y * 30, 128, 200]);
    const root = tree({ 'a/i.png': bytes });
    const [x] = await data.loadImageFolder(root, { size: [4, 5], grayscale: true });
    const one = data.decodeImage(readFileSync(join(root, 'a/i.png')), { size: [4, 5], grayscale: true });
    assert.deepEqual(one.shape, [4, 5, 1]);
    assert.deepEqual(Array.from(one.values), Array.from(x.values));
    assert.throws(() => data.decodeImage(Buffer.from('hello')), (e: unknown) => e instanceof FormatError && /decodeImage: the image is not a PNG or JPEG/.test(e.message));
  });

  test('options are checked', async () => {
    const root = tree({ 'a/1.png': png(1, 1, flat([0, 0, 0, 255])) });
    await rejectsBoth(root, { size: [0, 5] as [number, number] }, ArgumentError, /size must be \[height, width\]/);
    await rejectsBoth(root, { size: 28 as never }, ArgumentError, /size must be \[height, width\]/);
    await rejectsBoth(root, { alpha: 'grey' as never }, ArgumentError, /alpha must be 'white', 'black' or 'drop'/);
    await rejectsBoth(root, { colorMode: 'rgb' } as never, ArgumentError, /unknown option "colorMode"/);
  });
});
