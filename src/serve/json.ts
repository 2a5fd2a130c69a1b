// Request bodies as JSON, parsed with the serving workload in mind: runs of numbers (`[0, 0.25, ...]`)
// are read straight into a Float64Array "tape", and nested arrays of numbers of one shape come out
// as a NumArray (shape + a view of the tape) instead of thousands of JS arrays. The runs, and the
// rows of an image after its first, are read by a small WebAssembly function where it can
// (assembly/json-reader.ts, loaded by json-wasm.ts); this file reads everything else, and whatever
// that function leaves to it. On 32-image MNIST bodies, parsing and copying into a Float32Array
// took 150 us against 900 us for JSON.parse and a walk over its arrays (280 us with this parser
// alone). It also reads TF Serving's non-standard NaN / Infinity / -Infinity tokens, and says where
// malformed JSON goes wrong.
//
// Numbers: integers and decimals of up to 15 significant digits with a small exponent are converted
// exactly (one correctly rounded division, as JSON.parse does). Longer ones (e.g. 0.32549019607843135,
// what `pixel / 255` prints) are computed to within a few units in the last place of a double and
// stored rounded to float32 -- the precision the model computes in -- after checking that the
// approximation cannot change that rounding; when it could, the exact conversion is used. So every
// number in a tensor is bit for bit what JSON.parse followed by Math.fround gives (json.test.ts).

import { shapesEqual } from '../tensor/shape.js';
import { BODY_AT, PADDING, fastNumbers, type FastNumbers } from './json-wasm.js';

/** A rectangular nested array of numbers: its shape and its values, row-major. */
export class NumArray {
  constructor(
    readonly shape: number[],
    /** A view of the parser's tape: valid until the next parse on this thread. */
    readonly data: Float64Array,
    /** True when every value is known to be finite as a float32 (false: not known). */
    readonly finite = false,
  ) {}
}

/** A parsed value: JSON, except that rectangular arrays of numbers are NumArrays. */
export type JsonNode = null | boolean | number | string | NumArray | JsonNode[] | { [key: string]: JsonNode };

/** Malformed JSON, with where and why. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} at line ${line}, column ${column}`);
  }
}

/** Deeper nesting than any request needs; the limit keeps a hostile body from exhausting the stack. */
const MAX_DEPTH = 64;
/** The tape is kept between parses up to this many numbers (8 MiB), then dropped. */
const KEEP_TAPE = 1 << 20;

const POW10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO53 = 2 ** 53;
/** "0,0," read as a little-endian 32-bit integer. */
const ZERO_PAIR = 0x2c302c30;
// See numberRun: up to this many digits, the approximation is within 2^-48.5 of the exact value;
// the nudges move it by 2^-46 either way.
const MAX_FAST_DIGITS = 25;
const NUDGE_DOWN = 1 - 2 ** -46;
const NUDGE_UP = 1 + 2 ** -46;
/** Bodies up to this size are read by the WebAssembly reader (its memory grows to about 5x this). */
const FAST_MAX = 2 * 1024 * 1024;
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Numbers parsed so far in an array that is still all numbers: a range of the tape and a shape. */
class Run {
  constructor(
    public shape: number[],
    public start: number,
    public end: number,
  ) {}
}

/**
 * The Run of every flat array of numbers (an image row), reused: whoever gets it takes what it
 * needs (settle, or the enclosing array's count) before the next array is parsed. A Run and a
 * shape array per row were most of an inference worker's short-lived garbage.
 */
const LEAF = new Run([0], 0, 0);

function leaf(count: number, start: number, end: number): Run {
  LEAF.shape[0] = count;
  LEAF.start = start;
  LEAF.end = end;
  return LEAF;
}

// Parser state: module-level, because a worker parses one body at a time, and the hot loop reads
// plain locals anyway.
const EMPTY = new Uint8Array(0);
let bytes: Uint8Array = EMPTY;
/** The same bytes, for reading 8 digits at a time. */
let view = new DataView(bytes.buffer);
let pos = 0;
/** The tape of a parse: jsTape, or a view of the WebAssembly reader's memory (json-wasm.ts). */
let tape: Float64Array = new Float64Array(0);
let jsTape: Float64Array = new Float64Array(1 << 14);
let tapeLen = 0;
/** The WebAssembly reader, while it reads this body (a copy of it in its memory), and its tape's address. */
let fast: FastNumbers | null = null;
let fastTape = 0;

/**
 * Parses a request body (in one piece, or in the chunks it came in). Throws JsonSyntaxError (with line and column) for anything that is not
 * JSON, or JSON with NaN / Infinity / -Infinity. NumArray data stays valid until the next call.
 */
