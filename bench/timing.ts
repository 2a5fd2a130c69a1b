// Timing helpers of the benchmarks: medians, per-call and per-run wall and CPU time, and head-to-head
// alternation. Separate from common.ts, which also loads MNIST when imported.

export const quick = process.argv.includes('--quick');
export const REPS = quick ? 3 : 5;
/** Repetitions of each head-to-head comparison (the engines alternate rep by rep). */
export const H2H_REPS = quick ? 3 : 7;

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median per-call milliseconds of fn, each repetition running for at least minMs. */
export function timeIt(fn: () => void, minMs: number, reps = REPS, warmMs = 400): number {
  // Warm-up long enough for V8 to move wasm and JS out of its baseline tier (seen: 3x slower
  // for the first few hundred milliseconds of a kernel).
  const w = performance.now();
  do fn();
  while (performance.now() - w < Math.max(minMs, warmMs));
  const per: number[] = [];
  for (let r = 0; r < reps; r++) {
    let calls = 0;
    const t0 = performance.now();
    do {
      fn();
      calls++;
    } while (performance.now() - t0 < minMs);
    per.push((performance.now() - t0) / calls);
  }
  return median(per);
}

/** Wall and CPU milliseconds of one unit of work (a call, a training step, an epoch). */
export interface Timing {
  ms: number;
  /** CPU time of the process doing the work (all its threads). */
  cpuMs: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wall and CPU milliseconds per call of fn (sync or async), called repeatedly for at least minMs. */
export async function timeCalls(fn: () => unknown, minMs: number, warmMs = 50): Promise<Timing> {
  const w = performance.now();
  do await fn();
  while (performance.now() - w < warmMs);
  let calls = 0;
  const t0 = performance.now();
  const c0 = cpuNow();
  do {
    await fn();
    calls++;
  } while (performance.now() - t0 < minMs);
  return { ms: (performance.now() - t0) / calls, cpuMs: (cpuNow() - c0) / calls };
}

/** Wall and CPU milliseconds of one run of fn, in this process. */
export async function timeOnce(fn: () => unknown): Promise<Timing> {
  const t0 = performance.now();
  const c0 = cpuNow();
  await fn();
  return { ms: performance.now() - t0, cpuMs: cpuNow() - c0 };
}

/** One timed pass of something (training steps, an epoch, calls). */
export type Rep = () => Promise<Timing>;

export interface HeadToHead {
  /** Median over reps of (b's wall time / a's): > 1 means a is that many times faster. */
  ratio: number;
  /** The same with CPU time: on a shared machine, the steadier measure of single-threaded work. */
  cpuRatio: number;
  runs: number[];
  aMs: number;
  bMs: number;
  aCpuMs: number;
  bCpuMs: number;
}

/** Alternates a and b rep by rep, so that load from other processes hits both alike. */
export async function alternate(a: Rep, b: Rep, reps = H2H_REPS): Promise<HeadToHead> {
  const as: Timing[] = [];
  const bs: Timing[] = [];
  for (let r = 0; r < reps; r++) {
    as.push(await a());
    bs.push(await b());
  }
  const runs = bs.map((t, i) => t.ms / as[i].ms);
  return {
    ratio: median(runs),
    cpuRatio: median(bs.map((t, i) => t.cpuMs / as[i].cpuMs)),
    runs,
    aMs: median(as.map((t) => t.ms)),
    bMs: median(bs.map((t) => t.ms)),
    aCpuMs: median(as.map((t) => t.cpuMs)),
    bCpuMs: median(bs.map((t) => t.cpuMs)),
  };
}
