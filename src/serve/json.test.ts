// The request-body parser against JSON.parse: same values on random documents (numbers bit for bit,
// or bit for bit after float32 rounding where the parser promises only that), NumArrays for
// rectangular numeric arrays, TF Serving's NaN/Infinity tokens, and syntax errors that say where.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumArray, JsonSyntaxError, parseBody, parseJsonText, setFastReader, type JsonNode } from './json.js';
import { BODY_AT, PADDING, fastNumbers } from './json-wasm.js';
import { rng } from '../test-utils/random-arrays.js';

/** A number written the many ways JSON allows: integers, decimals of 1-25 digits, exponents. */
function numberText(r: () => number): string {
  const kind = Math.floor(r() * 7);
  const sign = r() < 0.3 ? '-' : '';
  if (kind === 0) return sign + String(Math.floor(r() * 1000));
  if (kind === 1) return String(r() / (1 + Math.floor(r() * 255))); // what pixel / 255 prints
  if (kind === 2) return sign + (r() * 10 ** Math.floor(r() * 12 - 6)).toPrecision(1 + Math.floor(r() * 21));
  if (kind === 3) return `${sign}${Math.floor(r() * 9) + 1}.${String(Math.floor(r() * 1e9)).padStart(9, '0')}e${r() < 0.5 ? '-' : '+'}${Math.floor(r() * 40)}`;
  if (kind === 4) return sign + '0.' + '0'.repeat(Math.floor(r() * 8)) + String(Math.floor(r() * 1e6) + 1);
  if (kind === 5) return sign + String(Math.floor(r() * 2 ** 53));
  return sign + (r() * 100).toFixed(Math.floor(r() * 25));
}

function randomDoc(r: () => number, depth: number): string {
  const k = depth > 3 ? Math.floor(r() * 4) : Math.floor(r() * 8);
  if (k === 0) return numberText(r);
  if (k === 1) return JSON.stringify(['a', 'é', 'x\ny', '"q"', '\u{1F600}', ''][Math.floor(r() * 6)]);
  if (k === 2) return ['true', 'false', 'null'][Math.floor(r() * 3)];
  if (k === 3) {
    // A rectangular numeric array, the hot path.
    const rows = 1 + Math.floor(r() * 4);
    const cols = Math.floor(r() * 5);
    const row = () => `[${Array.from({ length: cols }, () => numberText(r)).join(', ')}]`;
    return r() < 0.5 ? row() : `[${Array.from({ length: rows }, row).join(',')}]`;
  }
  if (k <= 5) return `[${Array.from({ length: Math.floor(r() * 4) }, () => randomDoc(r, depth + 1)).join(' , ')}]`;
  const keys = ['instances', 'inputs', 'a', '__proto__', 'constructor'];
  return `{ ${Array.from({ length: Math.floor(r() * 3) }, (_, i) => `${JSON.stringify(keys[(i + Math.floor(r() * 5)) % 5])}: ${randomDoc(r, depth + 1)}`).join(',\n')} }`;
}

/** A numeric array's value as nested JS arrays. */
function unpack(v: JsonNode): unknown {
  if (v instanceof NumArray) {
    let at = 0;
    const build = (d: number): unknown => (d === v.shape.length ? v.data[at++] : Array.from({ length: v.shape[d] }, () => build(d + 1)));
    return build(0);
  }
  if (Array.isArray(v)) return v.map(unpack);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unpack(x)]));
  return v;
}

