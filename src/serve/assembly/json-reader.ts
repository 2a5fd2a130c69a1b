// @ts-nocheck -- AssemblyScript, not TypeScript: built by scripts/build-wasm.mjs into ../json-reader.wasm.
// The request parser's hot loop: runs of numbers separated by commas, most of a 32-image body's bytes.
// It does what json.ts's numberRun does for the common forms only -- runs of bare zeros, and numbers
// without an exponent that convert exactly or whose float32 rounding is certain (the same arithmetic
// and checks as numberRun, in the same IEEE doubles) -- and stops at anything else, at the start of
// that number, for numberRun to read it (with its exact conversion, its NaN/Infinity tokens and its
// error messages). Nothing here allocates (built with --runtime stub); the glue is ../json-wasm.ts.
//
// Memory: 10^0..10^22 as doubles at 0, the results of run and rows at RESULT_AT, the body from
// BODY_AT on followed by PADDING zero bytes (so the 8-byte reads past its end see no digits), then
// the tape of doubles the numbers go to. The JS glue copies the body in and grows memory.

export const RESULT_AT: u32 = 192;
export const BODY_AT: u32 = 256;
export const PADDING: u32 = 16;

const POW10_AT: u32 = 0;

// The same constants as json.ts (see numberRun there for why they are safe).
const TWO53: f64 = 9007199254740992.0;
const MAX_FAST_DIGITS: u32 = 25;
const NUDGE_DOWN: f64 = 1.0 - 1.0 / 70368744177664.0; // 1 - 2^-46
const NUDGE_UP: f64 = 1.0 + 1.0 / 70368744177664.0; // 1 + 2^-46

/** The powers of ten, each exact in a double (5^22 < 2^53), so each product here is exact too. */
function writePowersOfTen(): void {
  let p: f64 = 1;
  for (let i: u32 = 0; i <= 22; i++) {
    store<f64>(POW10_AT + (i << 3), p);
    p *= 10;
  }
}
writePowersOfTen();

// @ts-ignore: decorator
@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

// @ts-ignore: decorator
@inline function startsNumber(c: u32): bool {
  return c - 0x30 < 10 || c == 0x2d;
}

// @ts-ignore: decorator
@inline function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** True when all 8 bytes are digits: each byte's high nibble is 3, as it is and after adding 6. */
// @ts-ignore: decorator
@inline function eightDigits(x: u64): bool {
  const HIGH: u64 = 0xf0f0f0f0f0f0f0f0;
  return ((x & HIGH) | (((x + 0x0606060606060606) & HIGH) >> 4)) == 0x3333333333333333;
}

/** The value of 8 digit bytes read little-endian (the first digit is the lowest byte): pairs, quads, the eight. */
// @ts-ignore: decorator
@inline function eightValue(x: u64): f64 {
  x -= 0x3030303030303030;
  x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ff;
  x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffff;
  x = (x * 10000 + (x >> 32)) & 0xffffffff;
  return <f64>x;
}

// @ts-ignore: decorator
@inline function finish(status: i32, pos: u32, n: u32): i32 {
  store<u32>(RESULT_AT, pos);
  store<u32>(RESULT_AT + 4, n);
  return status;
}

/**
 * Reads numbers from byte p on into the doubles at tape + 8n, tape + 8(n + 1), ... Returns 0 at the
 * array's ']' (position after it), 1 when the element after a comma is not a number (position at
 * it), 2 at a number it leaves to numberRun (position at its start); the position and the new n
 * are stored at RESULT_AT and RESULT_AT + 4.
 */
