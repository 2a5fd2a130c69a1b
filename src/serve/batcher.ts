// Dynamic batching, as TF Serving's batch scheduler does it: requests wait in one bounded FIFO
// queue; whenever an inference worker is free, it gets every waiting request up to maxBatchSize
// (optionally after waiting up to batchTimeoutMs for a batch to fill), and runs them as one predict.
// Under load, batches grow by themselves (requests pile up while the workers are busy); when idle,
// a lone request goes at once. A full queue refuses (503); a request past its deadline gets 504,
// whether it is still waiting or already computing.

import { errorBody, outcomesOf, type InferencePool, type JobOutcome, type WorkerJob, type BatchResult } from './pool.js';
import type { ServerMetrics } from './metrics.js';

export interface BatchingOptions {
  /** Requests coalesced into one batch at most; also the most instances per predict call. */
  maxBatchSize: number;
  /** How long a free worker waits for a batch to fill before running a smaller one (0: never waits). */
  batchTimeoutMs: number;
  /** Requests waiting for a worker before new ones get 503. */
  maxQueue: number;
  /** Bytes of request bodies waiting for a worker before new ones get 503. */
  maxQueueBytes: number;
  /** Deadline from a request's arrival to its response; past it, 504. */
  timeoutMs: number;
}

/**
 * When a worker is already busy, another one takes a batch only if this many body bytes wait, or
 * the oldest request has waited SPREAD_AFTER_MS. Extra workers pay off for parse-heavy work (big
 * bodies parse in parallel), while small requests are cheaper batched on one worker: measured on
 * 2 cores with bench/serve.ts, spreading single-image requests over 2 workers cost 1.5x the CPU per
 * request of keeping them on one (90 vs 138 us), while 32-image requests ran 2x faster on 2.
 */
const SPREAD_BYTES = 256 * 1024;
const SPREAD_AFTER_MS = 20;

/** A request from arrival to response. */
export interface QueuedJob {
  readonly work: WorkerJob;
  readonly bytes: number;
  /** performance.now() when the request arrived. */
  readonly arrived: number;
  state: 'queued' | 'running' | 'done';
  /** Sends the response; called exactly once. */
  readonly respond: (o: JobOutcome) => void;
}

export class Batcher {
  private queue: QueuedJob[] = [];
  private head = 0;
  private live = 0;
  private liveBytes = 0;
  private readonly running = new Set<QueuedJob[]>();
  private fillTimer: NodeJS.Timeout | null = null;
  private spreadTimer: NodeJS.Timeout | null = null;
  private readonly sweeper: NodeJS.Timeout;
  private paused = false;

  constructor(
    private readonly pool: InferencePool,
    private readonly opts: BatchingOptions,
    private readonly metrics: ServerMetrics,
  ) {
    pool.onIdle = () => this.pump();
    // One sweep for all deadlines instead of a timer per request; a tenth of the deadline is
    // precise enough and costs nothing at 10k requests/s.
    const every = Math.max(5, Math.min(100, opts.timeoutMs / 10));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /** Requests waiting for a worker. */
  get depth(): number {
    return this.live;
  }

  /** True when the queue cannot take a request of `bytes` bytes. */
  full(bytes = 0): boolean {
    return this.live >= this.opts.maxQueue || (this.live > 0 && this.liveBytes + bytes > this.opts.maxQueueBytes);
  }

  /** Queues a job; false (job untouched) when the queue is full. */
  submit(job: QueuedJob): boolean {
    if (this.full(job.bytes)) return false;
    this.queue.push(job);
    this.live++;
    this.liveBytes += job.bytes;
    this.pump();
    return true;
  }

  /** Ends a job (response sent elsewhere, e.g. the client left); a queued job leaves the queue. */
  finish(job: QueuedJob, outcome: JobOutcome | null): void {
    if (job.state === 'done') return;
    if (job.state === 'queued') {
      this.live--;
      this.liveBytes -= job.bytes;
    }
    job.state = 'done';
    if (outcome) job.respond(outcome);
  }

  /** Holds queued requests back from the workers (tests; an operator draining a host). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  private pump(): void {
    while (!this.paused && this.pool.idleCount > 0) {
      while (this.head < this.queue.length && this.queue[this.head].state !== 'queued') this.head++;
      if (this.head >= this.queue.length) {
        this.queue = [];
        this.head = 0;
        return;
      }
      if (this.pool.busyCount > 0 && this.liveBytes < SPREAD_BYTES) {
        const wait = this.queue[this.head].arrived + SPREAD_AFTER_MS - performance.now();
        if (wait > 0) {
          this.spreadTimer ??= setTimeout(() => {
            this.spreadTimer = null;
            this.pump();
          }, wait);
          return;
        }
      }
      if (this.opts.batchTimeoutMs > 0 && this.live < this.opts.maxBatchSize) {
        const wait = this.queue[this.head].arrived + this.opts.batchTimeoutMs - performance.now();
        if (wait > 0) {
          this.fillTimer ??= setTimeout(() => {
            this.fillTimer = null;
            this.pump();
          }, wait);
          return;
        }
      }
      const batch: QueuedJob[] = [];
      while (batch.length < this.opts.maxBatchSize && this.head < this.queue.length) {
        const j = this.queue[this.head++];
        if (j.state !== 'queued') continue;
        j.state = 'running';
        this.live--;
        this.liveBytes -= j.bytes;
        batch.push(j);
      }
      // Drop the consumed prefix now and then, so the array does not grow under sustained load.
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.running.add(batch);
      this.metrics.batchRequests.observe({}, batch.length);
      this.pool.run(
        batch.map((j) => j.work),
        (r) => this.complete(batch, r),
      );
    }
  }

  private complete(batch: QueuedJob[], r: BatchResult | Error): void {
    this.running.delete(batch);
    if (r instanceof Error) {
      for (const j of batch) this.finish(j, { status: 500, body: errorBody(r.message) });
      return;
    }
    if (r.rows > 0) {
      this.metrics.batchSize.observe({}, r.rows);
      this.metrics.inferLatency.observe({}, r.inferMs / 1000);
    }
    const outcomes = outcomesOf(r);
    batch.forEach((j, i) => this.finish(j, outcomes[i]));
  }

  private expire(j: QueuedJob, now: number): void {
    const waited = Math.round(now - j.arrived);
    const where = j.state === 'queued' ? `still queued (${this.live} requests waiting)` : 'inference was still running';
    this.finish(j, { status: 504, body: errorBody(`deadline exceeded: no result within ${this.opts.timeoutMs} ms (${where} after ${waited} ms)`) });
  }

  private sweep(): void {
    const now = performance.now();
    const limit = this.opts.timeoutMs;
    // The queue is in arrival order: stop at the first waiting job still within its deadline.
    for (let i = this.head; i < this.queue.length; i++) {
      const j = this.queue[i];
      if (j.state !== 'queued') continue;
      if (now - j.arrived < limit) break;
      this.expire(j, now);
    }
    for (const batch of this.running) {
      for (const j of batch) if (j.state === 'running' && now - j.arrived >= limit) this.expire(j, now);
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
    if (this.fillTimer) clearTimeout(this.fillTimer);
    if (this.spreadTimer) clearTimeout(this.spreadTimer);
    this.fillTimer = null;
    this.spreadTimer = null;
  }
}