export function parseBody(input: Uint8Array | readonly Uint8Array[]): JsonNode {
  pos = 0;
  tapeLen = 0;
  if (notFinite.length) notFinite = [];
  const chunks = input instanceof Uint8Array ? [input] : input;
  let len = 0;
  for (const c of chunks) len += c.length;
  fast = len <= FAST_MAX && useFast ? fastNumbers() : null;
  if (fast) {
    // The body goes into the reader's memory, followed by zeros; the tape after it has room for
    // every number the body can hold (each takes a byte and a separator), so it never grows.
    fastTape = (BODY_AT + len + PADDING + 7) & ~7;
    const room = (len >> 1) + 2;
    fast.reserve(fastTape + room * 8);
    const memory = fast.memory.buffer;
    const all = new Uint8Array(memory);
    let at = BODY_AT;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    all.fill(0, BODY_AT + len, BODY_AT + len + PADDING);
    bytes = all.subarray(BODY_AT, BODY_AT + len);
    view = new DataView(memory, BODY_AT, len);
    tape = new Float64Array(memory, fastTape, room);
  } else {
    let body = chunks.length === 1 ? chunks[0] : EMPTY;
    if (chunks.length > 1) {
      body = new Uint8Array(len);
      let at = 0;
      for (const c of chunks) {
        body.set(c, at);
        at += c.length;
      }
    }
    bytes = body;
    view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    if (jsTape.length > KEEP_TAPE) jsTape = new Float64Array(1 << 14);
    tape = jsTape;
  }
  try {
    // A UTF-8 byte order mark is not JSON, but some Windows tools write one.
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) pos = 3;
    skipWs();
    if (pos >= bytes.length) fail('the body is empty; expected a JSON object');
    const v = settle(value(0));
    skipWs();
    if (pos < bytes.length) fail(`unexpected ${describe(pos)} after the end of the JSON value`);
    return v;
  } finally {
    bytes = EMPTY;
    view = new DataView(EMPTY.buffer);
  }
}

let useFast = true;

/** Turns the WebAssembly reader off or on (tests compare the two; it is on by default). */
export function setFastReader(on: boolean): void {
  useFast = on;
}

/** The same for a string (tests, tools). */
export function parseJsonText(text: string): JsonNode {
  return parseBody(new TextEncoder().encode(text));
}

