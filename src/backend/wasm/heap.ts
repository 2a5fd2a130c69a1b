// One WebAssembly instance of the kernels and the linear memory it runs on, with a small allocator.
//
// Why an allocator: a kernel can only read wasm memory, so an input that lives in a JS Float32Array
// is copied in for every call. For a training step that is the weights (400 KB for the MNIST model's
// first kernel), their gradients and both Adam slots, several times per step; for a single-sample
// predict the weight copy alone costs more than the arithmetic. Storage that lives long (weights,
// optimizer slots) is therefore allocated *in* wasm memory ("resident") and kernels take its address.
//
// Resident storage needs views that survive memory.grow(). A plain memory detaches its ArrayBuffer
// on growth, which would break every view a Variable holds; a shared memory (SharedArrayBuffer)
// never detaches, old views keep their length and stay valid. So resident storage exists only on
// the shared build (Node, and browsers that are cross-origin isolated). Elsewhere the heap runs on
// the plain build: resident allocation returns null and every call copies, as before.
//
// Resident blocks are freed when their Float32Array is garbage-collected (FinalizationRegistry):
// users never dispose anything. Finalizers run between tasks, never inside a (synchronous) kernel
// call, so they cannot free a block a call is using. Temporary blocks of one call are freed by the
// call itself (try/finally).
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relaxedSimdAllowed, withRelaxedSimd } from './relaxed-simd.js';

/**
 * The kernels' exports, typed from the compiler's own bindings (kernel-exports.d.ts, written by
 * scripts/build-wasm.mjs): an export added to assembly/ is typed here without a list kept by hand.
 */
export type KernelExports = Omit<Awaited<ReturnType<typeof import('./kernel-exports.js').instantiate>>, 'memory'>;

const PAGE = 65536;
const ALIGN = 64;
/** The shared builds declare this maximum (scripts/build-wasm.mjs): 2 GiB, reserved as address space only. */
export const MAX_PAGES = 32768;

export function alignUp(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}

/** Thrown by malloc when the memory cannot grow further; callers fall back to the JS kernels. */
export class HeapFullError extends Error {}

export class WasmHeap {
  readonly ex: KernelExports;
  /** Free ranges [start, end) in bytes, sorted by start, never adjacent (coalesced). */
  private readonly free: { start: number; end: number }[] = [];
  private readonly used = new Map<number, number>();
  private view: Float32Array;
  // Every SharedArrayBuffer object memory.buffer has returned (one per growth): a view over any of
  // them addresses this memory at its byteOffset.
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<number>((off) => this.release(off));
  /** Offsets of live resident blocks. */
  private readonly residents = new Set<number>();
  /** Live scratch blocks by offset, with the very array scratch() returned for each. */
  private readonly scratchBlocks = new Map<number, Float32Array>();
  /** Bytes in live resident blocks (for tests and memory checks). */
  residentBytes = 0;
  /** Bytes in live scratch blocks (for tests: zero between steps). */
  scratchBytes = 0;

  constructor(
    readonly module: WebAssembly.Module,
    instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
    /** True on the shared build: resident storage and worker threads are possible. */
    readonly shared: boolean,
    /** True when the build uses relaxed SIMD (fused multiply-add). */
    readonly relaxed: boolean,
    private readonly maxPages = MAX_PAGES,
  ) {
    this.ex = instance.exports as unknown as KernelExports;
    const base = alignUp(this.ex.heapBase());
    const end = memory.buffer.byteLength;
    if (end > base) this.free.push({ start: base, end });
    this.view = this.refresh();
  }

  private refresh(): Float32Array {
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    this.view = new Float32Array(buf);
    return this.view;
  }

  /** A float view over all of memory as it is now; re-fetch after any malloc (it may grow memory). */
  f32(): Float32Array {
    return this.view.buffer === this.memory.buffer ? this.view : this.refresh();
  }

  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Byte offset of `arr` when it lives in this memory, else -1. */
  offsetOf(arr: Float32Array): number {
    return this.shared && this.buffers.has(arr.buffer) ? arr.byteOffset : -1;
  }

