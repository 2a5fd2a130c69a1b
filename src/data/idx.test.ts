// Tests for the IDX parser and reader: big-endian decoding of every dtype, and every malformed input
// we know of, built here from small buffers.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import { parseIdx, readIdxFile } from './idx.js';

// Float values below are exactly representable (or pre-rounded with Math.fround) so equality is exact.

const CODES = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const;
const SIZES = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as const;
type Dtype = keyof typeof CODES;

/** Builds an IDX file by hand: header, then the values written big-endian. */
function buildIdx(dtype: Dtype, dims: number[], values: number[]): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + values.length * SIZES[dtype]);
  const v = new DataView(out.buffer);
  out[2] = CODES[dtype];
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  values.forEach((x, i) => {
    const at = header + i * SIZES[dtype];
    if (dtype === 'uint8') v.setUint8(at, x);
    else if (dtype === 'int8') v.setInt8(at, x);
    else if (dtype === 'int16') v.setInt16(at, x, false);
    else if (dtype === 'int32') v.setInt32(at, x, false);
    else if (dtype === 'float32') v.setFloat32(at, x, false);
    else v.setFloat64(at, x, false);
  });
  return out;
}

function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** Asserts `fn` throws a FormatError whose message matches every pattern. */
function throwsFormat(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('parseIdx: decoding', () => {
  test('uint8 rank 3 keeps shape and values', () => {
    const values = [0, 1, 2, 127, 128, 255, 7, 8, 9, 10, 11, 12];
    const a = parseIdx(buildIdx('uint8', [2, 3, 2], values), 'u8');
    assert.equal(a.dtype, 'uint8');
    assert.deepEqual(a.shape, [2, 3, 2]);
    assert.ok(a.data instanceof Uint8Array);
    assert.deepEqual(Array.from(a.data), values);
  });

  test('int8 keeps negative values', () => {
    const values = [-128, -1, 0, 1, 127];
    const a = parseIdx(buildIdx('int8', [5], values), 'i8');
    assert.ok(a.data instanceof Int8Array);
    assert.deepEqual(Array.from(a.data), values);
  });

  const multiByte: Array<[Dtype, new (length: number) => unknown, number[]]> = [
    ['int16', Int16Array, [-32768, -2, -1, 0, 1, 258, 32767]],
    ['int32', Int32Array, [-2147483648, -65536, -1, 0, 1, 16909060, 2147483647]],
    ['float32', Float32Array, [-3.5, -0, 0, 1.5, Math.fround(1e-30), 3.4028234663852886e38, Math.fround(0.1)]],
    ['float64', Float64Array, [-1e300, -0.1, 0, 0.1, Math.PI, 5e-324, Number.MAX_VALUE]],
  ];
  for (const [dtype, ctor, values] of multiByte) {
    test(`${dtype} is decoded from big-endian`, () => {
      const a = parseIdx(buildIdx(dtype, [values.length], values), dtype);
      assert.equal(a.dtype, dtype);
      assert.ok(a.data instanceof ctor, `${dtype} data is a ${a.data.constructor.name}`);
      assert.deepEqual(Array.from(a.data), values);
    });
  }

  test('infinities and NaN survive float decoding', () => {
    const a = parseIdx(buildIdx('float32', [3], [Infinity, -Infinity, NaN]), 'f');
    assert.deepEqual(Array.from(a.data), [Infinity, -Infinity, NaN]);
  });

  test('a byte-swap sanity check against a fixed byte pattern', () => {
    // 00 00 0b 01 | 00 00 00 02 | 01 02 | ff fe  ->  int16 [0x0102, -2]
    const bytes = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    assert.deepEqual(Array.from(parseIdx(bytes, 'fixed').data), [258, -2]);
  });

  test('works on a view at an odd offset into a larger buffer (unaligned data)', () => {
    const file = buildIdx('float64', [2, 2], [1.25, -2.5, 1e10, -1e-10]);
    const big = new Uint8Array(file.length + 3);
    big.set(file, 1);
    const a = parseIdx(big.subarray(1, 1 + file.length), 'offset');
    assert.deepEqual(a.shape, [2, 2]);
    assert.deepEqual(Array.from(a.data), [1.25, -2.5, 1e10, -1e-10]);
  });

  test('the data is a copy that owns its whole buffer', () => {
    const file = buildIdx('uint8', [4], [1, 2, 3, 4]);
    const a = parseIdx(file, 'copy');
    assert.equal(a.data.byteOffset, 0);
    assert.equal(a.data.buffer.byteLength, 4);
    file[8] = 99;
    assert.equal(a.data[0], 1);
  });

  test('a zero dimension gives an empty array', () => {
    const a = parseIdx(buildIdx('uint8', [0, 28, 28], []), 'empty-set');
    assert.deepEqual(a.shape, [0, 28, 28]);
    assert.equal(a.data.length, 0);
  });
});

describe('parseIdx: malformed input', () => {
  test('bad magic number', () => {
    const b = buildIdx('uint8', [2], [1, 2]);
    b[0] = 0x01;
    throwsFormat(() => parseIdx(b, 'bad-magic.idx'), /"bad-magic\.idx"/, /bad magic number/, /01 00 08 01/);
  });

  test('unknown dtype code', () => {
    const b = buildIdx('uint8', [2], [1, 2]);
    b[2] = 0x0a;
    throwsFormat(() => parseIdx(b, 'dtype.idx'), /"dtype\.idx"/, /unknown dtype code 0x0a/);
  });

  test('rank 0 and a rank too large', () => {
    throwsFormat(() => parseIdx(new Uint8Array([0, 0, 8, 0, 5]), 'r0'), /"r0"/, /rank 0/);
    throwsFormat(() => parseIdx(buildIdx('uint8', new Array(9).fill(1), [7]), 'r9'), /"r9"/, /rank 9/);
  });

  test('header cut short', () => {
    throwsFormat(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), 'short-header'), /"short-header"/, /truncated header/, /16 header bytes/);
    throwsFormat(() => parseIdx(new Uint8Array([0, 0]), 'tiny'), /"tiny"/, /2 byte/);
  });

  test('truncated data', () => {
    const b = buildIdx('int32', [2, 3], [1, 2, 3, 4, 5, 6]);
    throwsFormat(() => parseIdx(b.subarray(0, b.length - 5), 'cut.idx'), /"cut\.idx"/, /truncated data/, /24 bytes/, /only 19 data bytes/);
  });

  test('one trailing byte', () => {
    const b = buildIdx('uint8', [3], [1, 2, 3]);
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    throwsFormat(() => parseIdx(longer, 'extra.idx'), /"extra\.idx"/, /1 trailing byte/);
  });

  test('a header declaring 4e9 items fails on the size check, without allocating', () => {
    // 4e9 uint8 items would be a 4 GB allocation; the check against the real length must come first.
    const b = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 0, 1, 2, 3]);
    new DataView(b.buffer).setUint32(4, 4e9, false);
    const before = process.memoryUsage().arrayBuffers;
    throwsFormat(() => parseIdx(b, 'huge.idx'), /"huge\.idx"/, /truncated data/, /4000000000 items/, /only 3 data bytes/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'no large buffer was allocated');
  });

  test('a header whose size overflows a safe integer', () => {
    const b = buildIdx('float64', [0xffffffff, 0xffffffff, 0xffffffff], []);
    throwsFormat(() => parseIdx(b, 'overflow.idx'), /"overflow\.idx"/, /too many items/, /\[4294967295, 4294967295, 4294967295\]/);
  });

  test('an HTML page saved as the dataset', () => {
    const html = ascii('\n  <!DOCTYPE html><html><head><title>404 Not Found</title></head></html>');
    throwsFormat(() => parseIdx(html, 'train-images-idx3-ubyte'), /"train-images-idx3-ubyte"/, /HTML/);
  });

  test('a text file or a Git LFS pointer', () => {
    throwsFormat(() => parseIdx(ascii('404: Not Found'), 'text.idx'), /"text\.idx"/, /text file/, /404: Not Found/);
    const lfs = ascii('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n');
    throwsFormat(() => parseIdx(lfs, 'lfs.idx'), /"lfs\.idx"/, /Git LFS pointer/);
  });

  test('gzip bytes passed to parseIdx', () => {
    const gz = new Uint8Array(gzipSync(buildIdx('uint8', [2], [1, 2])));
    throwsFormat(() => parseIdx(gz, 'labels.gz'), /"labels\.gz"/, /gzip/, /readIdxFile/);
  });

  test('an empty file', () => {
    throwsFormat(() => parseIdx(new Uint8Array(0), 'empty.idx'), /"empty\.idx"/, /empty/);
  });
});