function fail(reason: string): never {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(pos, bytes.length);
  for (let i = 0; i < end; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  throw new JsonSyntaxError(reason, line, end - lineStart + 1);
}

function describe(at: number): string {
  if (at >= bytes.length) return 'end of the body';
  const c = bytes[at];
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function skipWs(): void {
  const b = bytes;
  let p = pos;
  let c = b[p];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
  pos = p;
}

function settle(v: JsonNode | Run): JsonNode {
  return v instanceof Run ? numArray(v === LEAF ? [v.shape[0]] : v.shape, v.start, v.end) : v;
}

/**
 * Tape positions holding a value that is not finite as a float32 (NaN, +-Infinity, or beyond the
 * float32 range). Only the exact conversion can produce one, so this is nearly always empty, and
 * tensors are copied without a check of each value.
 */
let notFinite: number[] = [];

function numArray(shape: number[], start: number, end: number): NumArray {
  let finite = true;
  for (const i of notFinite) if (i >= start && i < end) finite = false;
  return new NumArray(shape, tape.subarray(start, end), finite);
}

function value(depth: number): JsonNode | Run {
  const c = bytes[pos];
  if (c === 0x5b) return array(depth + 1);
  if (c === 0x7b) return object(depth + 1);
  if (c === 0x22) return string();
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    if (c === 0x2d && bytes[pos + 1] === 0x49) return word('-Infinity', -Infinity);
    return singleNumber();
  }
  if (c === 0x74) return word('true', true);
  if (c === 0x66) return word('false', false);
  if (c === 0x6e) return word('null', null);
  if (c === 0x4e) return word('NaN', NaN);
  if (c === 0x49) return word('Infinity', Infinity);
  fail(`unexpected ${describe(pos)}; expected a JSON value`);
}

function word<T>(w: string, v: T): T {
  for (let i = 0; i < w.length; i++) {
    if (bytes[pos + i] !== w.charCodeAt(i)) {
      pos += i;
      fail(`unexpected ${describe(pos)} in '${w.slice(0, i + 1)}...'; expected a JSON value`);
    }
  }
  pos += w.length;
  return v;
}

function grow(need: number): void {
  if (fast) throw new Error('json: the tape in WebAssembly memory is full (it was sized for the body)');
  let size = tape.length * 2;
  while (size < need) size *= 2;
  const t = new Float64Array(size);
  t.set(tape.subarray(0, tapeLen));
  tape = t;
  jsTape = t;
}

/** A lone number (outside a run): appended to the tape and read back, so there is one number parser. */
function singleNumber(): number {
  const at = tapeLen;
  const end = numberRun(false);
  if (end < 0) fail(`unexpected ${describe(pos)} in a number`);
  tapeLen = at;
  return tape[at];
}

/**
 * The value of the 8 ASCII digits at bytes[p..p+8), or -1 when they are not all digits. Two 32-bit
 * loads and a few integer operations instead of eight multiply-adds in a chain: in a 17-digit
 * decimal such as 0.32549019607843135, the chain of multiply-adds was most of the parse.
 */
function eightDigits(dv: DataView, p: number): number {
  const a = dv.getInt32(p, true);
  const b = dv.getInt32(p + 4, true);
  // A byte is a digit when its high nibble is 3 both as it is and after adding 6.
  const ta = (a & 0xf0f0f0f0) | ((((a + 0x06060606) | 0) & 0xf0f0f0f0) >>> 4);
  const tb = (b & 0xf0f0f0f0) | ((((b + 0x06060606) | 0) & 0xf0f0f0f0) >>> 4);
  if ((ta ^ 0x33333333 | tb ^ 0x33333333) !== 0) return -1;
  // Little-endian: the first digit is the lowest byte. Pairs, then quads, in each half.
  let x = (a - 0x30303030) | 0;
  let y = (b - 0x30303030) | 0;
  x = (Math.imul(x, 10) + (x >>> 8)) & 0x00ff00ff;
  y = (Math.imul(y, 10) + (y >>> 8)) & 0x00ff00ff;
  x = (Math.imul(x, 100) + (x >>> 16)) & 0xffff;
  y = (Math.imul(y, 100) + (y >>> 16)) & 0xffff;
  return x * 10000 + y;
}

/**
 * The hot loop: parses numbers separated by commas (and whitespace) onto the tape, starting at pos
 * (a '-' or digit). With `many`, it goes on through `, number` pairs and returns the count when it
 * reaches the array's ']' (pos after it), or -(count + 1) when the next element is not a plain
 * number (pos at that element, its comma consumed). Without `many`, it reads one number and returns 1.
 *
 * A number's digits (integer and fraction part) are accumulated into `mant`, 8 at a time where
 * they can be: exactly while mant < 2^53, which makes the value mant * 10^exp10 one correctly
 * rounded operation for |exp10| <= 22 (what JSON.parse gives). Past 2^53 (16 or more significant
 * digits), each step rounds once or twice: with at most MAX_FAST_DIGITS digits, mant / 10^-exp10 is
 * within 2^-48.5 of the exact value, relatively (the steps whose result has 16 to 25 digits, at most
 * 10, round twice each, and the division once: 21 roundings of at most 2^-53). If nudging v by NUDGE (2^-46) down and up gives the same float32, the
 * exact value, which lies between the two, rounds to that float32 as well (float32 rounding is
 * monotonic). Otherwise -- about one number in 4 million -- or for longer or extreme numbers, the
 * text is converted exactly.
 */
function numberRun(many: boolean): number {
  const b = bytes;
  const dv = view;
  const len = b.length;
  let p = pos;
  let n = tapeLen;
  let t = tape;
  const first = n;
  const reader = many ? fast : null;
  let tryFast = reader !== null;
  for (;;) {
    if (tryFast) {
      // The WebAssembly reader takes what it can; it stops at the end of the array, at an element
      // that is not a number, or at a number it leaves to the code below.
      const status = reader!.run(BODY_AT + p, n, fastTape);
      p = reader!.result[0] - BODY_AT;
      n = reader!.result[1];
      if (status !== 2) {
        pos = p;
        tapeLen = n;
        return status === 0 ? n - first : -(n - first + 1);
      }
    }
    tryFast = reader !== null;
    if (n === t.length) {
      tapeLen = n;
      grow(n + 1);
      t = tape;
    }
    let c = b[p];
    if (c === 0x30 && b[p + 1] === 0x2c && many) {
      // Bare zeros followed by commas: most of an image (and of ReLU features) is zeros, in runs,
      // taken here four bytes ("0,0,") at a time.
      const room = t.length - 1;
      t[n++] = 0;
      p += 2;
      while (n < room && p + 4 <= len && dv.getInt32(p, true) === ZERO_PAIR) {
        t[n] = 0;
        t[n + 1] = 0;
        n += 2;
        p += 4;
      }
      c = b[p];
      if (c === 0x30 || c === 0x2d || (c >= 0x31 && c <= 0x39)) continue;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) continue;
      pos = p;
      tapeLen = n;
      return -(n - first + 1);
    }
    const start = p;
    let neg = false;
    if (c === 0x2d) {
      neg = true;
      c = b[++p];
    }
    let mant = 0;
    let digits = 0;
    let exp10 = 0;
    if (c === 0x30) {
      c = b[++p];
      if (c >= 0x30 && c <= 0x39) {
        pos = p;
        fail('a number has a leading zero');
      }
    } else if (c >= 0x31 && c <= 0x39) {
      const d0 = p;
      for (let v8 = 0; p + 8 <= len && (v8 = eightDigits(dv, p)) >= 0; p += 8) mant = mant * 1e8 + v8;
      c = b[p];
      while (c >= 0x30 && c <= 0x39) {
        mant = mant * 10 + (c - 0x30);
        c = b[++p];
      }
      digits = p - d0;
    } else {
      pos = p;
      if (neg && c === 0x49) {
        // -Infinity: not for the fast path.
        pos = start;
        tapeLen = n;
        return -(n - first + 1);
      }
      fail(neg ? `unexpected ${describe(p)} after '-'; expected a digit` : `unexpected ${describe(p)}; expected a number`);
    }
    if (c === 0x2e) {
      c = b[++p];
      if (!(c >= 0x30 && c <= 0x39)) {
        pos = p;
        fail(`unexpected ${describe(p)} after a decimal point; expected a digit`);
      }
      // Leading zeros of 0.000123 are digits here too: they add nothing to mant, and no rounding.
      const f0 = p;
      for (let v8 = 0; p + 8 <= len && (v8 = eightDigits(dv, p)) >= 0; p += 8) mant = mant * 1e8 + v8;
      c = b[p];
      while (c >= 0x30 && c <= 0x39) {
        mant = mant * 10 + (c - 0x30);
        c = b[++p];
      }
      digits += p - f0;
      exp10 = f0 - p;
    }
    if (c === 0x65 || c === 0x45) {
      c = b[++p];
      let eneg = false;
      if (c === 0x2b || c === 0x2d) {
        eneg = c === 0x2d;
        c = b[++p];
      }
      if (!(c >= 0x30 && c <= 0x39)) {
        pos = p;
        fail(`unexpected ${describe(p)} in an exponent; expected a digit`);
      }
      let e = 0;
      while (c >= 0x30 && c <= 0x39) {
        if (e < 100000) e = e * 10 + (c - 0x30);
        c = b[++p];
      }
      exp10 += eneg ? -e : e;
    }
    let v: number;
    if (mant < TWO53 && exp10 >= -22 && exp10 <= 22) {
      // mant is exact (every step of it was below 2^53), and so is 10^|exp10|.
      v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
    } else {
      let f = NaN;
      if (digits <= MAX_FAST_DIGITS && exp10 >= -22 && exp10 <= 22) {
        v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
        f = Math.fround(v * NUDGE_DOWN);
        if (f === 0 || f - f !== 0 || Math.fround(v * NUDGE_UP) !== f) f = NaN;
      }
      if (f === f) v = f;
      else {
        v = Number(latin1.decode(b.subarray(neg ? start + 1 : start, p)));
        if (Math.fround(v) - Math.fround(v) !== 0) notFinite.push(n);
      }
    }
    t[n++] = neg ? -v : v;
    if (!many) {
      pos = p;
      tapeLen = n;
      return 1;
    }
    if (c === 0x2c) {
      c = b[++p];
      if (c === 0x30 || c === 0x2d || (c >= 0x31 && c <= 0x39)) continue;
    } else {
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
      if (c === 0x5d) {
        pos = p + 1;
        tapeLen = n;
        return n - first;
      }
      if (c !== 0x2c) {
        pos = p;
        fail(`unexpected ${describe(p)} in an array; expected ',' or ']'`);
      }
      c = b[++p];
    }
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) continue;
    pos = p;
    tapeLen = n;
    return -(n - first + 1);
  }
}

