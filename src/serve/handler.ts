// The request handler behind `nerva serve`: a plain node:http `(req, res, next?)` function, so the
// same code serves from its own server (server.ts) or inside an existing node:http, Express or
// Fastify app (why not a framework: docs/serving.md). This thread only routes, reads bodies (with
// size and time limits) and queues them; parsing, checking and predict run in the inference workers
// (pool.ts, worker.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { getBackend } from '../index.js';
import type { Sequential } from '../models/sequential.js';
import { modelToArtifacts } from '../io/model-io.js';
import { ArgumentError } from '../errors.js';
import { InferencePool, errorBody, type JobOutcome } from './pool.js';
import { Batcher, type QueuedJob } from './batcher.js';
import { ServerMetrics } from './metrics.js';
import { matchRoute, routeTable, type RouteMatch } from './routes.js';
import { modelSpec, v1Metadata, v1Status, v2Metadata, v2ServerMetadata, type ModelSpec } from './model-spec.js';
import { renderPage } from './page.js';
import { availableParallelism } from 'node:os';

/** Options of a model handler (createHandler) and of serve(). */
export interface HandlerOptions {
  /** The model's name in the URLs (default: the model's own name). */
  name?: string;
  /** Inference worker threads, each with its own copy of the model (default: see docs/serving.md). */
  workers?: number;
  /** Most requests coalesced into one predict call, and most instances per call (default 64). */
  maxBatchSize?: number;
  /** How long a free worker waits for more requests to fill a batch, in ms (default 0: never waits). */
  batchTimeoutMs?: number;
  /** Requests waiting for a worker before new ones get 503 + Retry-After (default 256). */
  maxQueue?: number;
  /** Bytes of waiting request bodies before new ones get 503 (default 64 MiB). */
  maxQueueBytes?: number;
  /** Deadline from arrival to response, in ms; past it, 504 (default 30000, TF Serving's). */
  timeoutMs?: number;
  /** Largest request body in bytes; larger gets 413 (default 16 MiB). */
  maxBodyBytes?: number;
  /** A body not fully received within this many ms gets 408 and the connection closed (default 10000). */
  bodyTimeoutMs?: number;
  /** Seconds clients are told to wait in Retry-After when the queue is full (default 1). */
  retryAfterSeconds?: number;
  /** Where the drawing page is served, or false for none (default '/'). */
  page?: string | false;
  /** Where Prometheus metrics are served, or false for none (default '/metrics'). */
  metrics?: string | false;
  /** Called with a line when something goes wrong out of band (an inference worker crashed). */
  log?: (message: string) => void;
}

/** A node:http request handler for one model; also works as Express middleware (`next`). */
export interface ModelHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** The name in the URLs. */
  readonly name: string;
  /** The served model's input and output, as the metadata routes report them. */
  readonly model: Readonly<ModelSpec>;
  /** Resolves when the inference workers have loaded the model and warmed up (rejects if they cannot). */
  readonly ready: Promise<void>;
  /** The routes, for printing. */
  routes(): { method: string; path: string; what: string }[];
  /** The Prometheus text of the metrics. */
  metricsText(): string;
  /**
   * Stops taking predictions (503), waits for those in flight (up to `timeoutMs`, default 30000),
   * then stops the inference workers.
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

interface Resolved {
  name: string;
  workers: number;
  maxBatchSize: number;
  batchTimeoutMs: number;
  maxQueue: number;
  maxQueueBytes: number;
  timeoutMs: number;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  retryAfterSeconds: number;
  page: string | null;
  metrics: string | null;
}

function positiveInt(who: string, key: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(`${who}: ${key} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function pathOption(who: string, key: string, v: string | false | undefined, dflt: string): string | null {
  if (v === false) return null;
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !v.startsWith('/')) throw new ArgumentError(`${who}: ${key} must be a path starting with '/' or false, got ${JSON.stringify(v)}`);
  return v;
}

function resolveOptions(who: string, model: Sequential, o: HandlerOptions): Resolved {
  return {
    name: o.name ?? model.name,
    workers: positiveInt(who, 'workers', o.workers, defaultWorkers()),
    maxBatchSize: positiveInt(who, 'maxBatchSize', o.maxBatchSize, 64),
    batchTimeoutMs: positiveInt(who, 'batchTimeoutMs', o.batchTimeoutMs, 0, 0),
    maxQueue: positiveInt(who, 'maxQueue', o.maxQueue, 256),
    maxQueueBytes: positiveInt(who, 'maxQueueBytes', o.maxQueueBytes, 64 * 1024 * 1024),
    timeoutMs: positiveInt(who, 'timeoutMs', o.timeoutMs, 30_000),
    maxBodyBytes: positiveInt(who, 'maxBodyBytes', o.maxBodyBytes, 16 * 1024 * 1024),
    bodyTimeoutMs: positiveInt(who, 'bodyTimeoutMs', o.bodyTimeoutMs, 10_000),
    retryAfterSeconds: positiveInt(who, 'retryAfterSeconds', o.retryAfterSeconds, 1, 0),
    page: pathOption(who, 'page', o.page, '/'),
    metrics: pathOption(who, 'metrics', o.metrics, '/metrics'),
  };
}

/**
 * Inference workers by default: one per core, at most 4. A second worker only takes work when big
 * bodies wait (batcher.ts), so small requests still batch on one; measured with bench/serve.ts on 2
 * cores, 2 workers matched 1 on single-image requests and doubled the rate of 32-image requests,
 * whose parsing then runs on both cores.
 */
