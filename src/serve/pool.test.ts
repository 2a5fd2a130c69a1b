// The inference pool on its own: bodies reach the workers through their shared buffers (and, for a
// batch too large for one, in buffers of their own), batches of mixed good and bad requests, and
// the same probabilities as model.predict either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, type Sequential, type Tensor } from '../index.js';
import { modelToArtifacts } from '../io/model-io.js';
import { modelSpec } from './model-spec.js';
import { InferencePool, outcomesOf, type BatchResult, type JobOutcome, type WorkerJob } from './pool.js';
import { trainSmallMnist, imageRows } from '../test-utils/serve-model.js';

let model: Sequential;
let xTest: Tensor;
let pool: InferencePool;

before(async () => {
  ({ model, xTest } = await trainSmallMnist());
  // Shared buffers of at most 5000 bytes: a one-image body (3-4.5 kB of JSON) fits, two do not.
  pool = new InferencePool({ artifacts: modelToArtifacts(model), spec: modelSpec(model, 'mnist'), backend: getBackend().name, maxBatchSize: 64 }, 1, 5000);
  await pool.start();
});

after(() => pool.close());

/** A body as the HTTP thread has it: in chunks of odd sizes. */
function job(body: string): WorkerJob {
  const bytes = new TextEncoder().encode(body);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 1000) chunks.push(bytes.subarray(at, at + 1000));
  return { protocol: 'v1', chunks, size: bytes.length, parsed: null };
}

function run(jobs: WorkerJob[]): Promise<JobOutcome[]> {
  return new Promise((resolve, reject) => pool.run(jobs, (r: BatchResult | Error) => (r instanceof Error ? reject(r) : resolve(outcomesOf(r)))));
}

const text = (o: JobOutcome) => (typeof o.body === 'string' ? o.body : new TextDecoder().decode(o.body));

function closeTo(got: number[][], want: Float32Array, row: number): void {
  for (let j = 0; j < 10; j++) assert.ok(Math.abs(got[0][j] - want[row * 10 + j]) < 1e-6, `row ${row}, class ${j}: ${got[0][j]} vs ${want[row * 10 + j]}`);
}

test('bodies in the shared buffer, and a batch too large for it, give model.predict probabilities', async () => {
  const want = model.predict(xTest.slice([0, 0, 0], [3, -1, -1])).data() as Float32Array;
  const bodies = [0, 1, 2].map((i) => JSON.stringify({ instances: [imageRows(xTest, i)] }));
  assert.ok(bodies.every((b) => b.length < 5000) && bodies[0].length + bodies[1].length > 5000, 'sizes for the test');
  // One body: through the shared buffer. Three: too large together, one buffer each.
  const [single] = await run([job(bodies[0])]);
  assert.equal(single.status, 200);
  closeTo((JSON.parse(text(single)) as { predictions: number[][] }).predictions, want, 0);
  const three = await run(bodies.map(job));
  three.forEach((o, i) => {
    assert.equal(o.status, 200);
    closeTo((JSON.parse(text(o)) as { predictions: number[][] }).predictions, want, i);
  });
  // And the shared buffer again after that, with a bad request between two good ones.
  const mixed = await run([job(bodies[2]), job('{"instances": [[1, 2]]}'), { protocol: 'v1', chunks: null, size: 0, parsed: { instances: [imageRows(xTest, 1)] } }]);
  assert.deepEqual(mixed.map((o) => o.status), [200, 400, 200]);
  closeTo((JSON.parse(text(mixed[0])) as { predictions: number[][] }).predictions, want, 2);
  assert.match(text(mixed[1]), /instances\[0\]: expected shape \[28, 28\], got \[2\]/);
  closeTo((JSON.parse(text(mixed[2])) as { predictions: number[][] }).predictions, want, 1);
});

test('with moveChunks, the chunks are moved to the worker (and not otherwise); the answers are the same', async () => {
  const own = new InferencePool({ artifacts: modelToArtifacts(model), spec: modelSpec(model, 'mnist'), backend: getBackend().name, maxBatchSize: 64 }, 1, 1 << 20, true);
  await own.start();
  try {
    const want = model.predict(xTest.slice([0, 0, 0], [1, -1, -1])).data() as Float32Array;
    const body = new TextEncoder().encode(JSON.stringify({ instances: [imageRows(xTest, 0)] }));
    // Chunks in buffers of their own (as Node's HTTP parser gives them), and one that is a view
    // into a larger buffer, which must be left alone.
    const chunks = [body.slice(0, 1000), body.slice(1000, 2000), body.slice(2000)];
    const big = new Uint8Array(body.length + 10);
    big.set(body, 10);
    const view = big.subarray(10);
    const outcomes = await new Promise<JobOutcome[]>((resolve, reject) =>
      own.run(
        [
          { protocol: 'v1', chunks, size: body.length, parsed: null },
          { protocol: 'v1', chunks: [view], size: body.length, parsed: null },
        ],
        (r) => (r instanceof Error ? reject(r) : resolve(outcomesOf(r))),
      ),
    );
    for (const o of outcomes) {
      assert.equal(o.status, 200);
      closeTo((JSON.parse(text(o)) as { predictions: number[][] }).predictions, want, 0);
    }
    assert.deepEqual(chunks.map((c) => c.byteLength), [0, 0, 0], 'own chunks moved');
    assert.equal(view.byteLength, body.length, 'a view into a larger buffer is untouched');
  } finally {
    await own.close();
  }
  // Without moveChunks (createHandler in an app, where other code may hold the chunks), nothing is touched.
  const chunk = new TextEncoder().encode(JSON.stringify({ instances: [imageRows(xTest, 1)] }));
  const [o] = await run([{ protocol: 'v1', chunks: [chunk], size: chunk.length, parsed: null }]);
  assert.equal(o.status, 200);
  assert.ok(chunk.byteLength > 0, 'chunk intact');
});

