// The request parser's hot loop in WebAssembly: runs of numbers separated by commas, the part of a
// 32-image body that is most of its bytes. It does what json.ts's numberRun does for the common
// forms only -- runs of bare zeros, and numbers without an exponent that convert exactly or whose
// float32 rounding is certain (the same arithmetic and checks as numberRun, in the same IEEE
// doubles) -- and stops at anything else, at the start of that number, for numberRun to read it
// (with its exact conversion, its NaN/Infinity tokens and its error messages). Against numberRun on
// the bench's bodies: 2-2.5x faster (no bounds or type checks per byte, 8 digits per 64-bit load).

import {
  F64, I32, I64, add, add64, and, and64, assemble, block, br, brIf, call, eq, eq64, eqz, f64, f64FromU32, f64FromU64, fAdd, fDiv, fEq, fLt, fMul, fNe,
  fNeg, fSub, fround, get, i32, i64, load32, load64, load8, loadF64, loop, ltS, ltU, mul, mul64, ne, or, or64, ret, select, set, shrU64,
  store32, storeF64, sub, sub64, when, type Code,
} from './wasm-asm.js';

/** Memory layout: 10^0..10^22 as doubles at 0, the results of run at 192, the body from 256 on. */
const POW10_AT = 0;
const RESULT_AT = 192;
export const BODY_AT = 256;
/** Zero bytes after the body: the 8-byte reads past its end see no digits. */
export const PADDING = 16;

// run's parameters and locals.
const P = 0;
const N = 1;
const TAPE = 2;
const C = 3;
const START = 4;
const NEG = 5;
const DIGITS = 6;
const EXP = 7;
const FROM = 8;
const X = 9;
const MANT = 10;
const V = 11;
const F = 12;

const isDigit = (c: number): Code => ltU(sub(get(c), i32(0x30)), i32(10));
const startsNumber = (c: number): Code => or(isDigit(c), eq(get(c), i32(0x2d)));
const next = (): Code => [set(P, add(get(P), i32(1))), set(C, load8(get(P)))];
const skipWs = (): Code =>
  block('ws', loop('wsLoop', brIf('ws', eqz(or(or(eq(get(C), i32(0x20)), eq(get(C), i32(0x0a))), or(eq(get(C), i32(0x0d)), eq(get(C), i32(0x09)))))), next(), br('wsLoop')));
const slot = (k: number): Code => add(get(TAPE), add(mul(get(N), i32(8)), i32(k)));
const finish = (status: number, pos: Code): Code => [store32(i32(RESULT_AT), pos), store32(i32(RESULT_AT + 4), get(N)), ret(i32(status))];

/** Digits from P on into MANT: 8 at a time while there are 8 (a 64-bit load), then one at a time. */
function digits(): Code {
  const HIGH = 0xf0f0f0f0f0f0f0f0n;
  // A byte is a digit when its high nibble is 3 both as it is and after adding 6 (json.ts, eightDigits).
  const allDigits = eq64(or64(and64(get(X), i64(HIGH)), shrU64(and64(add64(get(X), i64(0x0606060606060606n)), i64(HIGH)), i64(4n))), i64(0x3333333333333333n));
  return [
    block(
      'eightsDone',
      loop(
        'eights',
        set(X, load64(get(P))),
        brIf('eightsDone', eqz(allDigits)),
        // The first digit is the lowest byte: pairs, quads, then the eight.
        set(X, sub64(get(X), i64(0x3030303030303030n))),
        set(X, and64(add64(mul64(get(X), i64(10n)), shrU64(get(X), i64(8n))), i64(0x00ff00ff00ff00ffn))),
        set(X, and64(add64(mul64(get(X), i64(100n)), shrU64(get(X), i64(16n))), i64(0x0000ffff0000ffffn))),
        set(X, and64(add64(mul64(get(X), i64(10000n)), shrU64(get(X), i64(32n))), i64(0xffffffffn))),
        set(MANT, fAdd(fMul(get(MANT), f64(1e8)), f64FromU64(get(X)))),
        set(P, add(get(P), i32(8))),
        br('eights'),
      ),
    ),
    set(C, load8(get(P))),
    block('onesDone', loop('ones', brIf('onesDone', eqz(isDigit(C))), set(MANT, fAdd(fMul(get(MANT), f64(10)), f64FromU32(sub(get(C), i32(0x30))))), next(), br('ones'))),
  ];
}