  /** A 64-byte aligned block of at least `bytes`; grows memory when no free range fits. */
  malloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      if (r.end - r.start >= size) {
        const off = r.start;
        r.start += size;
        if (r.start === r.end) this.free.splice(i, 1);
        this.used.set(off, size);
        return off;
      }
    }
    this.grow(size);
    return this.malloc(bytes);
  }

  private grow(size: number): void {
    const have = this.memory.buffer.byteLength;
    const last = this.free[this.free.length - 1];
    const tailFree = last && last.end === have ? last.end - last.start : 0;
    // Grow by at least a quarter of what there is, so that a growing model does not grow page by page.
    const need = Math.ceil((size - tailFree) / PAGE);
    const pages = Math.max(need, Math.min(Math.ceil(have / PAGE / 4), this.maxPages - have / PAGE));
    try {
      if (have / PAGE + pages > this.maxPages) throw new RangeError(`maximum of ${this.maxPages} pages reached`);
      this.memory.grow(pages);
    } catch (err) {
      throw new HeapFullError(`nerva wasm heap: cannot grow memory by ${pages} pages (${(err as Error).message})`);
    }
    const end = this.memory.buffer.byteLength;
    if (tailFree > 0) last.end = end;
    else this.free.push({ start: have, end });
    this.refresh();
  }

  /** Returns a block from malloc. */
  release(off: number): void {
    const size = this.used.get(off);
    if (size === undefined) return;
    this.used.delete(off);
    if (this.residents.delete(off)) this.residentBytes -= size;
    const end = off + size;
    // Insert in order and coalesce with the neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i].start < off) i++;
    const prev = this.free[i - 1];
    const next = this.free[i];
    if (prev && prev.end === off) {
      prev.end = end;
      if (next && next.start === end) {
        prev.end = next.end;
        this.free.splice(i, 1);
      }
    } else if (next && next.start === end) {
      next.start = off;
    } else {
      this.free.splice(i, 0, { start: off, end });
    }
  }

  /**
   * A zeroed Float32Array of n elements living in wasm memory, freed when it is garbage-collected;
   * null on the plain build or when memory is full (callers then use a JS array).
   */
  resident(n: number): Float32Array | null {
    const arr = this.block(n);
    if (!arr) return null;
    const off = arr.byteOffset;
    arr.fill(0);
    this.registry.register(arr, off);
    this.residents.add(off);
    this.residentBytes += this.used.get(off)!;
    return arr;
  }

  /**
   * A Float32Array of n elements in wasm memory for one step's scratch storage: not zeroed (its
   * caller overwrites all of it; zeroing 400 KB per training step would cost more than a tenth of
   * the step) and not left to the garbage collector, so it must be given back with releaseScratch.
   * null on the plain build or when memory is full.
   */
  scratch(n: number): Float32Array | null {
    const arr = this.block(n);
    if (!arr) return null;
    this.scratchBlocks.set(arr.byteOffset, arr);
    this.scratchBytes += this.used.get(arr.byteOffset)!;
    return arr;
  }

  /**
   * Gives back an array made by scratch(). Anything else (a resident or plain array, a sub-view, a
   * stale view of a block already given back and reused, a second call) is left alone.
   */
  releaseScratch(arr: Float32Array): void {
    const off = this.offsetOf(arr);
    if (off < 0 || this.scratchBlocks.get(off) !== arr) return;
    this.scratchBlocks.delete(off);
    this.scratchBytes -= this.used.get(off)!;
    this.release(off);
  }

  private block(n: number): Float32Array | null {
    if (!this.shared) return null;
    let off: number;
    try {
      off = this.malloc(n * 4);
    } catch (err) {
      if (err instanceof HeapFullError) return null;
      throw err;
    }
    const arr = new Float32Array(this.memory.buffer, off, n);
    this.buffers.add(arr.buffer);
    return arr;
  }
}

// (module (func (param v128) (result v128) local.get 0 local.get 0 f32x4.add))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xe4, 0x01, 0x0b,
]);
function validates(bytes: BufferSource): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

export interface HeapOptions {
  /** Load the baseline SIMD build even where relaxed SIMD is available (as NERVA_RELAXED_SIMD=0 does). */
  baselineOnly?: boolean;
  /** Use the plain (unshared) build even where shared memory works: no resident storage, no threads. */
  unshared?: boolean;
  /** For tests: a smaller maximum memory (in 64 KiB pages) for the shared build, to reach "full". */
  maxPages?: number;
}

function fileExists(name: string): boolean {
  return existsSync(fileURLToPath(new URL(name, import.meta.url)));
}

function compile(name: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(fileURLToPath(new URL(name, import.meta.url))));
}

/** The relaxed-SIMD build where this engine runs it and it is wanted, else the baseline build. */
function compileBuild(shared: boolean, wantRelaxed: boolean): { module: WebAssembly.Module; relaxed: boolean } {
  const [baseline, relaxed] = shared ? ['./nerva-shared.wasm', './nerva-shared-relaxed.wasm'] : ['./nerva.wasm', './nerva-relaxed.wasm'];
  if (wantRelaxed && fileExists(relaxed)) {
    const module = withRelaxedSimd(() => compile(relaxed));
    if (module) return { module, relaxed: true };
  }
  return { module: compile(baseline), relaxed: false };
}

/** Instantiates the best build this engine runs; null where WebAssembly SIMD is unavailable. */
export function createHeap(options: HeapOptions = {}): WasmHeap | null {
  if (typeof WebAssembly !== 'object' || !validates(SIMD_PROBE)) return null;
  const wantRelaxed = !options.baselineOnly && relaxedSimdAllowed();
  const canShare = !options.unshared && typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
  if (canShare && fileExists('./nerva-shared.wasm')) {
    try {
      const maxPages = Math.min(options.maxPages ?? MAX_PAGES, MAX_PAGES);
      const memory = new WebAssembly.Memory({ initial: 16, maximum: maxPages, shared: true });
      const { module, relaxed } = compileBuild(true, wantRelaxed);
      return new WasmHeap(module, new WebAssembly.Instance(module, { env: { memory } }), memory, true, relaxed, maxPages);
    } catch {
      // No shared memory here (a browser without cross-origin isolation): the plain build below.
    }
  }
  const { module, relaxed } = compileBuild(false, wantRelaxed);
  const instance = new WebAssembly.Instance(module, {});
  return new WasmHeap(module, instance, instance.exports.memory as WebAssembly.Memory, false, relaxed);
}