describe('readIdxFile', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nerva-idx-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('reads a plain file', () => {
    const p = join(dir, 'plain-idx1-ubyte');
    writeFileSync(p, buildIdx('int16', [3], [-1, 0, 300]));
    const a = readIdxFile(p);
    assert.deepEqual(a.shape, [3]);
    assert.deepEqual(Array.from(a.data), [-1, 0, 300]);
  });

  test('inflates gzip found by its magic bytes, whatever the name', () => {
    const file = buildIdx('float32', [2, 2], [1, -2, 3.5, 0.25]);
    for (const name of ['g.idx.gz', 'no-extension']) {
      const p = join(dir, name);
      writeFileSync(p, gzipSync(file));
      const a = readIdxFile(p);
      assert.deepEqual(a.shape, [2, 2]);
      assert.deepEqual(Array.from(a.data), [1, -2, 3.5, 0.25]);
    }
  });

  test('errors inside a gzipped file still name the file', () => {
    const b = buildIdx('uint8', [5], [1, 2, 3, 4, 5]);
    const p = join(dir, 'cut.gz');
    writeFileSync(p, gzipSync(b.subarray(0, b.length - 1)));
    throwsFormat(() => readIdxFile(p), new RegExp(`"${p.replace(/[.\\]/g, '\\$&')} \\(after gunzip\\)"`), /truncated data/);
  });

  test('caps the inflated size', () => {
    const p = join(dir, 'bomb.gz');
    writeFileSync(p, gzipSync(buildIdx('uint8', [100000], new Array(100000).fill(0))));
    throwsFormat(() => readIdxFile(p, { maxInflatedBytes: 1000 }), /bomb\.gz/, /more than 1000 bytes/);
    assert.equal(readIdxFile(p).shape[0], 100000);
  });

  test('a corrupt gzip stream', () => {
    const p = join(dir, 'corrupt.gz');
    const gz = gzipSync(buildIdx('uint8', [1000], new Array(1000).fill(7)));
    writeFileSync(p, gz.subarray(0, gz.length >> 1));
    throwsFormat(() => readIdxFile(p), /corrupt\.gz/, /does not inflate/);
  });

  test('a missing file names the path, and points at a .gz sibling', () => {
    const missing = join(dir, 'nope-idx3-ubyte');
    throwsFormat(() => readIdxFile(missing), /file not found/, /nope-idx3-ubyte/);
    writeFileSync(join(dir, 'sib-idx1-ubyte.gz'), gzipSync(buildIdx('uint8', [1], [1])));
    throwsFormat(() => readIdxFile(join(dir, 'sib-idx1-ubyte')), /file not found/, /sib-idx1-ubyte\.gz" exists/);
  });

  test('an empty file on disk and a directory', () => {
    const p = join(dir, 'empty-file');
    writeFileSync(p, new Uint8Array(0));
    throwsFormat(() => readIdxFile(p), /empty-file/, /is empty/);
    const sub = join(dir, 'a-dir');
    mkdirSync(sub);
    throwsFormat(() => readIdxFile(sub), /a-dir/, /is a directory/);
  });
});
