// Reading tensors out of request JSON into float32 storage, and writing output tensors as JSON
// bytes. Reading is one copy per block the parser already shaped (a NumArray), or a tight loop over
// plain nested arrays (a body a framework parsed); only when something is wrong does a second,
// careful walk find out what exactly (ragged, wrong shape, not a number) and say where.

import { shapesEqual } from '../tensor/shape.js';
import { NumArray, type JsonNode } from './json.js';

/** A request that is wrong: the HTTP status and a message naming the field, expected vs got. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): RequestError => new RequestError(400, message);

export function shapeText(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** A JSON value for a message, cut short. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v instanceof NumArray) return v.shape.length === 1 ? `a list of ${v.shape[0]} numbers` : `an array of shape ${shapeText(v.shape)}`;
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** True for a JSON list (plain, or read as a NumArray). */
export function isList(v: JsonNode | undefined): v is JsonNode[] | NumArray {
  return Array.isArray(v) || v instanceof NumArray;
}

/** The length of a JSON list. */
export function listLength(v: JsonNode[] | NumArray): number {
  return v instanceof NumArray ? v.shape[0] : v.length;
}

/**
 * Copies `value`, which must be nested lists of the given shape, into out[offset...] as float32.
 * Throws a RequestError naming `path` (e.g. `instances[3]`) and what is wrong.
 */
export function readTensor(value: JsonNode, shape: readonly number[], out: Float32Array, offset: number, path: string, expected?: string): void {
  if (!fill(value, shape, 0, out, offset)) throw explain(value, shape, path, expected);
}

/**
 * Copies src into out[at...] as float32 in one pass with the check that every value is finite in
 * float32 (x - x is NaN for NaN and +-Infinity, which numbers beyond the float32 range round to).
 */
function copyFinite(src: Float64Array, out: Float32Array, at: number): boolean {
  const n = src.length;
  const dst = out.subarray(at, at + n);
  for (let i = 0; i < n; i++) {
    const x = Math.fround(src[i]);
    // A branch, not a running sum of x - x: the sum's chain of dependent additions took 2x longer.
    if (x - x !== 0) return false;
    dst[i] = x;
  }
  return true;
}

/** The fast path: true when everything fit. NaN, +-Infinity and numbers beyond float32 do not. */
function fill(v: JsonNode, shape: readonly number[], dim: number, out: Float32Array, at: number): boolean {
  if (v instanceof NumArray) {
    // The parser already knows the shape.
    if (v.shape.length !== shape.length - dim) return false;
    for (let d = 0; d < v.shape.length; d++) if (v.shape[d] !== shape[dim + d]) return false;
    if (v.finite) {
      // The parser vouches for every value (json.ts, notFinite): one native copy and conversion.
      out.set(v.data, at);
      return true;
    }
    return copyFinite(v.data, out, at);
  }
  if (dim === shape.length) {
    if (typeof v !== 'number') return false;
    out[at] = v;
    return out[at] - out[at] === 0;
  }
  if (!Array.isArray(v) || v.length !== shape[dim]) return false;
  const n = v.length;
  let stride = 1;
  for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
  for (let i = 0; i < n; i++) if (!fill(v[i], shape, dim + 1, out, at + i * stride)) return false;
  return true;
}

/** The shape of nested lists, or why they have none. */
type Found =
  | { kind: 'shape'; shape: number[] }
  | { kind: 'ragged'; pathA: string; shapeA: number[]; pathB: string; shapeB: number[] }
  | { kind: 'leaf'; path: string; value: JsonNode };

/** Walks the whole value: the first non-number leaf, or the first two siblings of different shapes. */
function find(v: JsonNode, path: string): Found {
  if (v instanceof NumArray) return { kind: 'shape', shape: v.shape };
  if (!Array.isArray(v)) {
    if (typeof v === 'number') return { kind: 'shape', shape: [] };
    return { kind: 'leaf', path, value: v };
  }
  let first: number[] | null = null;
  for (let i = 0; i < v.length; i++) {
    const f = find(v[i], `${path}[${i}]`);
    if (f.kind !== 'shape') return f;
    if (first === null) first = f.shape;
    else if (!shapesEqual(first, f.shape)) return { kind: 'ragged', pathA: `${path}[0]`, shapeA: first, pathB: `${path}[${i}]`, shapeB: f.shape };
  }
  return { kind: 'shape', shape: [v.length, ...(first ?? [])] };
}

function describeShape(s: number[]): string {
  if (s.length === 0) return 'a number';
  if (s.length === 1) return `${s[0]} values`;
  return `shape ${shapeText(s)}`;
}

