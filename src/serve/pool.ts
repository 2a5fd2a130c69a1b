// The inference worker threads: each holds its own copy of the model (rebuilt from the same
// artifacts) and runs one batch at a time, so predict never blocks the HTTP thread's event loop.
// A worker that dies fails only the batch it was running (500) and is replaced.

import { Worker } from 'node:worker_threads';
import type { ModelArtifacts } from '../io/artifacts.js';
import type { ModelSpec } from './model-spec.js';
import type { Protocol } from './protocols.js';

/** What a worker gets at start (workerData). */
export interface WorkerInit {
  artifacts: ModelArtifacts;
  spec: ModelSpec;
  backend: string;
  maxBatchSize: number;
}

/** One request for a worker: its raw body as received (chunks), or a body a framework already parsed. */
export interface WorkerJob {
  protocol: Protocol;
  chunks: Uint8Array[] | null;
  /** Bytes in chunks. */
  size: number;
  parsed: unknown;
}

/**
 * A job as the worker gets it: its body at [at, at + size) of the worker's shared buffer, in
 * buffers of its own (moved to the worker), or already parsed.
 */
export interface WireJob {
  protocol: Protocol;
  source: 'shared' | 'bytes' | 'chunks' | 'parsed';
  at: number;
  size: number;
  /** The body in buffers of its own, moved to the worker: its chunks as received, or a copy. */
  bytes: Uint8Array[] | null;
  parsed: unknown;
}

export interface BatchMessage {
  type: 'batch';
  seq: number;
  jobs: WireJob[];
  /** A new shared buffer for the bodies (sent when it was made or grew), or null: the one before. */
  shared: SharedArrayBuffer | null;
}

/**
 * Each worker has a buffer shared with the HTTP thread that the bodies of its batch are copied into
 * when the batch is handed over (the worker runs one batch at a time, so it is free then): no
 * ArrayBuffer per request on either side, which on 32-image requests (125 kB) kept the garbage
 * collectors of both threads busy. It grows to the largest batch, up to this size; a larger batch
 * gets one buffer per body, moved to the worker.
 */
const SHARED_MAX = 8 * 1024 * 1024;

/** A finished request: status and JSON body. */
export interface JobOutcome {
  status: number;
  body: string | Uint8Array;
}

/** The JSON body of an error response: `{"error": message}`. */
export function errorBody(message: string): string {
  return JSON.stringify({ error: message });
}

/** A request's outcome as a worker sends it: an error body, or where its body is in the batch's bytes. */
export type WireOutcome = { status: number; body: string } | { status: number; start: number; end: number };

/** A worker's answer to a batch. */
export interface BatchResult {
  type: 'result';
  seq: number;
  outcomes: WireOutcome[];
  /** The response bodies of the batch's successful requests, one after another. */
  bytes: Uint8Array;
  /** Instances predicted (valid requests only). */
  rows: number;
  inferMs: number;
}

/** The outcomes of a batch, each with its own body. */
export function outcomesOf(r: BatchResult): JobOutcome[] {
  return r.outcomes.map((o) => ('body' in o ? o : { status: o.status, body: r.bytes.subarray(o.start, o.end) }));
}

