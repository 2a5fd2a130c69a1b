// An inference worker thread: rebuilds the served model from its artifacts (a snapshot of the
// weights taken when serving started), then turns batches of raw request bodies into response
// bodies: parse, check against the model, one predict for every valid request of the batch, write
// each request's slice of the output. A bad request fails alone; the others in its batch still run.

import { MessageChannel, parentPort, workerData } from 'node:worker_threads';
import { Tensor, setBackend, setNumThreads } from '../index.js';
import { modelFromArtifacts } from '../io/model-io.js';
import { sizeOf } from '../tensor/shape.js';
import { JsonSyntaxError, parseBody, type JsonNode } from './json.js';
import { decodeRequest, type DecodedRequest } from './protocols.js';
import { ByteWriter, RequestError } from './tensor-json.js';
import { errorBody, type BatchMessage, type BatchResult, type WireJob, type WireOutcome, type WorkerInit } from './pool.js';

const init = workerData as WorkerInit;
setBackend(init.backend);
// This thread is one of the server's inference threads already: the wasm backend's own matmul
// threads would only compete with the HTTP thread and the other inference workers for the cores.
setNumThreads(1);
const model = modelFromArtifacts(init.artifacts, `model "${init.spec.name}"`);
const { spec, maxBatchSize } = init;
const inSize = sizeOf(spec.inputShape);

// Kept from batch to batch, so that a steady load allocates (almost) nothing here: the inputs of a
// batch, written by the decoders straight where predict reads them, and the response bodies.
/** A batch's input buffers larger than this (in values) are not kept. */
const KEEP_INPUT = 1 << 22;
let input = new Float32Array(maxBatchSize * inSize);
let used = 0;
const writer = new ByteWriter(1 << 16);

/** The next n values of the batch input (growing it, keeping what earlier requests wrote). */
function alloc(n: number): Float32Array {
  if (used + n > input.length) {
    let size = input.length * 2;
    while (size < used + n) size *= 2;
    const grown = new Float32Array(size);
    grown.set(input.subarray(0, used));
    input = grown;
  }
  return input.subarray(used, used + n);
}

/** The buffer the HTTP thread copies this worker's bodies into (pool.ts). */
let shared: Uint8Array = new Uint8Array(0);

/**
 * The bodies' buffers moved here, once read, go into a message on a closed channel, which discards
 * it: that frees them at once. Left to the garbage collector, they would count as external memory
 * until a young-generation collection, which a worker runs rarely (it allocates little), and V8
 * would start full collections as they pile up (see pool.ts, run).
 */
const sink = (() => {
  const { port1, port2 } = new MessageChannel();
  port2.close();
  port1.unref();
  return port1;
})();

function free(buffers: ArrayBuffer[]): void {
  try {
    sink.postMessage(null, buffers);
  } catch {
    // Left to the garbage collector.
  }
}

function decode(job: WireJob): DecodedRequest | WireOutcome {
  try {
    let body: JsonNode;
    if (job.source !== 'parsed') {
      try {
        body = parseBody(job.source === 'shared' ? shared.subarray(job.at, job.at + job.size) : job.bytes!);
      } catch (e) {
        if (e instanceof JsonSyntaxError) return { status: 400, body: errorBody(`malformed JSON: ${e.message}`) };
        throw e;
      }
    } else body = job.parsed as JsonNode;
    const d = decodeRequest(job.protocol, body, spec, alloc);
    used += d.data.length;
    return d;
  } catch (e) {
    if (e instanceof RequestError) return { status: e.status, body: errorBody(e.message) };
    return { status: 500, body: errorBody(`internal error while reading the request: ${(e as Error).message}`) };
  }
}

/** Outputs for the first `rows` instances of x; x is not copied (nothing keeps it past predict). */
function predict(rows: number, x: Float32Array): Float32Array {
  const y = model.predict(new Tensor(x.subarray(0, rows * inSize), [rows, ...spec.inputShape], 'float32'), { batchSize: maxBatchSize });
  return y.data() as Float32Array;
}

function runBatch(msg: BatchMessage): { result: BatchResult; transfer: ArrayBuffer[] } {
  if (msg.shared) shared = new Uint8Array(msg.shared);
  used = 0;
  const decoded = msg.jobs.map(decode);
  const read: ArrayBuffer[] = [];
  for (const j of msg.jobs) if (j.bytes) for (const c of j.bytes) read.push(c.buffer as ArrayBuffer);
  if (read.length > 0) free(read);
  const rows = used / inSize;
  const outcomes: WireOutcome[] = new Array(decoded.length);
  let inferMs = 0;
  writer.len = 0;
  if (rows > 0) {
    const t0 = performance.now();
    let y: Float32Array | null = null;
    let failure = '';
    try {
      y = predict(rows, input);
    } catch (e) {
      failure = (e as Error).message;
    }
    inferMs = performance.now() - t0;
    let start = 0;
    decoded.forEach((d, i) => {
      if (!('rows' in d)) return;
      if (y) {
        const from = writer.len;
        d.respond(y, start, writer);
        outcomes[i] = { status: 200, start: from, end: writer.len };
      } else outcomes[i] = { status: 500, body: errorBody(`predict failed: ${failure}`) };
      start += d.rows;
    });
  }
  decoded.forEach((d, i) => {
    if (!('rows' in d)) outcomes[i] = d;
  });
  if (input.length > KEEP_INPUT) input = new Float32Array(maxBatchSize * inSize);
  // The response bodies of the batch, in one buffer moved (not copied) to the HTTP thread.
  const bytes = writer.copy();
  if (writer.buf.length > KEEP_INPUT) writer.buf = new Uint8Array(1 << 16);
  return { result: { type: 'result', seq: msg.seq, outcomes, bytes, rows, inferMs }, transfer: [bytes.buffer as ArrayBuffer] };
}

// Warm up: compile the wasm paths and grow memory for the largest batch before saying ready, so the
// first requests are not the slow ones.
for (const n of [1, Math.min(maxBatchSize, 64), maxBatchSize]) {
  predict(n, new Float32Array(n * inSize));
}
// And the parser's WebAssembly reader (compiled on first use).
parseBody(new TextEncoder().encode('[[0,0,0.5,1],[0,0,0.25,0.75]]'));

parentPort!.on('message', (msg: BatchMessage) => {
  const { result, transfer } = runBatch(msg);
  parentPort!.postMessage(result, transfer);
});
parentPort!.postMessage({ type: 'ready' });