// The same constants as json.ts (see numberRun there for why they are safe).
const TWO53 = 2 ** 53;
const MAX_FAST_DIGITS = 25;
const NUDGE_DOWN = 1 - 2 ** -46;
const NUDGE_UP = 1 + 2 ** -46;

/**
 * run(p, n, tape): reads numbers from byte p on into the doubles at tape + 8n... Returns 0 at the
 * array's ']' (position after it), 1 when the element after a comma is not a number (position at
 * it), 2 at a number it leaves to numberRun (position at its start); the position and the new n
 * are stored at RESULT_AT.
 */
const runBody: Code = [
  block(
    'bail',
    loop(
      'number',
      set(C, load8(get(P))),
      // Bare zeros with commas, two at a time ("0,0," is 0x2c302c30 read little-endian).
      when(and(eq(get(C), i32(0x30)), eq(load8(add(get(P), i32(1))), i32(0x2c))), [
        storeF64(slot(0), f64(0)),
        set(N, add(get(N), i32(1))),
        set(P, add(get(P), i32(2))),
        block('zerosDone', loop('zeros', brIf('zerosDone', ne(load32(get(P)), i32(0x2c302c30))), storeF64(slot(0), f64(0)), storeF64(slot(8), f64(0)), set(N, add(get(N), i32(2))), set(P, add(get(P), i32(4))), br('zeros'))),
        set(C, load8(get(P))),
        brIf('number', startsNumber(C)),
        skipWs(),
        brIf('number', startsNumber(C)),
        finish(1, get(P)),
      ]),
      set(START, get(P)),
      set(NEG, eq(get(C), i32(0x2d))),
      when(get(NEG), next()),
      set(MANT, f64(0)),
      set(DIGITS, i32(0)),
      set(EXP, i32(0)),
      when(
        eq(get(C), i32(0x30)),
        // A leading zero followed by a digit is an error: numberRun says so.
        [next(), brIf('bail', isDigit(C))],
        [brIf('bail', eqz(ltU(sub(get(C), i32(0x31)), i32(9)))), set(FROM, get(P)), digits(), set(DIGITS, sub(get(P), get(FROM)))],
      ),
      when(eq(get(C), i32(0x2e)), [
        next(),
        brIf('bail', eqz(isDigit(C))),
        set(FROM, get(P)),
        digits(),
        set(DIGITS, add(get(DIGITS), sub(get(P), get(FROM)))),
        set(EXP, sub(get(FROM), get(P))),
      ]),
      // Exponents, and more than 22 decimals, are numberRun's.
      brIf('bail', or(or(eq(get(C), i32(0x65)), eq(get(C), i32(0x45))), ltS(get(EXP), i32(-22)))),
      set(V, fDiv(get(MANT), loadF64(add(i32(POW10_AT), mul(sub(i32(0), get(EXP)), i32(8)))))),
      when(eqz(fLt(get(MANT), f64(TWO53))), [
        brIf('bail', ltU(i32(MAX_FAST_DIGITS), get(DIGITS))),
        set(F, fround(fMul(get(V), f64(NUDGE_DOWN)))),
        brIf('bail', or(or(fEq(get(F), f64(0)), fNe(fSub(get(F), get(F)), f64(0))), fNe(fround(fMul(get(V), f64(NUDGE_UP))), get(F)))),
        set(V, get(F)),
      ]),
      storeF64(slot(0), select(fNeg(get(V)), get(V), get(NEG))),
      set(N, add(get(N), i32(1))),
      skipWs(),
      when(eq(get(C), i32(0x2c)), [next(), brIf('number', startsNumber(C)), skipWs(), brIf('number', startsNumber(C)), finish(1, get(P))]),
      when(eq(get(C), i32(0x5d)), finish(0, add(get(P), i32(1)))),
      // Neither ',' nor ']': numberRun reads this number again and says what is wrong.
      set(N, add(get(N), i32(-1))),
    ),
  ),
  finish(2, get(START)),
];

// rows's parameters and locals (P, N, TAPE as in run).
const WIDTH = 3;
const ROW_AT = 4;
const ROW_N = 5;
const COUNT = 6;
const RC = 7;

