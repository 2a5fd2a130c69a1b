// The one seeded random generator behind every random draw in nerva (initialisers, shuffling,
// dropout, random tensors). xoshiro128** seeded through splitmix32: fast, 32-bit clean in JS, and
// bit-reproducible across runs and platforms for the same seed.

import { describeValue } from '../options.js';
import { ArgumentError } from '../errors.js';

let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
let spareNormal: number | null = null;

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

/** Makes every later random draw reproducible: the same seed gives bit-identical results. */
export function setSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new ArgumentError(`setSeed: seed must be a finite number, got ${describeValue(seed)}`);
  let st = Math.floor(seed) | 0;
  // Mix in the high bits too so seeds that differ only above 2^32 still differ. They are passed
  // through splitmix32 first: a plain XOR made -1 the same seed as 0 (and -2 as 1 ...). Seeds in
  // [0, 2^32) have no high bits and keep their sequences.
  const high = Math.floor(seed / 4294967296) | 0;
  if (high !== 0) st ^= splitmix32(high)[1];
  let v: number;
  [st, v] = splitmix32(st); s0 = v;
  [st, v] = splitmix32(st); s1 = v;
  [st, v] = splitmix32(st); s2 = v;
  [st, v] = splitmix32(st); s3 = v;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  spareNormal = null;
}

setSeed((Math.random() * 2 ** 32) >>> 0);

/** Next 32 random bits as an unsigned integer. */
export function nextUint32(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniform in [0, 1) with 32 bits of randomness. */
export function nextFloat(): number {
  return nextUint32() / 4294967296;
}

/** Standard normal by Box-Muller; the second value of each pair is kept for the next call. */
export function nextNormal(): number {
  if (spareNormal !== null) {
    const v = spareNormal;
    spareNormal = null;
    return v;
  }
  let u = 0;
  while (u === 0) u = nextFloat();
  const v = nextFloat();
  const r = Math.sqrt(-2 * Math.log(u));
  spareNormal = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/** Uniform integer in [0, n). */
export function nextInt(n: number): number {
  return Math.floor(nextFloat() * n);
}

/** Fisher-Yates shuffle of 0..n-1 using the global generator. */
export function permutation(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = nextInt(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