/** The first number that is not finite in float32, with its path. */
function findNonFinite(v: JsonNode, path: string): { path: string; value: number } | null {
  if (typeof v === 'number') return Number.isFinite(Math.fround(v)) ? null : { path, value: v };
  if (v instanceof NumArray) {
    for (let i = 0; i < v.data.length; i++) {
      if (!Number.isFinite(Math.fround(v.data[i]))) {
        const idx: number[] = [];
        let r = i;
        for (let d = v.shape.length - 1; d >= 0; d--) {
          idx.unshift(r % v.shape[d]);
          r = Math.floor(r / v.shape[d]);
        }
        return { path: `${path}${idx.map((k) => `[${k}]`).join('')}`, value: v.data[i] };
      }
    }
    return null;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findNonFinite(v[i], `${path}[${i}]`);
      if (r) return r;
    }
  }
  return null;
}

/** The careful walk: what is wrong with `value` for `shape`. */
export function explain(value: JsonNode, shape: readonly number[], path: string, expected = shapeText(shape)): RequestError {
  const f = find(value, path);
  if (f.kind === 'leaf') {
    const what = f.value === null ? 'null' : typeof f.value === 'string' ? `the string ${show(f.value)}` : show(f.value);
    return badRequest(`${f.path}: expected a number, got ${what}`);
  }
  if (f.kind === 'ragged') {
    return badRequest(`${path} is ragged: ${f.pathA} has ${describeShape(f.shapeA)} but ${f.pathB} has ${describeShape(f.shapeB)}; expected shape ${expected}`);
  }
  if (!shapesEqual(f.shape, shape)) {
    return badRequest(`${path}: expected shape ${expected}, got ${f.shape.length === 0 ? 'a single number' : shapeText(f.shape)}`);
  }
  const bad = findNonFinite(value, path);
  if (bad) {
    const why = Number.isFinite(bad.value) ? `${bad.value} is outside the float32 range` : `${show(bad.value)} is not a finite number`;
    return badRequest(`${bad.path}: ${why}; the model takes finite float32 values`);
  }
  return badRequest(`${path}: does not fit shape ${expected}`);
}

// ---- output -------------------------------------------------------------------------------

/**
 * A growing byte buffer that response bodies are written into as UTF-8: numbers go in as digits
 * computed with integer arithmetic, never as JS strings (a 9-digit number's String() cost more
 * than all the rest of writing it).
 */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;
  constructor(capacity = 1 << 14) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** Appends a string as UTF-8. */
  text(s: string): void {
    this.ensure(s.length * 3);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.len += encoder.encodeInto(s, b.subarray(this.len)).written;
        return;
      }
      b[p++] = c;
    }
    this.len = p;
  }

  /** A copy of the bytes from `start` to the end. */
  copy(start = 0): Uint8Array {
    return this.buf.slice(start, this.len);
  }
}

const encoder = new TextEncoder();
/** 10^k for k in -60..60 (index k + 60): scale factors for writeFloat32. */
const SCALE: number[] = Array.from({ length: 121 }, (_, i) => 10 ** (i - 60));
const LOG10_2 = Math.log10(2);
/** A double's bits, for its binary exponent. */
const f64 = new Float64Array(1);
const hi32 = new Int32Array(f64.buffer, new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 4 : 0, 1);
/** The 9 digits of one number. */
const DIGITS = new Uint8Array(9);
/** "00", "01", ... "99" as ASCII pairs. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 0x30 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** Copies DIGITS[from..9) to b[at...]. */
function copyDigits(b: Uint8Array, at: number, from: number): void {
  for (let i = from; i < 9; i++) b[at + i - from] = DIGITS[i];
}

/** toPrecision(9) without trailing zeros: what writeFloat32 writes, computed the slow way. */
export function formatFloat32Slow(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (v - v !== 0) return v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const s = v.toPrecision(9);
  const e = s.indexOf('e');
  let end = e < 0 ? s.length : e;
  if (s.indexOf('.') < 0 || s.indexOf('.') > end) return s;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  if (s.charCodeAt(end - 1) === 0x2e) end--;
  return e < 0 ? s.slice(0, end) : s.slice(0, end) + s.slice(e);
}

/**
 * Writes a float32 as JSON: 9 significant digits, which always read back as the same float32,
 * without trailing zeros (`0.99996107`, `1.7692895e-7`, `0.5`), exactly what toPrecision(9) writes,
 * trimmed. Not always the shortest such decimal (0.1f is written 0.100000001). The 9 digits are
 * v * 10^(8 - e) rounded to an integer: that product is within 2^-51 of exact, so it can round
 * differently from the exact value only when its fraction is within 2^-21 of one half, and those
 * (one value in ~10^6) are written by toPrecision. Non-finite values are written as TF Serving
 * writes them: NaN, Infinity, -Infinity.
 */