/** Equal, numbers bit for bit or as float32 rounding of JSON.parse's (the parser's promise). */
function same(got: unknown, want: unknown, path: string): void {
  if (typeof want === 'number') {
    assert.equal(typeof got, 'number', path);
    const g = got as number;
    assert.ok(Object.is(g, want) || g === Math.fround(want), `${path}: got ${g}, JSON.parse ${want} (float32 ${Math.fround(want)})`);
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path}: expected a list`);
    assert.equal((got as unknown[]).length, want.length, path);
    want.forEach((w, i) => same((got as unknown[])[i], w, `${path}[${i}]`));
    return;
  }
  if (want && typeof want === 'object') {
    assert.deepEqual(Object.keys(got as object), Object.keys(want), path);
    for (const [k, w] of Object.entries(want)) same((got as Record<string, unknown>)[k], w, `${path}.${k}`);
    return;
  }
  assert.equal(got, want, path);
}

/** A test run twice: with the WebAssembly reader (the default) and with the JS parser alone. */
function bothReaders(name: string, fn: () => void): void {
  for (const on of [true, false]) {
    test(`${name}${on ? '' : ' (JS parser alone)'}`, () => {
      setFastReader(on);
      try {
        fn();
      } finally {
        setFastReader(true);
      }
    });
  }
}

bothReaders('random documents parse to what JSON.parse gives', () => {
  const r = rng(42);
  for (let i = 0; i < 3000; i++) {
    const text = randomDoc(r, 0);
    same(unpack(parseJsonText(text)), JSON.parse(text), `doc ${i}: ${text.slice(0, 80)}`);
  }
});

bothReaders('numbers with up to 15 significant digits are exact doubles, longer ones exact float32', () => {
  const r = rng(7);
  for (let i = 0; i < 20000; i++) {
    const t = numberText(r);
    const got = parseJsonText(`[${t}]`) as NumArray;
    const want = JSON.parse(t) as number;
    const sig = t.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').length;
    const exp = Number(/[eE]([-+]?\d+)$/.exec(t)?.[1] ?? 0);
    if (sig <= 15 && Math.abs(exp) <= 15) assert.ok(Object.is(got.data[0], want), `${t}: ${got.data[0]} vs ${want}`);
    else assert.ok(Object.is(Math.fround(got.data[0]), Math.fround(want)), `${t}: ${got.data[0]} vs ${want}`);
  }
});

bothReaders('decimals on float32 rounding boundaries round as JSON.parse + Math.fround does', () => {
  const r = rng(11);
  const f32 = new Float32Array(2);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < 20000; i++) {
    u32[0] = Math.floor(r() * 0x7f000000);
    u32[1] = u32[0] + 1;
    // The midpoint between two neighbouring float32s, and the doubles next to it, in 17 digits.
    const mid = (f32[0] + f32[1]) / 2;
    for (const x of [mid, mid * (1 + 2 ** -52), mid * (1 - 2 ** -52)]) {
      const t = x.toPrecision(17);
      const got = (parseJsonText(`[${t}]`) as NumArray).data[0];
      assert.equal(Math.fround(got), Math.fround(Number(t)), t);
    }
  }
});

test('rectangular numeric arrays become one NumArray; others stay lists', () => {
  const a = parseJsonText('{"instances": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}') as { instances: NumArray };
  assert.ok(a.instances instanceof NumArray, 'instances is a NumArray');
  assert.deepEqual(a.instances.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(a.instances.data), [1, 2, 3, 4, 5, 6, 7, 8]);
  const ragged = parseJsonText('[[1, 2], [3]]') as NumArray[];
  assert.ok(Array.isArray(ragged), 'ragged stays a list');
  assert.deepEqual(ragged.map((x) => x.shape), [[2], [1]]);
  assert.deepEqual(parseJsonText('[1, "a", null]'), [1, 'a', null]);
  assert.deepEqual((parseJsonText('[]') as NumArray).shape, [0]);
  assert.deepEqual((parseJsonText('[[], []]') as NumArray).shape, [2, 0]);
  const mixed = parseJsonText('[[1, 2], 3]') as JsonNode[];
  assert.ok(mixed[0] instanceof NumArray, 'first element packed');
  assert.equal(mixed[1], 3);
});

test("TF Serving's NaN, Infinity and -Infinity tokens are read", () => {
  const v = unpack(parseJsonText('[NaN, Infinity, -Infinity, 1]')) as number[];
  assert.ok(Number.isNaN(v[0]), 'NaN read');
  assert.deepEqual(v.slice(1), [Infinity, -Infinity, 1]);
  assert.deepEqual(unpack(parseJsonText('[[-Infinity, 2], [3, 4]]')), [[-Infinity, 2], [3, 4]]);
});

test('keys such as __proto__ are plain keys', () => {
  const o = parseJsonText('{"__proto__": {"polluted": 1}, "a": 2}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(o), null);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(o), ['__proto__', 'a']);
});

bothReaders('malformed JSON: the reason, line and column', () => {
  const cases: [string, RegExp][] = [
    ['', /the body is empty/],
    ['   ', /the body is empty/],
    ['{"instances": [1, 2,]}', /unexpected '\]'; expected a JSON value at line 1, column 21/],
    ['{"instances": [1 2]}', /unexpected '2' in an array; expected ',' or '\]' at line 1, column 18/],
    ['{\n  "instances": [\n    [0, 1],\n    [0, 1}\n}', /expected ',' or '\]' at line 4, column 10/],
    ['{"instances": [01]}', /leading zero/],
    ['{"instances": [1.]}', /after a decimal point/],
    ['{"instances": [1e]}', /in an exponent/],
    ['{"instances": [-]}', /after '-'; expected a digit/],
    ['{"a" 1}', /after key "a"; expected ':'/],
    ["{'a': 1}", /expected a "quoted" key/],
    ['{"a": tru}', /expected a JSON value/],
    ['{"a": "x', /unterminated string/],
    ['{"a": "\u0001"}', /unescaped control character/],
    ['{"a": "\\q"}', /bad escape/],
    ['{"a": 1} extra', /after the end of the JSON value/],
    ['{"a": [1, 2}', /expected ',' or '\]'/],
    ['[' .repeat(100000), /nested deeper than 64 levels/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseJsonText(text), (e: unknown) => e instanceof JsonSyntaxError && re.test(e.message), JSON.stringify(text.slice(0, 40)));
  }
  assert.throws(() => parseBody(new Uint8Array([0x22, 0xff, 0xfe, 0x22])), /not valid UTF-8/);
});

test('a NumArray stays valid until the next parse, and the tape does not keep a huge body', () => {
  const big = `[${'0.5,'.repeat(2_000_000)}0.5]`;
  const a = parseJsonText(big) as NumArray;
  assert.equal(a.shape[0], 2_000_001);
  assert.equal(a.data[2_000_000], 0.5);
  const b = parseJsonText('[1, 2]') as NumArray;
  assert.deepEqual(Array.from(b.data), [1, 2]);
});

/** The exact decimal value of a positive double: digits S and exponent E with x = S * 10^E. */
function exactDecimal(x: number): { digits: string; exp: number } {
  let k = 0;
  while (!Number.isInteger(x)) {
    x *= 2;
    k--;
  }
  // x * 2^k with x an integer: for k < 0 that is x * 5^-k * 10^k.
  return { digits: (BigInt(x) * 5n ** BigInt(-k)).toString(), exp: k };
}

/** digits * 10^exp written without an exponent. */
function plain(digits: string, exp: number): string {
  if (exp >= 0) return digits + '0'.repeat(exp);
  if (-exp < digits.length) return `${digits.slice(0, digits.length + exp)}.${digits.slice(digits.length + exp)}`;
  return `0.${'0'.repeat(-exp - digits.length)}${digits}`;
}

bothReaders('long decimals next to float32 midpoints, in 16 to 30 digits, round as JSON.parse + Math.fround', () => {
  const r = rng(5);
  const f32 = new Float32Array(2);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < 20000; i++) {
    // Half of them between 1e-3 and 1e6, where the parser's fast path works (exponents of +-22).
    u32[0] = i % 2 ? 0x3a83126f + Math.floor(r() * (0x49742400 - 0x3a83126f)) : Math.floor(r() * 0x7f000000);
    u32[1] = u32[0] + 1;
    const mid = (f32[0] + f32[1]) / 2;
    const { digits, exp } = exactDecimal(mid);
    // The midpoint cut to d digits lies just below it; with a 1 after the cut, just above it.
    for (const d of [16, 17, 18, 20, 25, 30]) {
      if (digits.length <= d) continue;
      const e = exp + digits.length - d;
      const cut = digits.slice(0, d);
      for (const t of [`${cut}e${e}`, `${cut}1e${e - 1}`, `0.${cut}e${e + d}`, plain(cut, e), plain(`${cut}1`, e - 1)]) {
        const got = (parseJsonText(`[${t}]`) as NumArray).data[0];
        assert.equal(Math.fround(got), Math.fround(Number(t)), t);
      }
    }
  }
});

bothReaders('numbers where the 8-digit reads meet the end of the body, long integer parts, runs of zeros', () => {
  const cases = [
    '12345678',
    '123456789012345678',
    '1234567890123456789012345',
    '12345678901234567890123456789012',
    '0.12345678',
    '0.1234567',
    '0.123456789',
    '-99999999.99999999',
    '1e5',
    '12345678e-8',
    '0.000000000000000000000001234567890123456789',
    '123456789012345678901234567890e-20',
  ];
  for (const t of cases) {
    // Alone (the body ends right after the number), last in an array, and first in one.
    const alone = parseJsonText(t) as number;
    assert.equal(Math.fround(alone), Math.fround(Number(t)), t);
    for (const doc of [`[${t}]`, `[${t},0,1]`, `[0,${t}]`]) {
      const got = unpack(parseJsonText(doc)) as number[];
      const want = JSON.parse(doc) as number[];
      want.forEach((w, i) => assert.equal(Math.fround(got[i]), Math.fround(w), `${doc}[${i}]`));
    }
  }
  for (let n = 0; n < 40; n++) {
    for (const sep of [',', ', ', ' ,', ',\n  ']) {
      const zeros = Array.from({ length: n }, () => '0');
      for (const doc of [`[${zeros.join(sep)}]`, `[${[...zeros, '0.5'].join(sep)}]`, `[${['1', ...zeros, '-0', '0'].join(sep)}]`, `[[${zeros.join(sep)}], [${zeros.join(sep)}]]`]) {
        same(unpack(parseJsonText(doc)), JSON.parse(doc), doc);
      }
    }
  }
  // A trailing comma after zeros is still an error.
  assert.throws(() => parseJsonText('[0,0,0,0,]'), /unexpected '\]'; expected a JSON value/);
  assert.throws(() => parseJsonText('[0,0,0,0'), /expected ',' or '\]'|expected a JSON value/);
});

test('a body in a SharedArrayBuffer (how the HTTP thread hands bodies to a worker) parses the same', () => {
  const text = '{"instances": [[0.5, 0.32549019607843135, 0]], "é": "ü"}';
  const bytes = new TextEncoder().encode(text);
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 16));
  shared.set(bytes, 7);
  const got = parseBody(shared.subarray(7, 7 + bytes.length)) as Record<string, JsonNode>;
  same(unpack(got), JSON.parse(text), 'shared');
});

/** A document parsed with and without the WebAssembly reader: the value, or the error message. */
function both(text: string): [unknown, unknown] {
  const run = (on: boolean): unknown => {
    setFastReader(on);
    try {
      return unpack(parseJsonText(text));
    } catch (e) {
      return (e as Error).message;
    } finally {
      setFastReader(true);
    }
  };
  return [run(true), run(false)];
}

/** Equal, numbers bit for bit. */
function identical(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number') {
    assert.ok(Object.is(a, b), `${path}: ${a} vs ${String(b)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, path);
    a.forEach((x, i) => identical(x, b[i], `${path}[${i}]`));
    return;
  }
  if (a && typeof a === 'object' && b && typeof b === 'object') {
    assert.deepEqual(Object.keys(a), Object.keys(b), path);
    for (const k of Object.keys(a)) identical((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  assert.equal(a, b, path);
}

test('the WebAssembly reader gives what the JS parser gives: values bit for bit, errors word for word', () => {
  const r = rng(77);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  // Rows like an image's, with every kind of number, odd widths and separators, then broken in places.
  const num = (): string => pick([() => '0', () => '0.0', () => '-0', () => numberText(r), () => String(Math.floor(r() * 256) / 255), () => pick(['NaN', '-Infinity', '1e400', '1E-7', '5e+2'])])();
  const sep = (): string => pick([',', ',', ',', ', ', ' ,', ',\n ']);
  for (let i = 0; i < 3000; i++) {
    const width = 1 + Math.floor(r() * 12);
    const rows = Array.from({ length: 1 + Math.floor(r() * 6) }, () => {
      const w = r() < 0.1 ? Math.floor(r() * 14) : width;
      return `[${Array.from({ length: w }, () => (r() < 0.5 ? '0' : num())).join(sep())}]`;
    });
    let text = `{"instances": [[${rows.join(sep())}], [${rows.join(sep())}]]}`;
    if (r() < 0.3) {
      // A byte changed, removed or added somewhere.
      const at = Math.floor(r() * text.length);
      const ch = pick(['', ',', ']', '[', '0', '.', '-', ' ', 'e', '"', '9']);
      text = text.slice(0, at) + ch + text.slice(at + (r() < 0.5 ? 1 : 0));
    }
    const [fast, js] = both(text);
    identical(fast, js, `doc ${i}: ${text.slice(0, 120)}`);
  }
  for (const text of ['[0,0,0,0,]', '[0,0,0,0', '[0,0,0 0]', '[[1,2],[3,4],[5]]', '[[1,2],[3,4],[5,6,7],[8,9]]', '[[1,2],[3,4], 5]', '[[1,2],[3,4],[]]', '[[1,2],[3,4]', '[[1,2],[3,4]x]', '[[1,2] , [3,4] ,[5,6]]', '[[0,0],[0,01]]', '[[0.5,1e3],[2,3]]']) {
    const [fast, js] = both(text);
    identical(fast, js, text);
  }
});

test('the WebAssembly reader is the compiled json-reader.wasm, read directly: values, statuses, positions', () => {
  // Not null: with no reader, the comparisons above would compare the JS parser with itself.
  const fast = fastNumbers();
  assert.ok(fast, 'json-reader.wasm loads under Node');
  /** run over `text` at BODY_AT, tape after it: [status, position in text, numbers read]. */
  const read = (text: string): [number, number, number[]] => {
    const body = new TextEncoder().encode(text);
    const tape = (BODY_AT + body.length + PADDING + 7) & ~7;
    fast.reserve(tape + 8 * body.length);
    const mem = new Uint8Array(fast.memory.buffer);
    mem.set(body, BODY_AT);
    mem.fill(0, BODY_AT + body.length, BODY_AT + body.length + PADDING);
    const status = fast.run(BODY_AT, 0, tape);
    const [at, n] = fast.result;
    return [status, at - BODY_AT, Array.from(new Float64Array(fast.memory.buffer, tape, n))];
  };
  // Zeros two at a time, negative zero, 8-digit blocks and their tails, whitespace, the ']'.
  const run0 = '0,0,0,0,0, -0 ,\n12345678901,0.125 ,3.0000000001]';
  const [s0, p0, v0] = read(run0);
  assert.deepEqual([s0, p0], [0, run0.length]);
  assert.deepEqual(v0.map((x) => Object.is(x, -0) ? '-0' : x), [0, 0, 0, 0, 0, '-0', 12345678901, 0.125, 3.0000000001]);
  // An exponent is numberRun's: the reader stops at the start of that number.
  assert.deepEqual(read('1,2,-3e5,4]'), [2, 4, [1, 2]]);
  // Not a number after a comma: stopped at it.
  assert.deepEqual(read('0,0, "x"]'), [1, 5, [0, 0]]);
  // A long mantissa whose float32 rounding is certain is read (rounded to float32); the body's end
  // without a ']' is left to numberRun at the start of its last number.
  const [s1, p1, v1] = read('0.12345678901234567890,7');
  assert.deepEqual([s1, p1], [2, 23]);
  assert.deepEqual(v1, [Math.fround(0.1234567890123456789)]);
  // More than 22 decimals are numberRun's too.
  assert.deepEqual(read('0.5,0.12345678901234567890123]'), [2, 4, [0.5]]);
});