function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

const JSON_TYPE = 'application/json';

/** A request whose body a framework already read (express.json(), express.raw(), ...). */
function preRead(req: IncomingMessage): { bytes: Uint8Array | null; parsed: unknown } | null {
  const body = (req as { body?: unknown }).body;
  if (body === undefined || !req.readableEnded) return null;
  if (body instanceof Uint8Array) return { bytes: body, parsed: null };
  if (typeof body === 'string') return { bytes: new TextEncoder().encode(body), parsed: null };
  return { bytes: null, parsed: body };
}

/** Internal parts, for tests. */
export interface HandlerInternals {
  batcher: Batcher;
  pool: InferencePool;
  metrics: ServerMetrics;
}

export const internals = new WeakMap<ModelHandler, HandlerInternals>();

/**
 * A request handler serving `model` over TF Serving REST and the Open Inference Protocol (plus the
 * drawing page and /metrics), for an existing node:http server, Express or Fastify app. The model
 * is a snapshot: its weights are copied now, so a later `fit` on it does not change what is served.
 * Paths it does not serve go to `next` when given, else get 404.
 * @example
 * const handler = createHandler(model, { name: 'mnist' });
 * await handler.ready;
 * http.createServer(handler).listen(8501);          // or app.use(handler) in Express
 */
export function createHandler(model: Sequential, options: HandlerOptions = {}): ModelHandler {
  return makeHandler(model, options, false);
}

/**
 * createHandler, and for serve()'s own server, where the handler is the only reader of request
 * bodies, `ownsBodies`: the chunks received are moved to the inference workers (pool.ts, run).
 */
