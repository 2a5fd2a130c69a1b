// The one seeded random generator behind every random draw in nerva (initialisers, shuffling,
// dropout, random tensors). xoshiro128** seeded through splitmix32: fast, 32-bit clean in JS, and
// bit-reproducible across runs and platforms for the same seed.

import { describeValue } from '../options.js';
import { ArgumentError } from '../errors.js';

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * @internal One xoshiro128** stream. The global functions below draw from one shared instance;
 * a function given its own `seed` (trainTestSplit) makes a private one, so it is reproducible
 * without moving the global sequence that initialisers and fit's shuffling depend on.
 */
export class SeededGenerator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.seed(seed);
  }

  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new ArgumentError(`setSeed: seed must be a finite number, got ${describeValue(seed)}`);
    let st = Math.floor(seed) | 0;
    // Mix in the high bits too so seeds that differ only above 2^32 still differ. They are passed
    // through splitmix32 first: a plain XOR made -1 the same seed as 0 (and -2 as 1 ...). Seeds in
    // [0, 2^32) have no high bits and keep their sequences.
    const high = Math.floor(seed / 4294967296) | 0;
    if (high !== 0) st ^= splitmix32(high)[1];
    let v: number;
    [st, v] = splitmix32(st); this.s0 = v;
    [st, v] = splitmix32(st); this.s1 = v;
    [st, v] = splitmix32(st); this.s2 = v;
    [st, v] = splitmix32(st); this.s3 = v;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = null;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal by Box-Muller; the second value of each pair is kept for the next call. */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

const global = new SeededGenerator((Math.random() * 2 ** 32) >>> 0);

/**
 * Makes every later random draw reproducible: initial weights, fit's shuffling, dropout masks and
 * random tensors. The same seed gives bit-identical results on every machine.
 * @example setSeed(42); // then build, compile and fit: the same run every time
 */
export function setSeed(seed: number): void {
  global.seed(seed);
}

/** Next 32 random bits as an unsigned integer. */
export function nextUint32(): number {
  return global.nextUint32();
}

/** Uniform in [0, 1) with 32 bits of randomness. */
export function nextFloat(): number {
  return global.nextFloat();
}

/** Standard normal by Box-Muller; the second value of each pair is kept for the next call. */
export function nextNormal(): number {
  return global.nextNormal();
}

/** Uniform integer in [0, n). */
export function nextInt(n: number): number {
  return global.nextInt(n);
}

/** Fisher-Yates shuffle of 0..n-1 using the global generator. */
export function permutation(n: number): Int32Array {
  return global.permutation(n);
}