const rowsNext = (): Code => [set(P, add(get(P), i32(1))), set(RC, load8(get(P)))];
const rowsSkipWs = (): Code =>
  block('ws', loop('wsLoop', brIf('ws', eqz(or(or(eq(get(RC), i32(0x20)), eq(get(RC), i32(0x0a))), or(eq(get(RC), i32(0x0d)), eq(get(RC), i32(0x09)))))), rowsNext(), br('wsLoop')));
const rowsFinish = (status: number, pos: Code): Code => [store32(i32(RESULT_AT), pos), store32(i32(RESULT_AT + 4), get(N)), store32(i32(RESULT_AT + 8), get(COUNT)), ret(i32(status))];

/**
 * rows(p, n, tape, width): from p (after a comma, in an array of flat arrays of numbers), reads
 * flat arrays of exactly `width` numbers with run, up to the enclosing array's ']': returns 0 there
 * (position after it). At anything else -- a row of another length, one that run does not finish,
 * an element that is not a row, a bad separator after a row -- it returns 1 with the position at
 * that element's start and n at its first number, for the JS parser to read that element. The rows
 * read are counted at RESULT_AT + 8. One call per image instead of one per image row.
 */
const rowsBody: Code = [
  set(COUNT, i32(0)),
  block(
    'stop',
    loop(
      'row',
      set(RC, load8(get(P))),
      rowsSkipWs(),
      set(ROW_AT, get(P)),
      set(ROW_N, get(N)),
      brIf('stop', ne(get(RC), i32(0x5b))),
      rowsNext(),
      rowsSkipWs(),
      brIf('stop', eqz(or(ltU(sub(get(RC), i32(0x30)), i32(10)), eq(get(RC), i32(0x2d))))),
      brIf('stop', ne(call(0, get(P), get(N), get(TAPE)), i32(0))),
      set(P, load32(i32(RESULT_AT))),
      set(N, load32(i32(RESULT_AT + 4))),
      brIf('stop', ne(sub(get(N), get(ROW_N)), get(WIDTH))),
      set(RC, load8(get(P))),
      rowsSkipWs(),
      when(eq(get(RC), i32(0x2c)), [set(COUNT, add(get(COUNT), i32(1))), set(P, add(get(P), i32(1))), br('row')]),
      when(eq(get(RC), i32(0x5d)), [set(COUNT, add(get(COUNT), i32(1))), rowsFinish(0, add(get(P), i32(1)))]),
    ),
  ),
  set(N, get(ROW_N)),
  rowsFinish(1, get(ROW_AT)),
];

/** The compiled reader and its memory. */
export interface FastNumbers {
  readonly memory: WebAssembly.Memory;
  /** See `body` above; p and tape are byte addresses in memory. */
  run(p: number, n: number, tape: number): number;
  /** See `rowsBody` above. */
  rows(p: number, n: number, tape: number, width: number): number;
  /** [position, n, rows] after run or rows (refreshed by reserve when memory grows). */
  result: Int32Array;
  /** Makes sure memory has `bytes` bytes; refreshes `result`. */
  reserve(bytes: number): void;
}

let compiled: FastNumbers | null | undefined;

/** The reader, compiled on first use; null where WebAssembly is not available. */
export function fastNumbers(): FastNumbers | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = assemble(
      [
        { name: 'run', params: [I32, I32, I32], locals: [I32, I32, I32, I32, I32, I32, I64, F64, F64, F64], body: runBody },
        { name: 'rows', params: [I32, I32, I32, I32], locals: [I32, I32, I32, I32], body: rowsBody },
      ],
      4,
    );
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const memory = instance.exports.memory as WebAssembly.Memory;
    const run = instance.exports.run as (p: number, n: number, tape: number) => number;
    const rows = instance.exports.rows as (p: number, n: number, tape: number, width: number) => number;
    new Float64Array(memory.buffer, POW10_AT, 23).set(Array.from({ length: 23 }, (_, i) => 10 ** i));
    const fast: FastNumbers = {
      memory,
      run,
      rows,
      result: new Int32Array(memory.buffer, RESULT_AT, 3),
      reserve(size: number): void {
        const have = memory.buffer.byteLength;
        if (size > have) memory.grow(Math.ceil((size - have) / 65536));
        if (fast.result.buffer !== memory.buffer) fast.result = new Int32Array(memory.buffer, RESULT_AT, 3);
      },
    };
    compiled = fast;
  } catch {
    compiled = null;
  }
  return compiled;
}
