// Reading tensors out of request JSON into float32 storage, and writing output tensors as JSON.
// Reading is a tight loop over the nested arrays JSON.parse made; only when something is wrong does
// a second, careful walk find out what exactly (ragged, wrong shape, not a number) and say where.

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

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Copies `value`, which must be nested lists of the given shape, into out[offset...] as float32.
 * Throws a RequestError naming `path` (e.g. `instances[3]`) and what is wrong.
 */
export function readTensor(value: JsonNode, shape: readonly number[], out: Float32Array, offset: number, path: string, expected?: string): void {
  if (!fill(value, shape, 0, out, offset)) throw explain(value, shape, path, expected);
}

/** The fast path: true when everything fit. NaN, +-Infinity and numbers beyond float32 do not. */
function fill(v: JsonNode, shape: readonly number[], dim: number, out: Float32Array, at: number): boolean {
  if (v instanceof NumArray) {
    // The parser already knows the shape: one typed copy (float64 -> float32), then a finite check.
    if (v.shape.length !== shape.length - dim) return false;
    for (let d = 0; d < v.shape.length; d++) if (v.shape[d] !== shape[dim + d]) return false;
    out.set(v.data, at);
    const end = at + v.data.length;
    for (let i = at; i < end; i++) if (out[i] - out[i] !== 0) return false;
    return true;
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
    else if (!sameShape(first, f.shape)) return { kind: 'ragged', pathA: `${path}[0]`, shapeA: first, pathB: `${path}[${i}]`, shapeB: f.shape };
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
  if (!sameShape(f.shape, shape)) {
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
 * A float32 as JSON: 9 significant digits, which always read back as the same float32, without
 * trailing zeros (`0.99996107`, `1.7692895e-7`, `0.5`). Not always the shortest such decimal (0.1f
 * is written 0.100000001), but one toPrecision call: finding the shortest by trying 6, 7, 8 digits
 * cost 10x more and was a tenth of an inference worker's time on 32-image requests.
 * Non-finite values are written as TF Serving writes them: NaN, Infinity, -Infinity.
 */
export function formatFloat32(v: number): string {
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

/** Nested JSON arrays for rows [start, start+rows) of a [*, ...inner] tensor. */
export function writeNested(data: Float32Array, start: number, rows: number, inner: readonly number[]): string {
  let size = 1;
  for (const d of inner) size *= d;
  const parts: string[] = [];
  const rec = (dim: number, at: number, shape: readonly number[]): void => {
    if (dim === shape.length) {
      parts.push(formatFloat32(data[at]));
      return;
    }
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
    parts.push('[');
    for (let i = 0; i < shape[dim]; i++) {
      if (i > 0) parts.push(',');
      rec(dim + 1, at + i * stride, shape);
    }
    parts.push(']');
  };
  rec(0, start * size, [rows, ...inner]);
  return parts.join('');
}

/** A flat JSON array of `count` values from data[start...]. */
export function writeFlat(data: Float32Array, start: number, count: number): string {
  const parts = new Array<string>(count);
  for (let i = 0; i < count; i++) parts[i] = formatFloat32(data[start + i]);
  return `[${parts.join(',')}]`;
}
