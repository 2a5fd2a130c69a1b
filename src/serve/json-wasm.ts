// Loads the request parser's number reader: WebAssembly compiled from assembly/json-reader.ts by
// scripts/build-wasm.mjs (json-reader.wasm, beside this file in src/ and in dist/). It reads runs of
// numbers -- bare zeros, and numbers without an exponent that convert exactly or whose float32
// rounding is certain -- and leaves the rest to json.ts's numberRun. Against numberRun on the
// bench's bodies: 2-2.5x faster (no bounds or type checks per byte, 8 digits per 64-bit load).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The module's exports, typed from the compiler's bindings (json-reader-exports.d.ts, written by the build). */
type ReaderExports = Awaited<ReturnType<typeof import('./json-reader-exports.js').instantiate>>;

/** Where the body starts in the reader's memory (below it: powers of ten and the results). */
export const BODY_AT = 256;
/** Zero bytes after the body: the 8-byte reads past its end see no digits. */
export const PADDING = 16;

/** The compiled reader and its memory. */
export interface FastNumbers {
  readonly memory: WebAssembly.Memory;
  /** json-reader.ts's run; p and tape are byte addresses in memory. */
  run(p: number, n: number, tape: number): number;
  /** json-reader.ts's rows. */
  rows(p: number, n: number, tape: number, width: number): number;
  /** [position, n, rows] after run or rows (refreshed by reserve when memory grows). */
  result: Int32Array;
  /** Makes sure memory has `bytes` bytes; refreshes `result`. */
  reserve(bytes: number): void;
}

const FILE = new URL('./json-reader.wasm', import.meta.url);

let compiled: FastNumbers | null | undefined;

/**
 * The reader, compiled on first use; null where WebAssembly is not available. A missing or broken
 * json-reader.wasm is an error, not a silent fall back to the slower JS parser.
 */
export function fastNumbers(): FastNumbers | null {
  if (compiled !== undefined) return compiled;
  if (typeof WebAssembly !== 'object') return (compiled = null);
  let exports: ReaderExports;
  try {
    const module = new WebAssembly.Module(readFileSync(fileURLToPath(FILE)));
    exports = new WebAssembly.Instance(module, {}).exports as unknown as ReaderExports;
  } catch (e) {
    throw new Error(`json: cannot load the parser's WebAssembly reader ${fileURLToPath(FILE)} (run npm run build): ${(e as Error).message}`);
  }
  // The layout is the module's; the constants json.ts uses must agree with it.
  if (exports.BODY_AT.value !== BODY_AT || exports.PADDING.value !== PADDING) {
    throw new Error(`json: json-reader.wasm puts the body at ${exports.BODY_AT.value} with ${exports.PADDING.value} bytes of padding, json-wasm.ts expects ${BODY_AT} and ${PADDING}`);
  }
  const { memory, run, rows } = exports;
  const resultAt = exports.RESULT_AT.value;
  const fast: FastNumbers = {
    memory,
    run,
    rows,
    result: new Int32Array(memory.buffer, resultAt, 3),
    reserve(size: number): void {
      const have = memory.buffer.byteLength;
      if (size > have) memory.grow(Math.ceil((size - have) / 65536));
      if (fast.result.buffer !== memory.buffer) fast.result = new Int32Array(memory.buffer, resultAt, 3);
    },
  };
  return (compiled = fast);
}