function array(depth: number): JsonNode[] | Run {
  if (depth > MAX_DEPTH) fail(`arrays and objects nested deeper than ${MAX_DEPTH} levels`);
  pos++;
  skipWs();
  const start = tapeLen;
  let c = bytes[pos];
  if (c === 0x5d) {
    pos++;
    return leaf(0, start, start);
  }
  let plain: JsonNode[] | null = null;
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    const r = numberRun(true);
    if (r >= 0) return leaf(r, start, tapeLen);
    // Something else after -r-1 numbers: the array is a plain one from here on.
    plain = Array.from(tape.subarray(start, tapeLen));
  } else {
    // Elements that are arrays of one shape, all numbers: they sit one after another on the tape.
    let inner: number[] | null = null;
    let count = 0;
    for (;;) {
      const v = value(depth);
      if (v instanceof Run && (inner === null || shapesEqual(inner, v.shape))) {
        inner ??= v === LEAF ? [v.shape[0]] : v.shape;
        count++;
      } else {
        plain = [];
        if (inner) {
          let size = 1;
          for (const d of inner) size *= d;
          for (let i = 0; i < count; i++) plain.push(numArray(inner, start + i * size, start + (i + 1) * size));
        }
        plain.push(settle(v));
        break;
      }
      skipWs();
      c = bytes[pos];
      if (c === 0x2c) {
        pos++;
        skipWs();
        if (fast && inner!.length === 1 && bytes[pos] === 0x5b) {
          // More rows of numbers (an image's): the WebAssembly reader takes those of the same
          // length up to the ']', and leaves anything else to value() below.
          const status = fast.rows(BODY_AT + pos, tapeLen, fastTape, inner![0]);
          pos = fast.result[0] - BODY_AT;
          tapeLen = fast.result[1];
          count += fast.result[2];
          if (status === 0) return new Run([count, ...inner!], start, tapeLen);
        }
        continue;
      }
      if (c === 0x5d) {
        pos++;
        return new Run([count, ...inner!], start, tapeLen);
      }
      fail(`unexpected ${describe(pos)} in an array; expected ',' or ']'`);
    }
    skipWs();
    c = bytes[pos];
    if (c === 0x5d) {
      pos++;
      return plain;
    }
    if (c !== 0x2c) fail(`unexpected ${describe(pos)} in an array; expected ',' or ']'`);
    pos++;
  }
  // The rest, element by element.
  for (;;) {
    skipWs();
    plain.push(settle(value(depth)));
    skipWs();
    c = bytes[pos];
    if (c === 0x2c) {
      pos++;
      continue;
    }
    if (c === 0x5d) {
      pos++;
      return plain;
    }
    fail(`unexpected ${describe(pos)} in an array; expected ',' or ']'`);
  }
}

