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

/** One request for a worker: its raw body, or a body a framework already parsed. */
export interface WorkerJob {
  protocol: Protocol;
  bytes: Uint8Array | null;
  parsed: unknown;
}

export interface BatchMessage {
  type: 'batch';
  seq: number;
  jobs: WorkerJob[];
}

/** A finished request: status and JSON body. */
export interface JobOutcome {
  status: number;
  body: string;
}

export interface BatchResult {
  type: 'result';
  seq: number;
  outcomes: JobOutcome[];
  /** Instances predicted (valid requests only). */
  rows: number;
  inferMs: number;
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
  ) {}

  /** Starts every worker; resolves once all have loaded the model and warmed up. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.spawn()));
  }

  private spawn(): Promise<void> {
    const { url, execArgv } = workerEntry();
    const worker = new Worker(url, { workerData: this.init, execArgv });
    const slot: Slot = { worker, busy: null };
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
   * Runs a batch on an idle worker (the caller checked idleCount). The bodies' buffers are moved to
   * the worker, not copied.
   */
  run(jobs: WorkerJob[], done: (r: BatchResult | Error) => void): void {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot) throw new Error('InferencePool.run: no idle worker');
    const seq = ++this.seq;
    slot.busy = { seq, done };
    const transfer: ArrayBuffer[] = [];
    for (const j of jobs) if (j.bytes && j.bytes.byteOffset === 0 && j.bytes.byteLength === j.bytes.buffer.byteLength) transfer.push(j.bytes.buffer as ArrayBuffer);
    const msg: BatchMessage = { type: 'batch', seq, jobs };
    slot.worker.postMessage(msg, transfer);
  }

  async close(): Promise<void> {
    this.closing = true;
    const all = this.slots.splice(0);
    await Promise.all(all.map((s) => s.worker.terminate()));
    for (const s of all) s.busy?.done(new Error('the server shut down before inference finished'));
  }
}