export function writeFloat32(w: ByteWriter, v: number): void {
  if (v === 0) {
    w.text(Object.is(v, -0) ? '-0' : '0');
    return;
  }
  if (v - v !== 0) {
    w.text(v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
    return;
  }
  const a = v < 0 ? -v : v;
  // The decimal exponent from the binary one: floor(e2 * log10(2)) is e or e - 1.
  f64[0] = a;
  let e = Math.floor(((hi32[0] >>> 20) - 1023) * LOG10_2);
  let x = a * SCALE[68 - e];
  if (x >= 1e9) {
    e++;
    x = a * SCALE[68 - e];
  }
  const frac = x - Math.floor(x);
  if (frac > 0.4999995 && frac < 0.5000005) {
    w.text(formatFloat32Slow(v));
    return;
  }
  let m = Math.round(x) | 0;
  if (m === 1e9) {
    m = 1e8;
    e++;
  }
  // The 9 digits, most significant first, two at a time, in two independent halves.
  const hi = (m / 100000) | 0;
  const lo = m - hi * 100000;
  const h1 = (hi / 100) | 0;
  const h2 = hi - h1 * 100;
  const l0 = (lo / 10000) | 0;
  const l12 = lo - l0 * 10000;
  const l1 = (l12 / 100) | 0;
  const l2 = l12 - l1 * 100;
  DIGITS[0] = PAIRS[2 * h1];
  DIGITS[1] = PAIRS[2 * h1 + 1];
  DIGITS[2] = PAIRS[2 * h2];
  DIGITS[3] = PAIRS[2 * h2 + 1];
  DIGITS[4] = 0x30 + l0;
  DIGITS[5] = PAIRS[2 * l1];
  DIGITS[6] = PAIRS[2 * l1 + 1];
  DIGITS[7] = PAIRS[2 * l2];
  DIGITS[8] = PAIRS[2 * l2 + 1];
  let nd = 9;
  while (DIGITS[nd - 1] === 0x30) nd--;
  w.ensure(24);
  const b = w.buf;
  let p = w.len;
  if (v < 0) b[p++] = 0x2d;
  if (e < -6 || e >= 9) {
    // Exponential, as toPrecision writes it: 1.7692895e-7, 1e+21. All 9 digits are written
    // (straight-line code), then the end moves back over the trailing zeros.
    b[p] = DIGITS[0];
    b[p + 1] = 0x2e;
    copyDigits(b, p + 2, 1);
    p += nd === 1 ? 1 : nd + 1;
    b[p++] = 0x65;
    b[p++] = e < 0 ? 0x2d : 0x2b;
    const ae = e < 0 ? -e : e;
    if (ae >= 10) b[p++] = 0x30 + ((ae / 10) | 0);
    b[p++] = 0x30 + (ae % 10);
  } else if (e < 0) {
    b[p++] = 0x30;
    b[p++] = 0x2e;
    for (let i = -1; i > e; i--) b[p++] = 0x30;
    b[p] = DIGITS[0];
    copyDigits(b, p + 1, 1);
    p += nd;
  } else {
    // e + 1 digits before the point (zeros past the 9 significant ones), the rest after it.
    for (let i = 0; i <= e; i++) b[p++] = i < nd ? DIGITS[i] : 0x30;
    if (nd > e + 1) {
      b[p++] = 0x2e;
      for (let i = e + 1; i < nd; i++) b[p++] = DIGITS[i];
    }
  }
  w.len = p;
}

const scratch = new ByteWriter(64);
const latin1 = new TextDecoder('latin1');

/** A float32 as writeFloat32 writes it, as a string. */
export function formatFloat32(v: number): string {
  scratch.len = 0;
  writeFloat32(scratch, v);
  return latin1.decode(scratch.buf.subarray(0, scratch.len));
}

/** Nested JSON arrays for rows [start, start+rows) of a [*, ...inner] tensor. */
export function writeNested(w: ByteWriter, data: Float32Array, start: number, rows: number, inner: readonly number[]): void {
  let size = 1;
  for (const d of inner) size *= d;
  const shape = [rows, ...inner];
  // The last dimension is written as a list of numbers (rows of bare numbers for a scalar output).
  const rec = (dim: number, at: number): void => {
    w.ensure(1);
    w.buf[w.len++] = 0x5b;
    const n = shape[dim];
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) {
        if (i > 0) {
          w.ensure(1);
          w.buf[w.len++] = 0x2c;
        }
        writeFloat32(w, data[at + i]);
      }
    } else {
      let stride = 1;
      for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
      for (let i = 0; i < n; i++) {
        if (i > 0) {
          w.ensure(1);
          w.buf[w.len++] = 0x2c;
        }
        rec(dim + 1, at + i * stride);
      }
    }
    w.ensure(1);
    w.buf[w.len++] = 0x5d;
  };
  rec(0, start * size);
}

/** A flat JSON array of `count` values from data[start...]. */
export function writeFlat(w: ByteWriter, data: Float32Array, start: number, count: number): void {
  w.text('[');
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      w.ensure(1);
      w.buf[w.len++] = 0x2c;
    }
    writeFloat32(w, data[start + i]);
  }
  w.text(']');
}
