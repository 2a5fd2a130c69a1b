// The fixture scripts' seeded generator, so fixtures do not depend on TF.js's own RNG. It is
// mulberry32, the same generator as src/test-utils/random-arrays.ts (plain JS here: the scripts run
// under node without a TypeScript loader).

/** A generator of numbers in [0, 1) from a 32-bit seed. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