function object(depth: number): { [key: string]: JsonNode } {
  if (depth > MAX_DEPTH) fail(`arrays and objects nested deeper than ${MAX_DEPTH} levels`);
  pos++;
  // No prototype: "__proto__" is an ordinary key, as with JSON.parse.
  const out = Object.create(null) as { [key: string]: JsonNode };
  skipWs();
  if (bytes[pos] === 0x7d) {
    pos++;
    return out;
  }
  for (;;) {
    skipWs();
    if (bytes[pos] !== 0x22) fail(`unexpected ${describe(pos)} in an object; expected a "quoted" key`);
    const key = string();
    skipWs();
    if (bytes[pos] !== 0x3a) fail(`unexpected ${describe(pos)} after key "${key}"; expected ':'`);
    pos++;
    skipWs();
    out[key] = settle(value(depth));
    skipWs();
    const c = bytes[pos];
    if (c === 0x2c) {
      pos++;
      continue;
    }
    if (c === 0x7d) {
      pos++;
      return out;
    }
    fail(`unexpected ${describe(pos)} in an object; expected ',' or '}'`);
  }
}

function string(): string {
  const b = bytes;
  const start = ++pos;
  let p = start;
  let simple = true;
  for (;;) {
    if (p >= b.length) {
      pos = start - 1;
      fail('unterminated string');
    }
    const c = b[p];
    if (c === 0x22) break;
    if (c < 0x20) {
      pos = p;
      fail('unescaped control character in a string');
    }
    if (c === 0x5c) {
      simple = false;
      p += 2;
      continue;
    }
    if (c >= 0x80) simple = false;
    p++;
  }
  pos = p + 1;
  if (simple) return latin1.decode(b.subarray(start, p));
  let raw: string;
  try {
    raw = utf8.decode(b.subarray(start, p));
  } catch {
    pos = start;
    fail('a string is not valid UTF-8');
  }
  try {
    // Escapes (\n, \u00e9, surrogate pairs) exactly as JSON defines them.
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    pos = start;
    fail('bad escape sequence in a string');
  }
}
