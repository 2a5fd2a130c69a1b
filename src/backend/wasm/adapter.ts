// The one adapter between the Backend interface and the wasm kernels: every accelerated primitive
// is `accelerated(name, fast)`. It runs `fast` on float32 operands and the JS reference kernel
// otherwise, for shapes `fast` declines, and when wasm memory is full; NERVA_DEBUG_FALLBACK=1
// reports each kind of fallback once.

import type { Backend } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { HeapFullError } from './heap.js';

export type Primitive = { [K in keyof Backend]: Backend[K] extends (...args: never[]) => void ? K : never }[keyof Backend];
type Args<K extends Primitive> = Parameters<Backend[K]>;

/** True when every array operand (a typed array, or a tensor's values) is float32: all the kernels take. */
function allFloat32(args: readonly unknown[]): boolean {
  for (const a of args) {
    if (a === null || typeof a !== 'object') continue;
    const v = ArrayBuffer.isView(a) ? a : (a as { values?: unknown }).values;
    if (v !== undefined && !(v instanceof Float32Array)) return false;
  }
  return true;
}

const debug = typeof process !== 'undefined' && process.env?.NERVA_DEBUG_FALLBACK === '1';
const reported = new Set<string>();
function report(name: string, why: string): void {
  if (!debug || reported.has(`${name}:${why}`)) return;
  reported.add(`${name}:${why}`);
  console.error(`nerva: wasm ${name} falls back to js (${why})`);
}

/**
 * The one adapter every wasm primitive goes through: `fast` runs on float32 operands; other dtypes,
 * a shape `fast` declines (it returns false, before writing anything), and a full wasm memory (its
 * 2 GiB maximum; kernels allocate before they write) run the JS reference kernel instead.
 * NERVA_DEBUG_FALLBACK=1 reports each kind of fallback once.
 */
export function accelerated<K extends Primitive>(name: K, fast: (...args: Args<K>) => void | false): Backend[K] {
  const slow = jsBackend[name] as (...args: Args<K>) => void;
  const run = (...args: Args<K>): void => {
    if (!allFloat32(args)) {
      report(name, 'an operand is not float32');
      slow(...args);
      return;
    }
    try {
      if (fast(...args) === false) {
        report(name, 'a shape the kernel does not take');
        slow(...args);
      }
    } catch (err) {
      if (!(err instanceof HeapFullError)) throw err;
      report(name, 'wasm memory is full');
      slow(...args);
    }
  };
  return run as unknown as Backend[K];
}