export function makeHandler(model: Sequential, options: HandlerOptions, ownsBodies: boolean): ModelHandler {
  const o = resolveOptions('createHandler', model, options);
  const spec = modelSpec(model, o.name);
  // The snapshot: modelToArtifacts copies every weight.
  const artifacts = modelToArtifacts(model);
  const pool = new InferencePool({ artifacts, spec, backend: getBackend().name, maxBatchSize: o.maxBatchSize }, o.workers, undefined, ownsBodies);
  let inFlight = 0;
  let isReady = false;
  let closing = false;
  let closed: Promise<void> | null = null;
  let idleWaiters: (() => void)[] = [];
  const metrics: ServerMetrics = new ServerMetrics({
    queueDepth: (): number => batcher.depth,
    inFlight: () => inFlight,
    busyWorkers: () => pool.busyCount,
    queueCapacity: o.maxQueue,
  });
  const batcher: Batcher = new Batcher(pool, o, metrics);
  pool.onCrash = (message) => {
    // A fixed set of label values: error messages would make one series per message.
    metrics.workerCrashes.inc({ reason: message.startsWith('inference worker exited') ? 'exited' : 'error' });
    options.log?.(`model "${spec.name}": ${message}; starting a new worker`);
  };
  const ready = pool.start().then(
    () => {
      isReady = true;
    },
    async (e: Error) => {
      batcher.stop();
      await pool.close();
      throw e;
    },
  );
  // Nobody may be awaiting ready yet; the rejection is still reported to whoever does.
  ready.catch(() => {});

  // The fixed bodies, made once.
  const bodies = {
    status: JSON.stringify(v1Status(spec, true)),
    statusLoading: JSON.stringify(v1Status(spec, false)),
    v1Meta: JSON.stringify(v1Metadata(spec)),
    v1List: JSON.stringify({ models: [spec.name] }),
    v2Meta: JSON.stringify(v2Metadata(spec)),
    v2Server: JSON.stringify(v2ServerMetadata()),
    page: o.page ? renderPage(spec, { predictPath: `/v1/models/${encodeURIComponent(spec.name)}:predict`, routes: routeTable(spec.name, o.page, o.metrics) }) : '',
  };
  // Bodies being received: checked against bodyTimeoutMs by the sweep below.
  const receiving = new Set<{ since: number; fail: () => void }>();
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const r of receiving) if (now - r.since >= o.bodyTimeoutMs) r.fail();
  }, Math.max(5, Math.min(250, o.bodyTimeoutMs / 10)));
  sweep.unref();

  function send(res: ServerResponse, route: string, t0: number, status: number, body: string | Uint8Array, type = JSON_TYPE, extra?: Record<string, string>): void {
    metrics.requests.inc({ route, code: String(status) });
    metrics.latency.observe({ route }, (performance.now() - t0) / 1000);
    if (res.headersSent || res.destroyed) return;
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const headers: Record<string, string | number> = { 'content-type': type, 'content-length': length };
    if (closing) headers.connection = 'close';
    if (extra) Object.assign(headers, extra);
    res.writeHead(status, headers);
    res.end(body);
  }

  // What every 503 for a full queue or a loading model carries: made once, not per request.
  const retry = { 'retry-after': String(o.retryAfterSeconds) };
  const overloaded = (): string => errorBody(`the server is overloaded: ${batcher.depth} requests are queued (maxQueue ${o.maxQueue}); retry later`);

  function requestDone(): void {
    inFlight--;
    if (inFlight === 0 && idleWaiters.length) for (const f of idleWaiters.splice(0)) f();
  }

  /** Reads the body, then queues it for a worker. */
  function predict(req: IncomingMessage, res: ServerResponse, route: string, protocol: 'v1' | 'v2', t0: number): void {
    if (!isReady) return send(res, route, t0, 503, errorBody('the model is still loading; retry shortly'), JSON_TYPE, retry);
    if (closing) return send(res, route, t0, 503, errorBody('the server is shutting down'));
    const declared = Number(req.headers['content-length']);
    if (declared > o.maxBodyBytes) {
      metrics.rejected.inc({ reason: 'body_too_large' });
      return refuseBody(req, res, route, t0, 413, `the request body is ${declared} bytes; the limit is ${o.maxBodyBytes} bytes (option maxBodyBytes)`);
    }
    if (batcher.full()) {
      metrics.rejected.inc({ reason: 'queue_full' });
      return send(res, route, t0, 503, overloaded(), JSON_TYPE, retry);
    }
    inFlight++;
    let finished = false;
    let job: QueuedJob | null = null;
    const finish = (outcome: JobOutcome | null, extra?: Record<string, string>) => {
      if (finished) return;
      finished = true;
      if (outcome) send(res, route, t0, outcome.status, outcome.body, JSON_TYPE, extra);
      else {
        // The client went away first: nothing to send, but count it (nginx's 499).
        metrics.requests.inc({ route, code: '499' });
      }
      requestDone();
    };
    res.on('close', () => {
      if (finished) return;
      if (job) batcher.finish(job, null);
      finish(null);
    });
    const enqueue = (chunks: Uint8Array[] | null, size: number, parsed: unknown) => {
      job = { work: { protocol, chunks, size, parsed }, bytes: size, arrived: t0, state: 'queued', respond: (out) => finish(out) };
      if (!batcher.submit(job)) {
        metrics.rejected.inc({ reason: 'queue_full' });
        job.state = 'done';
        finish({ status: 503, body: overloaded() }, retry);
      }
    };
    const given = preRead(req);
    if (given) return enqueue(given.bytes && [given.bytes], given.bytes ? given.bytes.byteLength : 0, given.parsed);

    const chunks: Buffer[] = [];
    let size = 0;
    const entry = {
      since: t0,
      fail: () => {
        cleanup();
        metrics.rejected.inc({ reason: 'body_timeout' });
        failBody(408, `the request body was not received within ${o.bodyTimeoutMs} ms (option bodyTimeoutMs)`);
      },
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > o.maxBodyBytes) {
        cleanup();
        metrics.rejected.inc({ reason: 'body_too_large' });
        failBody(413, `the request body is over the limit of ${o.maxBodyBytes} bytes (option maxBodyBytes)`);
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      // The chunks go to the worker's buffer as they are when its batch is handed over (pool.ts).
      enqueue(chunks, size, null);
    };
    const onError = () => {
      cleanup();
      finish(null);
    };
    function cleanup(): void {
      receiving.delete(entry);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    }
    function failBody(status: number, message: string): void {
      // The rest of the body is not wanted; the connection cannot be reused.
      if (!res.headersSent && !res.destroyed) res.setHeader('connection', 'close');
      finish({ status, body: errorBody(message) });
      req.resume();
      lingerThenClose(req, res);
    }
    receiving.add(entry);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  }

  /** Answers without reading the body (413 by Content-Length), then drops the connection. */
  function refuseBody(req: IncomingMessage, res: ServerResponse, route: string, t0: number, status: number, message: string): void {
    if (!res.headersSent) res.setHeader('connection', 'close');
    send(res, route, t0, status, errorBody(message));
    req.resume();
    lingerThenClose(req, res);
  }

  function notFound(res: ServerResponse, route: string, t0: number, message: string): void {
    send(res, route, t0, 404, errorBody(message));
  }

  const handler = ((req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    const t0 = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const m = matchRoute(path, o.page, o.metrics);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    // Another handler (another model, the app's own routes) may serve what this one does not.
    if (next && (!m || (m.name !== undefined && m.name !== spec.name))) return next();
    if (!m) return notFound(res, 'unmatched', t0, `no route for ${req.method} ${path}; see ${o.page ?? '/v2/models/' + spec.name} for the routes`);
    const route = m.id;
    if (method !== m.method) {
      return send(res, route, t0, 405, errorBody(`${req.method} ${path}: this route takes ${m.method}`), JSON_TYPE, { allow: m.method === 'GET' ? 'GET, HEAD' : 'POST' });
    }
    const problem = checkTarget(m, spec);
    if (problem) return notFound(res, route, t0, problem);
    switch (route) {
      case 'GET /':
        return send(res, route, t0, 200, bodies.page, 'text/html; charset=utf-8');
      case 'GET /metrics':
        return send(res, route, t0, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
      case 'GET /v1/models':
        return send(res, route, t0, 200, bodies.v1List);
      case 'GET /v1/models/{name}':
        return send(res, route, t0, 200, isReady ? bodies.status : bodies.statusLoading);
      case 'GET /v1/models/{name}/metadata':
        return send(res, route, t0, 200, bodies.v1Meta);
      case 'POST /v1/models/{name}:predict':
        if (m.otherVerb !== undefined) {
          if (m.otherVerb === 'classify' || m.otherVerb === 'regress') {
            return send(res, route, t0, 400, errorBody(`:${m.otherVerb} needs a ${m.otherVerb === 'classify' ? 'classification' : 'regression'} signature; model "${spec.name}" has a predict signature only: use :predict`));
          }
          return notFound(res, route, t0, `unknown verb ":${m.otherVerb}"; model "${spec.name}" answers :predict`);
        }
        return predict(req, res, route, 'v1', t0);
      case 'GET /v2/health/live':
        return send(res, route, t0, 200, '{"live":true}');
      case 'GET /v2/health/ready':
        return isReady && !closing ? send(res, route, t0, 200, '{"ready":true}') : send(res, route, t0, 503, '{"ready":false}');
      case 'GET /v2':
        return send(res, route, t0, 200, bodies.v2Server);
      case 'GET /v2/models/{name}':
        return send(res, route, t0, 200, bodies.v2Meta);
      case 'GET /v2/models/{name}/ready': {
        const ok = isReady && !closing;
        return send(res, route, t0, ok ? 200 : 503, JSON.stringify({ name: spec.name, ready: ok }));
      }
      case 'POST /v2/models/{name}/infer':
        return predict(req, res, route, 'v2', t0);
    }
  }) as ModelHandler;

  Object.defineProperties(handler, {
    name: { value: spec.name, enumerable: true },
    model: { value: Object.freeze({ ...spec }), enumerable: true },
    ready: { value: ready },
  });
  handler.routes = () => routeTable(spec.name, o.page, o.metrics);
  handler.metricsText = () => metrics.render();
  handler.close = (opts: { timeoutMs?: number } = {}) => {
    if (closed) return closed;
    closing = true;
    const limit = opts.timeoutMs ?? 30_000;
    closed = (async () => {
      await ready.catch(() => {});
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => idleWaiters.push(resolve)),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, limit);
          }),
        ]);
        clearTimeout(timer);
      }
      idleWaiters = [];
      clearInterval(sweep);
      for (const r of receiving) r.fail();
      batcher.stop();
      await pool.close();
    })();
    return closed;
  };
  internals.set(handler, { batcher, pool, metrics });
  return handler;
}

/** Model name, version and label in the path against what is served: a 404 message, or null. */
function checkTarget(m: RouteMatch, spec: ModelSpec): string | null {
  if (m.name === undefined) return null;
  if (m.name !== spec.name) return `Servable not found for request: model "${m.name}" (this server serves "${spec.name}")`;
  if (m.version !== undefined && m.version !== spec.version) return `model "${spec.name}" has no version "${m.version}"; it serves version ${spec.version}`;
  if (m.label !== undefined) return `model "${spec.name}" has no label "${m.label}"; it serves version ${spec.version} (no labels)`;
  return null;
}

/**
 * After an early answer (413, 408) the client may still be sending: keep reading and dropping its
 * data for a moment so it sees the answer (closing a socket with unread data makes the kernel send
 * a reset, which can destroy the answer in flight), then close.
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  const close = () => setTimeout(() => socket.destroy(), 500).unref();
  if (res.writableFinished) close();
  else res.once('finish', close);
}
