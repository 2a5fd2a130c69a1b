// Request bodies as JSON, parsed with the serving workload in mind: runs of numbers (`[0, 0.25, ...]`)
// are read by one tight loop straight into a Float64Array "tape", and nested arrays of numbers of
// one shape come out as a NumArray (shape + a view of the tape) instead of thousands of JS arrays.
// Against JSON.parse followed by the walk that copies its nested arrays into a Float32Array, on
// 32-image MNIST bodies, alternating the two in one process: 2-2.5x faster. It also reads TF
// Serving's non-standard NaN / Infinity / -Infinity tokens, and says where malformed JSON goes wrong.
//
// Numbers: integers and decimals of up to 15 significant digits with a small exponent are converted
// exactly (one correctly rounded division, as JSON.parse does). Longer ones (e.g. 0.32549019607843135,
// what `pixel / 255` prints) are computed to within a few units in the last place of a double and
// stored rounded to float32 -- the precision the model computes in -- after checking that the
// approximation cannot change that rounding; when it could, the exact conversion is used. So every
// number in a tensor is bit for bit what JSON.parse followed by Math.fround gives (json.test.ts).

/** A rectangular nested array of numbers: its shape and its values, row-major. */
export class NumArray {
  constructor(
    readonly shape: number[],
    /** A view of the parser's tape: valid until the next parse on this thread. */
    readonly data: Float64Array,
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
// See numberRun: the approximation is within 9 roundings (2^-53 each) of the exact value; these
// nudge it by 2^-48 (16 roundings) either way.
const NUDGE_DOWN = 1 - 2 ** -48;
const NUDGE_UP = 1 + 2 ** -48;
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Numbers parsed so far in an array that is still all numbers: a range of the tape and a shape. */
class Run {
  constructor(
    readonly shape: number[],
    readonly start: number,
    readonly end: number,
  ) {}
}

// Parser state: module-level, because a worker parses one body at a time, and the hot loop reads
// plain locals anyway.
let bytes: Uint8Array = new Uint8Array(0);
let pos = 0;
let tape: Float64Array = new Float64Array(1 << 14);
let tapeLen = 0;

/**
 * Parses a request body. Throws JsonSyntaxError (with line and column) for anything that is not
 * JSON, or JSON with NaN / Infinity / -Infinity. NumArray data stays valid until the next call.
 */
export function parseBody(body: Uint8Array): JsonNode {
  bytes = body;
  pos = 0;
  tapeLen = 0;
  if (tape.length > KEEP_TAPE) tape = new Float64Array(1 << 14);
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
    bytes = new Uint8Array(0);
  }
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
  return v instanceof Run ? new NumArray(v.shape, tape.subarray(v.start, v.end)) : v;
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
  let size = tape.length * 2;
  while (size < need) size *= 2;
  const t = new Float64Array(size);
  t.set(tape.subarray(0, tapeLen));
  tape = t;
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
 * The hot loop: parses numbers separated by commas (and whitespace) onto the tape, starting at pos
 * (a '-' or digit). With `many`, it goes on through `, number` pairs and returns the count when it
 * reaches the array's ']' (pos after it), or -(count + 1) when the next element is not a plain
 * number (pos at that element, its comma consumed). Without `many`, it reads one number and returns 1.
 */
function numberRun(many: boolean): number {
  const b = bytes;
  let p = pos;
  let n = tapeLen;
  let t = tape;
  let count = 0;
  for (;;) {
    if (n === t.length) {
      tapeLen = n;
      grow(n + 1);
      t = tape;
    }
    const start = p;
    let c = b[p];
    if (c === 0x30 && b[p + 1] === 0x2c && many) {
      // A bare 0 followed by a comma: most of an image (and of ReLU features) is zeros.
      t[n++] = 0;
      count++;
      p += 2;
      c = b[p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) continue;
      pos = p;
      tapeLen = n;
      return -(count + 1);
    }
    let neg = false;
    if (c === 0x2d) {
      neg = true;
      c = b[++p];
    }
    if (c < 0x30 || c > 0x39 || c === undefined) {
      pos = p;
      if (neg && c === 0x49) {
        // -Infinity: not for the fast path.
        pos = start;
        tapeLen = n;
        return -(count + 1);
      }
      fail(neg ? `unexpected ${describe(p)} after '-'; expected a digit` : `unexpected ${describe(p)}; expected a number`);
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
    } else {
      while (c >= 0x30 && c <= 0x39) {
        mant = mant * 10 + (c - 0x30);
        digits++;
        c = b[++p];
      }
    }
    if (c === 0x2e) {
      c = b[++p];
      if (!(c >= 0x30 && c <= 0x39)) {
        pos = p;
        fail(`unexpected ${describe(p)} after a decimal point; expected a digit`);
      }
      while (c >= 0x30 && c <= 0x39) {
        // Leading zeros of 0.000123 are not significant digits.
        if (digits > 0 || c !== 0x30) {
          mant = mant * 10 + (c - 0x30);
          digits++;
        }
        exp10--;
        c = b[++p];
      }
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
    if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
      // Exact operands (mant < 10^15 < 2^53, 10^|e| <= 10^22): one correctly rounded operation.
      v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
    } else {
      // Up to 19 digits, mant is within 8 roundings of the exact digits (a multiply and an add per
      // digit past the 15th), and the division adds one: if nudging v by more than that either way
      // rounds to the same float32, that float32 is what the exact value rounds to. Otherwise, or
      // for longer or extreme numbers, convert the text exactly.
      let f = NaN;
      if (digits <= 19 && exp10 >= -22 && exp10 <= 22) {
        v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
        f = Math.fround(v);
        if (f === 0 || f - f !== 0 || Math.fround(v * NUDGE_DOWN) !== f || Math.fround(v * NUDGE_UP) !== f) f = NaN;
      }
      v = f === f ? f : Number(latin1.decode(b.subarray(neg ? start + 1 : start, p)));
    }
    t[n++] = neg ? -v : v;
    count++;
    if (!many) {
      pos = p;
      tapeLen = n;
      return 1;
    }
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
    if (c === 0x2c) {
      c = b[++p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) continue;
      pos = p;
      tapeLen = n;
      return -(count + 1);
    }
    if (c === 0x5d) {
      pos = p + 1;
      tapeLen = n;
      return count;
    }
    pos = p;
    fail(`unexpected ${describe(p)} in an array; expected ',' or ']'`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function array(depth: number): JsonNode[] | Run {
  if (depth > MAX_DEPTH) fail(`arrays and objects nested deeper than ${MAX_DEPTH} levels`);
  pos++;
  skipWs();
  const start = tapeLen;
  let c = bytes[pos];
  if (c === 0x5d) {
    pos++;
    return new Run([0], start, start);
  }
  let plain: JsonNode[] | null = null;
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    const r = numberRun(true);
    if (r >= 0) return new Run([r], start, tapeLen);
    // Something else after -r-1 numbers: the array is a plain one from here on.
    plain = Array.from(tape.subarray(start, tapeLen));
  } else {
    // Elements that are arrays of one shape, all numbers: they sit one after another on the tape.
    let inner: number[] | null = null;
    let count = 0;
    for (;;) {
      const v = value(depth);
      if (v instanceof Run && (inner === null || sameShape(inner, v.shape))) {
        inner ??= v.shape;
        count++;
      } else {
        plain = [];
        if (inner) {
          let size = 1;
          for (const d of inner) size *= d;
          for (let i = 0; i < count; i++) plain.push(new NumArray(inner, tape.subarray(start + i * size, start + (i + 1) * size)));
        }
        plain.push(settle(v));
        break;
      }
      skipWs();
      c = bytes[pos];
      if (c === 0x2c) {
        pos++;
        skipWs();
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
