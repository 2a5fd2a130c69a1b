// An inference worker thread: rebuilds the served model from its artifacts (a snapshot of the
// weights taken when serving started), then turns batches of raw request bodies into response
// bodies: parse, check against the model, one predict for every valid request of the batch, write
// each request's slice of the output. A bad request fails alone; the others in its batch still run.

import { parentPort, workerData } from 'node:worker_threads';
import { setBackend, setNumThreads, tensor } from '../index.js';
import { modelFromArtifacts } from '../io/model-io.js';
import { JsonSyntaxError, parseBody, type JsonNode } from './json.js';
import { decodeRequest, type DecodedRequest } from './protocols.js';
import { RequestError } from './tensor-json.js';
import type { BatchMessage, BatchResult, JobOutcome, WorkerInit } from './pool.js';

const init = workerData as WorkerInit;
setBackend(init.backend);
// This thread is one of the server's inference threads already: the wasm backend's own matmul
// threads would only compete with the HTTP thread and the other inference workers for the cores.
setNumThreads(1);
const model = modelFromArtifacts(init.artifacts, `model "${init.spec.name}"`);
const { spec, maxBatchSize } = init;
const inSize = spec.inputShape.reduce((a, b) => a * b, 1);

function errorBody(message: string): string {
  return JSON.stringify({ error: message });
}

function decode(job: BatchMessage['jobs'][number]): DecodedRequest | JobOutcome {
  try {
    let body: JsonNode;
    if (job.bytes) {
      try {
        body = parseBody(job.bytes);
      } catch (e) {
        if (e instanceof JsonSyntaxError) return { status: 400, body: errorBody(`malformed JSON: ${e.message}`) };
        throw e;
      }
    } else body = job.parsed as JsonNode;
    return decodeRequest(job.protocol, body, spec);
  } catch (e) {
    if (e instanceof RequestError) return { status: e.status, body: errorBody(e.message) };
    return { status: 500, body: errorBody(`internal error while reading the request: ${(e as Error).message}`) };
  }
}

function predict(rows: number, x: Float32Array): Float32Array {
  const y = model.predict(tensor(x, [rows, ...spec.inputShape]), { batchSize: maxBatchSize });
  return y.data() as Float32Array;
}

function runBatch(msg: BatchMessage): BatchResult {
  const decoded = msg.jobs.map(decode);
  let rows = 0;
  for (const d of decoded) if ('rows' in d) rows += d.rows;
  const outcomes: JobOutcome[] = new Array(decoded.length);
  let inferMs = 0;
  if (rows > 0) {
    const x = new Float32Array(rows * inSize);
    let at = 0;
    for (const d of decoded) {
      if (!('rows' in d)) continue;
      x.set(d.data, at * inSize);
      at += d.rows;
    }
    const t0 = performance.now();
    let y: Float32Array | null = null;
    let failure = '';
    try {
      y = predict(rows, x);
    } catch (e) {
      failure = (e as Error).message;
    }
    inferMs = performance.now() - t0;
    let start = 0;
    decoded.forEach((d, i) => {
      if (!('rows' in d)) return;
      outcomes[i] = y ? { status: 200, body: d.respond(y, start) } : { status: 500, body: errorBody(`predict failed: ${failure}`) };
      start += d.rows;
    });
  }
  decoded.forEach((d, i) => {
    if (!('rows' in d)) outcomes[i] = d;
  });
  return { type: 'result', seq: msg.seq, outcomes, rows, inferMs };
}

// Warm up: compile the wasm paths and grow memory for the largest batch before saying ready, so the
// first requests are not the slow ones.
for (const n of [1, Math.min(maxBatchSize, 64), maxBatchSize]) {
  predict(n, new Float32Array(n * inSize));
}

parentPort!.on('message', (msg: BatchMessage) => {
  parentPort!.postMessage(runBatch(msg));
});
parentPort!.postMessage({ type: 'ready' });