export function run(p: u32, n: u32, tape: u32): i32 {
  let start = p;
  while (true) {
    let c: u32 = load<u8>(p);
    if (c == 0x30 && load<u8>(p + 1) == 0x2c) {
      // Bare zeros with commas, two at a time ("0,0," is 0x2c302c30 read little-endian).
      store<f64>(tape + (n << 3), 0);
      n++;
      p += 2;
      while (load<u32>(p) == 0x2c302c30) {
        store<f64>(tape + (n << 3), 0);
        store<f64>(tape + (n << 3), 0, 8);
        n += 2;
        p += 4;
      }
      c = load<u8>(p);
      if (startsNumber(c)) continue;
      while (isSpace(c)) c = load<u8>(++p);
      if (startsNumber(c)) continue;
      return finish(1, p, n);
    }
    start = p;
    const neg = c == 0x2d;
    if (neg) c = load<u8>(++p);
    let mant: f64 = 0;
    let digits: u32 = 0;
    let exp: i32 = 0;
    if (c == 0x30) {
      // A leading zero followed by a digit is an error: numberRun says so.
      c = load<u8>(++p);
      if (isDigit(c)) break;
    } else {
      if (c - 0x31 >= 9) break;
      const from = p;
      // 8 digits at a time while there are 8 (one 64-bit load), then one at a time.
      for (let x = load<u64>(p); eightDigits(x); x = load<u64>(p)) {
        mant = mant * 1e8 + eightValue(x);
        p += 8;
      }
      for (c = load<u8>(p); isDigit(c); c = load<u8>(++p)) mant = mant * 10 + <f64>(c - 0x30);
      digits = p - from;
    }
    if (c == 0x2e) {
      c = load<u8>(++p);
      if (!isDigit(c)) break;
      const from = p;
      for (let x = load<u64>(p); eightDigits(x); x = load<u64>(p)) {
        mant = mant * 1e8 + eightValue(x);
        p += 8;
      }
      for (c = load<u8>(p); isDigit(c); c = load<u8>(++p)) mant = mant * 10 + <f64>(c - 0x30);
      digits += p - from;
      exp = <i32>(from - p);
    }
    // Exponents, and more than 22 decimals, are numberRun's.
    if (c == 0x65 || c == 0x45 || exp < -22) break;
    let v = mant / load<f64>(POW10_AT + ((<u32>-exp) << 3));
    if (!(mant < TWO53)) {
      if (digits > MAX_FAST_DIGITS) break;
      const f = <f64><f32>(v * NUDGE_DOWN);
      if (f == 0 || f - f != 0 || <f64><f32>(v * NUDGE_UP) != f) break;
      v = f;
    }
    store<f64>(tape + (n << 3), neg ? -v : v);
    n++;
    while (isSpace(c)) c = load<u8>(++p);
    if (c == 0x2c) {
      c = load<u8>(++p);
      if (startsNumber(c)) continue;
      while (isSpace(c)) c = load<u8>(++p);
      if (startsNumber(c)) continue;
      return finish(1, p, n);
    }
    if (c == 0x5d) return finish(0, p + 1, n);
    // Neither ',' nor ']': numberRun reads this number again and says what is wrong.
    n--;
    break;
  }
  return finish(2, start, n);
}

/**
 * From p (after a comma, in an array of flat arrays of numbers), reads flat arrays of exactly
 * `width` numbers with run, up to the enclosing array's ']': returns 0 there (position after it).
 * At anything else -- a row of another length, one that run does not finish, an element that is
 * not a row, a bad separator after a row -- it returns 1 with the position at that element's start
 * and n at its first number, for the JS parser to read that element. The rows read are counted at
 * RESULT_AT + 8. One call per image instead of one per image row.
 */
export function rows(p: u32, n: u32, tape: u32, width: u32): i32 {
  let count: u32 = 0;
  let rowAt = p;
  let rowN = n;
  while (true) {
    let c: u32 = load<u8>(p);
    while (isSpace(c)) c = load<u8>(++p);
    rowAt = p;
    rowN = n;
    if (c != 0x5b) break;
    c = load<u8>(++p);
    while (isSpace(c)) c = load<u8>(++p);
    if (!startsNumber(c) || run(p, n, tape) != 0) break;
    p = load<u32>(RESULT_AT);
    n = load<u32>(RESULT_AT + 4);
    if (n - rowN != width) break;
    c = load<u8>(p);
    while (isSpace(c)) c = load<u8>(++p);
    if (c == 0x2c) {
      count++;
      p++;
      continue;
    }
    if (c == 0x5d) {
      store<u32>(RESULT_AT + 8, count + 1);
      return finish(0, p + 1, n);
    }
    break;
  }
  store<u32>(RESULT_AT + 8, count);
  return finish(1, rowAt, rowN);
}
