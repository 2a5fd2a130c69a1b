// Chooses the active backend. A backend may implement only some primitives; the missing ones fall
// back to the reference JS kernels here, and only here. Set NERVA_DEBUG_FALLBACK=1 to print each
// primitive that falls back, once.

import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { wasmBackend } from './wasm/index.js';
import { ArgumentError } from '../errors.js';

/** A backend that may leave primitives to the JS reference. */
export type PartialBackend = Partial<Backend> & { readonly name: string };

/** Backends by name. An exported object, not a side-effect registry. */
export const backends: Record<string, () => PartialBackend | null> = {
  js: () => jsBackend,
  wasm: wasmBackend,
};

/** The maker of backend `name`; own keys only, so 'toString' or '__proto__' are unknown names. */
function backendMaker(name: unknown): (() => PartialBackend | null) | undefined {
  return typeof name === 'string' && Object.hasOwn(backends, name) ? backends[name] : undefined;
}

/**
 * The default: wasm where WebAssembly SIMD works, else js. NERVA_BACKEND=js|wasm overrides it.
 */
function initialBackend(): Backend {
  const wanted = typeof process !== 'undefined' ? process.env?.NERVA_BACKEND : undefined;
  if (wanted) {
    const make = backendMaker(wanted);
    if (!make) throw new ArgumentError(`NERVA_BACKEND: unknown backend '${wanted}'; available: ${Object.keys(backends).join(', ')}`);
    const b = make();
    if (!b) throw new ArgumentError(`NERVA_BACKEND: backend '${wanted}' is not available on this machine`);
    return b === jsBackend ? jsBackend : withFallback(b);
  }
  const w = wasmBackend();
  return w ? withFallback(w) : jsBackend;
}

let active: Backend;

function withFallback(partial: PartialBackend): Backend {
  const debug = typeof process !== 'undefined' && process.env?.NERVA_DEBUG_FALLBACK === '1';
  const merged: Record<string, unknown> = { ...jsBackend, ...partial, name: partial.name };
  if (debug) {
    for (const key of Object.keys(jsBackend) as (keyof Backend)[]) {
      if (key !== 'name' && partial[key] === undefined) console.error(`nerva: backend '${partial.name}' falls back to js for ${key}`);
    }
  }
  return merged as unknown as Backend;
}

active = initialBackend();

/**
 * The backend every op dispatches to. Its `name` ('wasm' or 'js') is the part meant for you; the
 * rest is nerva's internal kernel interface.
 * @example getBackend().name // 'wasm' where WebAssembly SIMD works
 */
export function getBackend(): Backend {
  return active;
}

/** Names of the backends that can be used on this machine. @example listBackends() // ['js', 'wasm'] */
export function listBackends(): string[] {
  return Object.keys(backends).filter((n) => backends[n]() !== null);
}

/**
 * Switches the backend for every later op. Tensors keep working across switches (storage is plain
 * typed arrays). ArgumentError for an unknown name or one not available here.
 * @example setBackend('js') // the readable reference kernels (also NERVA_BACKEND=js)
 */
export function setBackend(name: string): void {
  const make = backendMaker(name);
  if (!make) throw new ArgumentError(`setBackend: unknown backend ${typeof name === 'string' ? `'${name}'` : String(name)}; available: ${Object.keys(backends).join(', ')}`);
  const b = make();
  if (!b) throw new ArgumentError(`setBackend: backend '${name}' is not available on this machine`);
  active = b === jsBackend ? jsBackend : withFallback(b);
}
