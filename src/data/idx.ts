// The IDX file format (the one MNIST ships in): a validating parser for untrusted bytes and a file
// reader that inflates gzip. Produces plain typed arrays; turning them into tensors is not done here.

import { gunzipSync } from 'node:zlib';
import { ArgumentError, FormatError, fmtShape } from '../errors.js';
import { errorCode } from '../io/paths.js';
import { readFileBytes } from './files.js';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * One decoded IDX array. `data` is row-major, in host byte order, and owns its whole buffer
 * (`data.byteOffset === 0`, `data.buffer.byteLength === data.byteLength`), so it can be reinterpreted
 * or transferred without surprises.
 */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

export interface ReadIdxOptions {
  /** Largest size a gzip file may inflate to, in bytes (default 1 GiB): guards against gzip bombs. */
  maxInflatedBytes?: number;
}

/** Default cap on inflated gzip size: MNIST's largest file is 47 MB, so 1 GiB is generous. */
export const DEFAULT_MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

/** IDX files in the wild have rank 1 to 4; anything above this is a corrupt header, not data. */
const MAX_RANK = 8;

const DTYPE_BY_CODE: ReadonlyMap<number, { dtype: IdxDtype; size: number }> = new Map([
  [0x08, { dtype: 'uint8', size: 1 }],
  [0x09, { dtype: 'int8', size: 1 }],
  [0x0b, { dtype: 'int16', size: 2 }],
  [0x0c, { dtype: 'int32', size: 4 }],
  [0x0d, { dtype: 'float32', size: 4 }],
  [0x0e, { dtype: 'float64', size: 8 }],
]);

function hex(bytes: Uint8Array, count: number): string {
  return Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Recognises the usual "this is not a dataset at all" cases and says what it is instead. */
function describeNonIdx(bytes: Uint8Array): string | undefined {
  // Skip a UTF-8 BOM and leading whitespace, as an HTML error page or a text file may have them.
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && i < 256 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + i, Math.min(80, bytes.length - i)).toString('latin1');
  if (head.startsWith('<')) {
    return 'is an HTML/XML page, not an IDX dataset (a download that saved an error or login page?); download the raw file again';
  }
  if (head.startsWith('version https://git-lfs')) {
    return 'is a Git LFS pointer, not the data itself; run `git lfs pull` or download the real file';
  }
  const firstLine = head.split(/[\r\n]/, 1)[0] ?? '';
  if (firstLine.length >= 4 && /^[\x20-\x7e]+$/.test(firstLine)) {
    return `is a text file, not an IDX dataset (it starts with ${JSON.stringify(firstLine.slice(0, 40))})`;
  }
  return undefined;
}

/** Parses one IDX file's bytes. `source` names the file in error messages. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`parseIdx("${source}"): expected the file's bytes as a Uint8Array or Buffer, got ${typeof bytes}`);
  }
  const who = `IDX file "${source}"`;
  if (bytes.length === 0) throw new FormatError(`${who} is empty (0 bytes); the download or copy probably failed`);
  if (isGzip(bytes)) {
    throw new FormatError(
      `${who} is gzip-compressed (starts with 1f 8b); parseIdx takes raw IDX bytes: ` +
        'inflate it first, or load it with readIdxFile(), which inflates gzip itself (a .gz name is conventional)',
    );
  }
  if (bytes.length < 4) {
    throw new FormatError(`${who} is ${bytes.length} byte(s) long, shorter than the 4-byte IDX magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const what = describeNonIdx(bytes);
    if (what) throw new FormatError(`${who} ${what}`);
    throw new FormatError(`${who}: bad magic number: expected 00 00 <dtype> <rank>, got ${hex(bytes, 4)}; this is not an IDX file`);
  }
  const code = bytes[2]!;
  const rank = bytes[3]!;
  const dt = DTYPE_BY_CODE.get(code);
  if (!dt) {
    throw new FormatError(
      `${who}: unknown dtype code 0x${code.toString(16).padStart(2, '0')} in the magic number ${hex(bytes, 4)}; ` +
        'expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64',
    );
  }
  if (rank < 1 || rank > MAX_RANK) {
    throw new FormatError(`${who}: rank ${rank} in the magic number ${hex(bytes, 4)}; expected 1 to ${MAX_RANK} dimensions`);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new FormatError(
      `${who}: truncated header: rank ${rank} needs ${headerBytes} header bytes, the file has ${bytes.length}`,
    );
  }

  // Validate the declared size against the real length before allocating anything: the header is
  // untrusted, and a corrupt one can declare billions of items.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(view.getUint32(4 + 4 * d, false));
  let count = 1;
  for (const dim of shape) {
    count *= dim;
    if (!Number.isSafeInteger(count * dt.size)) {
      throw new FormatError(
        `${who}: header declares ${dt.dtype} ${fmtShape(shape)}, too many items to be real (over 2^53 bytes); the header is corrupt`,
      );
    }
  }
  const declaredBytes = count * dt.size;
  const actualBytes = bytes.length - headerBytes;
  if (actualBytes < declaredBytes) {
    throw new FormatError(
      `${who}: truncated data: header declares ${dt.dtype} ${fmtShape(shape)} = ${count} items (${declaredBytes} bytes), ` +
        `but only ${actualBytes} data bytes follow the ${headerBytes}-byte header (file is ${bytes.length} bytes)`,
    );
  }
  if (actualBytes > declaredBytes) {
    const extra = actualBytes - declaredBytes;
    throw new FormatError(
      `${who}: ${extra} trailing byte(s) after the data: header declares ${dt.dtype} ${fmtShape(shape)} ` +
        `(${declaredBytes} data bytes) but ${actualBytes} follow the header; wrong header or two files concatenated?`,
    );
  }
  return { dtype: dt.dtype, shape, data: decode(dt.dtype, bytes, headerBytes, count) };
}

/** Copies the data section out of `bytes`, converting multi-byte values from big-endian. */
function decode(dtype: IdxDtype, bytes: Uint8Array, offset: number, count: number): IdxData {
  // Single-byte dtypes: one memcpy (slice copies), no per-byte loop.
  if (dtype === 'uint8') return bytes.slice(offset, offset + count);
  if (dtype === 'int8') return new Int8Array(bytes.slice(offset, offset + count).buffer);
  // DataView reads handle both the byte swap and the (usually) unaligned source offset.
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset);
  switch (dtype) {
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getFloat32(4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getFloat64(8 * i, false);
      return out;
    }
  }
}

/** Reads an IDX file from disk; gzip (detected by magic bytes 1f 8b, whatever the name) is inflated with node:zlib. */
export function readIdxFile(path: string, options: ReadIdxOptions = {}): IdxArray {
  const maxInflated = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  if (!Number.isSafeInteger(maxInflated) || maxInflated < 1) {
    throw new ArgumentError(`readIdxFile("${path}"): maxInflatedBytes must be a positive integer, got ${maxInflated}`);
  }
  const raw = readFileBytes(path);
  if (!isGzip(raw)) return parseIdx(raw, path);
  let inflated: Buffer;
  try {
    inflated = gunzipSync(raw, { maxOutputLength: maxInflated });
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FormatError(
        `IDX file "${path}": gzip data inflates to more than ${maxInflated} bytes (the limit); ` +
          'a corrupt file or a gzip bomb? Raise maxInflatedBytes if the file is really that large',
      );
    }
    const detail = e instanceof Error ? e.message : String(e);
    throw new FormatError(`IDX file "${path}": starts like gzip (1f 8b) but does not inflate: ${detail}; the file is corrupt or truncated`);
  }
  return parseIdx(inflated, `${path} (after gunzip)`);
}