/** How to start a worker from here: the built .js next to this file, or the .ts source under tsx. */
function workerEntry(): { url: URL; execArgv: string[] } {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // Running from source (tests, tsx): tsx's loader is not inherited by worker threads on Node 20,
    // so the worker registers it itself before importing the TypeScript entry.
    const api = import.meta.resolve('tsx/esm/api');
    const target = new URL('./worker.ts', self).href;
    const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(target)});`;
    return { url: new URL(`data:text/javascript,${encodeURIComponent(boot)}`), execArgv: [] };
  }
  // The worker is plain JS: the process's V8 flags (relaxed SIMD) apply to it regardless.
  return { url: new URL('./worker.js', self), execArgv: [] };
}

interface Slot {
  worker: Worker;
  busy: { seq: number; done: (r: BatchResult | Error) => void } | null;
  /** The bodies' buffer shared with this worker, and a view of it. */
  shared: Uint8Array | null;
}

export class InferencePool {
  private readonly slots: Slot[] = [];
  private seq = 0;
  private closing = false;
  private restarts = 0;
  /** Called whenever a worker becomes free. */
  onIdle: () => void = () => {};
  /** Called when a worker dies unexpectedly (for logs and metrics). */
  onCrash: (message: string) => void = () => {};

  constructor(
    private readonly init: WorkerInit,
    private readonly size: number,
    /** The largest shared body buffer per worker (tests make it small). */
    private readonly sharedMax = SHARED_MAX,
    /**
     * Move the bodies' chunks to the workers (see run): only where nothing else can hold them
     * (serve()'s own server, where the handler is the only reader of request bodies).
     */
    private readonly moveChunks = false,
  ) {}

  /** Starts every worker; resolves once all have loaded the model and warmed up. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.spawn()));
  }

  private spawn(): Promise<void> {
    const { url, execArgv } = workerEntry();
    const worker = new Worker(url, { workerData: this.init, execArgv });
    const slot: Slot = { worker, busy: null, shared: null };
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: { type: 'ready' } | BatchResult) => {
        if (m.type === 'ready') {
          ready = true;
          this.slots.push(slot);
          resolve();
          this.onIdle();
          return;
        }
        const b = slot.busy;
        if (b && b.seq === m.seq) {
          slot.busy = null;
          b.done(m);
          this.onIdle();
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(new Error(`inference worker failed to start: ${err.message}`));
        else this.lost(slot, `inference worker failed: ${err.message}`);
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`inference worker exited during start (code ${code})`));
        else this.lost(slot, `inference worker exited (code ${code})`);
      });
    });
  }

  /** A worker died: fail its batch, replace it (unless the pool is closing). */
  private lost(slot: Slot, message: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const b = slot.busy;
    slot.busy = null;
    if (this.closing) {
      b?.done(new Error('the server shut down before inference finished'));
      return;
    }
    this.onCrash(message);
    b?.done(new Error(`${message}; the request was not processed`));
    this.restarts++;
    // A model that kills its worker every time must not turn into a spawn loop: back off.
    const delay = Math.min(5000, 50 * 2 ** Math.min(this.restarts, 7));
    setTimeout(() => {
      if (!this.closing) this.spawn().catch((e: Error) => this.onCrash(e.message));
    }, delay).unref();
  }

  get idleCount(): number {
    let n = 0;
    for (const s of this.slots) if (!s.busy) n++;
    return n;
  }

  get busyCount(): number {
    return this.slots.length - this.idleCount;
  }

  /**
   * Runs a batch on an idle worker (the caller checked idleCount). With moveChunks, the bodies'
   * chunks as Node received them are moved to the worker; otherwise the bodies are copied into the
   * worker's shared buffer, or, for a batch too large for it, into buffers moved to the worker.
   *
   * Moving matters for garbage collection, not just for the copy: a chunk moved away (detached) is
   * off this thread's account at once, while a chunk left here is counted as external memory until
   * a young-generation collection frees it, which this thread, allocating little else, runs rarely.
   * V8 then starts full collections as external memory grows: on 32-image requests (125 kB each),
   * one every hundred requests or so, which with their concurrent marking took a fifth of the
   * server's CPU. The worker frees the chunks as soon as it has read them (worker.ts).
   */
  run(jobs: WorkerJob[], done: (r: BatchResult | Error) => void): void {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot) throw new Error('InferencePool.run: no idle worker');
    const seq = ++this.seq;
    slot.busy = { seq, done };
    try {
      this.send(slot, seq, jobs, this.moveChunks);
    } catch (e) {
      // A chunk that cannot be moved (DataCloneError, nothing was sent): copy them all instead.
      if (!this.moveChunks) throw e;
      this.send(slot, seq, jobs, false);
    }
  }

  private send(slot: Slot, seq: number, jobs: WorkerJob[], move: boolean): void {
    // A job's chunks move when each is all of its own buffer (what Node's HTTP parser gives) and no
    // buffer is moved twice.
    const moved = new Set<ArrayBuffer>();
    const moves = jobs.map((j) => {
      if (!move || !j.chunks) return false;
      const own = new Set<ArrayBuffer>();
      for (const c of j.chunks) {
        const b = c.buffer;
        if (b instanceof SharedArrayBuffer || c.byteOffset !== 0 || c.byteLength !== b.byteLength || moved.has(b) || own.has(b)) return false;
        own.add(b);
      }
      for (const b of own) moved.add(b);
      return true;
    });
    let total = 0;
    jobs.forEach((j, i) => {
      if (!moves[i]) total += j.size;
    });
    let fresh: SharedArrayBuffer | null = null;
    if (total > 0 && total <= this.sharedMax && (!slot.shared || slot.shared.length < total)) {
      let size = slot.shared ? slot.shared.length : Math.min(1 << 20, this.sharedMax);
      while (size < total) size *= 2;
      fresh = new SharedArrayBuffer(Math.min(size, this.sharedMax));
      slot.shared = new Uint8Array(fresh);
    }
    const shared = total <= this.sharedMax ? slot.shared : null;
    const wire: WireJob[] = [];
    const transfer: ArrayBuffer[] = [...moved];
    let at = 0;
    jobs.forEach((j, i) => {
      if (!j.chunks) {
        wire.push({ protocol: j.protocol, source: 'parsed', at: 0, size: 0, bytes: null, parsed: j.parsed });
        return;
      }
      if (moves[i]) {
        wire.push({ protocol: j.protocol, source: 'chunks', at: 0, size: j.size, bytes: j.chunks, parsed: null });
        return;
      }
      const dest = shared ?? new Uint8Array(j.size);
      let p = shared ? at : 0;
      for (const c of j.chunks) {
        dest.set(c, p);
        p += c.byteLength;
      }
      if (shared) {
        wire.push({ protocol: j.protocol, source: 'shared', at, size: j.size, bytes: null, parsed: null });
        at += j.size;
      } else {
        transfer.push(dest.buffer as ArrayBuffer);
        wire.push({ protocol: j.protocol, source: 'bytes', at: 0, size: j.size, bytes: [dest], parsed: null });
      }
    });
    const msg: BatchMessage = { type: 'batch', seq, jobs: wire, shared: fresh };
    slot.worker.postMessage(msg, transfer);
  }

  async close(): Promise<void> {
    this.closing = true;
    const all = this.slots.splice(0);
    await Promise.all(all.map((s) => s.worker.terminate()));
    for (const s of all) s.busy?.done(new Error('the server shut down before inference finished'));
  }
}
