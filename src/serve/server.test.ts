// serve() over real HTTP on an ephemeral port: every route of both protocols, the page and metrics,
// predictions equal to model.predict, every kind of bad request with its status and message,
// dynamic batching of concurrent requests, and the served model being a snapshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { serve, type ServeHandle, tensor, type Sequential, type Tensor } from '../index.js';
import { trainSmallMnist, imageRows } from '../test-utils/serve-model.js';

let server: ServeHandle;
let model: Sequential;
let xTest: Tensor;
let expected: Float32Array;
let base: string;

before(async () => {
  ({ model, xTest } = await trainSmallMnist());
  expected = model.predict(xTest).data() as Float32Array;
  server = await serve(model, { port: 0, workers: 1, maxBodyBytes: 200_000 });
  base = server.url.replace(/\/$/, '');
});

after(async () => {
  await server.close();
});

async function get(path: string, method = 'GET'): Promise<{ status: number; type: string; body: string; headers: Headers }> {
  const r = await fetch(base + path, { method });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text(), headers: r.headers };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(base + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

function close(got: number[][], from: number): void {
  got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[(from + i) * 10 + j]) < 1e-6, `row ${from + i} class ${j}: ${v} vs ${expected[(from + i) * 10 + j]}`)));
}

test('server url, name and the routes it prints', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(server.name, 'mnist');
  const paths = server.handler.routes().map((r) => `${r.method} ${r.path}`);
  assert.ok(paths.includes('POST /v1/models/mnist:predict'), paths.join('; '));
  assert.ok(paths.includes('POST /v2/models/mnist/infer'), paths.join('; '));
});

test('TF Serving status and metadata', async () => {
  for (const p of ['/v1/models/mnist', '/v1/models/mnist/versions/1']) {
    const r = await get(p);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
  }
  const m = JSON.parse((await get('/v1/models/mnist/metadata')).body);
  assert.deepEqual(m.model_spec, { name: 'mnist', signature_name: '', version: '1' });
  const sig = m.metadata.signature_def.signature_def.serving_default;
  assert.equal(sig.method_name, 'tensorflow/serving/predict');
  assert.deepEqual(sig.inputs.flatten_input.tensor_shape.dim.map((d: { size: string }) => d.size), ['-1', '28', '28']);
  assert.equal(sig.inputs.flatten_input.dtype, 'DT_FLOAT');
  assert.deepEqual(sig.outputs[model.layers[2].name].tensor_shape.dim.map((d: { size: string }) => d.size), ['-1', '10']);
  assert.deepEqual(JSON.parse((await get('/v1/models')).body), { models: ['mnist'] });
});

test('TF Serving predict: instances -> predictions, inputs -> outputs, equal to model.predict', async () => {
  const rows = await post('/v1/models/mnist:predict', { instances: [imageRows(xTest, 0), imageRows(xTest, 1), imageRows(xTest, 2)] });
  assert.equal(rows.status, 200);
  close(rows.json.predictions as number[][], 0);
  const cols = await post('/v1/models/mnist/versions/1:predict', { signature_name: 'serving_default', inputs: [imageRows(xTest, 3)] });
  assert.equal(cols.status, 200);
  close(cols.json.outputs as number[][], 3);
});

test('Open Inference Protocol: health, server and model metadata, ready, infer with id echo', async () => {
  assert.deepEqual(JSON.parse((await get('/v2/health/live')).body), { live: true });
  assert.deepEqual(JSON.parse((await get('/v2/health/ready')).body), { ready: true });
  assert.deepEqual(JSON.parse((await get('/v2')).body), { name: 'nerva', version: '0.1.0', extensions: [] });
  const meta = JSON.parse((await get('/v2/models/mnist')).body);
  assert.deepEqual(meta, {
    name: 'mnist',
    versions: ['1'],
    platform: 'nerva_layers',
    inputs: [{ name: 'flatten_input', datatype: 'FP32', shape: [-1, 28, 28] }],
    outputs: [{ name: model.layers[2].name, datatype: 'FP32', shape: [-1, 10] }],
  });
  assert.equal((await get('/v2/models/mnist/versions/1')).status, 200);
  assert.deepEqual(JSON.parse((await get('/v2/models/mnist/ready')).body), { name: 'mnist', ready: true });
  const nested = await post('/v2/models/mnist/infer', { id: 'abc-1', inputs: [{ name: 'flatten_input', shape: [2, 28, 28], datatype: 'FP32', data: [imageRows(xTest, 4), imageRows(xTest, 5)] }] });
  assert.equal(nested.status, 200);
  assert.equal(nested.json.id, 'abc-1');
  assert.equal(nested.json.model_name, 'mnist');
  const out = (nested.json.outputs as { name: string; shape: number[]; datatype: string; data: number[] }[])[0];
  assert.deepEqual([out.name, out.datatype, out.shape], [model.layers[2].name, 'FP32', [2, 10]]);
  close([out.data.slice(0, 10), out.data.slice(10)], 4);
  const flat = await post('/v2/models/mnist/versions/1/infer', { inputs: [{ name: 'flatten_input', shape: [1, 28, 28], datatype: 'FP32', data: imageRows(xTest, 6).flat() }] });
  assert.equal(flat.status, 200);
  assert.equal(flat.json.id, undefined);
  close([(flat.json.outputs as { data: number[] }[])[0].data], 6);
});

test('the page and the metrics', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.type, /^text\/html/);
  for (const id of ['pad', 'prediction', 'clear']) assert.match(page.body, new RegExp(`data-testid="${id}"`));
  assert.doesNotMatch(page.body, /<script[^>]+src=|<link[^>]+href="http/, 'nothing loaded from elsewhere');
  assert.match(page.body, /\/v1\/models\/mnist:predict/);
  const head = await get('/', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  const m = await get('/metrics');
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  assert.match(m.body, /^nerva_requests_total\{route="POST \/v1\/models\/\{name\}:predict",code="200"\} \d+$/m);
  assert.match(m.body, /^nerva_request_duration_seconds_bucket\{route="GET \/v2\/health\/live",le="0\.001"\} \d+$/m);
  assert.match(m.body, /^nerva_batch_size_bucket\{le="\+Inf"\} \d+$/m);
  assert.match(m.body, /^nerva_queue_depth 0$/m);
  assert.match(m.body, /^# TYPE nerva_request_duration_seconds histogram$/m);
});

test('unknown model, version, label, verb or path: 404; wrong method: 405; classify: 400', async () => {
  const cases: [string, string, number, RegExp][] = [
    ['GET', '/v1/models/other', 404, /Servable not found for request: model "other" \(this server serves "mnist"\)/],
    ['POST', '/v1/models/other:predict', 404, /Servable not found/],
    ['GET', '/v1/models/mnist/versions/2', 404, /has no version "2"; it serves version 1/],
    ['GET', '/v1/models/mnist/labels/stable', 404, /has no label "stable"/],
    ['POST', '/v1/models/mnist:explain', 404, /unknown verb ":explain"/],
    ['POST', '/v1/models/mnist:classify', 400, /needs a classification signature/],
    ['GET', '/v2/models/other/ready', 404, /Servable not found/],
    ['POST', '/v2/models/mnist/versions/9/infer', 404, /has no version "9"/],
    ['GET', '/nothing/here', 404, /no route for GET \/nothing\/here/],
    ['GET', '/v1/models/mnist:predict', 405, /this route takes POST/],
    ['POST', '/v2/health/live', 405, /this route takes GET/],
  ];
  for (const [method, path, status, re] of cases) {
    const r = await fetch(base + path, { method, body: method === 'POST' ? '{}' : undefined });
    assert.equal(r.status, status, `${method} ${path}`);
    const body = (await r.json()) as { error: string };
    assert.match(body.error, re, `${method} ${path}`);
    if (status === 405) assert.ok(r.headers.get('allow'), 'an Allow header');
  }
});

test('bad requests get 400 with what is wrong, and the server keeps serving', async () => {
  const img = imageRows(xTest, 0);
  const ragged = img.map((r, i) => (i === 3 ? r.slice(2) : r));
  const cases: [string, unknown, RegExp][] = [
    ['/v1/models/mnist:predict', '{"instances": [[1, 2]', /^malformed JSON: unexpected end of the body in an array; expected ',' or '\]' at line 1, column 22$/],
    ['/v1/models/mnist:predict', '', /malformed JSON: the body is empty/],
    ['/v1/models/mnist:predict', { instances: [img.flat()] }, /instances\[0\]: expected shape \[28, 28\], got \[784\]/],
    ['/v1/models/mnist:predict', { instances: [ragged] }, /instances\[0\] is ragged: instances\[0\]\[0\] has 28 values but instances\[0\]\[3\] has 26 values/],
    ['/v1/models/mnist:predict', { instances: [img.map((r) => r.map(String))] }, /instances\[0\]\[0\]\[0\]: expected a number, got the string "0"/],
    ['/v1/models/mnist:predict', { instances: [[...img.slice(0, 27), [...img[27].slice(0, 27), null]]] }, /instances\[0\]\[27\]\[27\]: expected a number, got null/],
    ['/v1/models/mnist:predict', { inputs: [img], instances: [img] }, /both "instances" and "inputs"/],
    ['/v1/models/mnist:predict', { examples: [] }, /needs "instances" .* or "inputs"/],
    ['/v1/models/mnist:predict', `{"instances": [${JSON.stringify(img).replace('0', 'NaN')}]}`, /instances\[0\]\[0\]\[0\]: NaN is not a finite number/],
    ['/v2/models/mnist/infer', { inputs: [{ name: 'flatten_input', shape: [1, 784], datatype: 'FP32', data: img.flat() }] }, /inputs\[0\].shape: expected \[N, 28, 28\], got \[1, 784\]/],
    ['/v2/models/mnist/infer', { inputs: [{ name: 'flatten_input', shape: [1, 28, 28], datatype: 'INT8', data: img.flat() }] }, /datatype: expected "FP32"/],
  ];
  for (const [path, body, re] of cases) {
    const r = await post(path, body);
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
    assert.match(r.json.error as string, re);
  }
  // A batch holding a bad request still answers the good ones.
  const [good, bad] = await Promise.all([post('/v1/models/mnist:predict', { instances: [img] }), post('/v1/models/mnist:predict', { instances: [ragged] })]);
  assert.equal(good.status, 200);
  assert.equal(bad.status, 400);
  close(good.json.predictions as number[][], 0);
});

test('a body over maxBodyBytes gets 413, by Content-Length or while streaming', async () => {
  const big = JSON.stringify({ instances: Array.from({ length: 100 }, (_, i) => imageRows(xTest, i)) });
  assert.ok(big.length > 300_000, `${big.length} bytes`);
  const r = await post('/v1/models/mnist:predict', big);
  assert.equal(r.status, 413);
  assert.match(r.json.error as string, /request body is \d+ bytes; the limit is 200000 bytes/);
  // Chunked, no Content-Length: refused once the limit is passed.
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(base + '/v1/models/mnist:predict', { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (let i = 0; i < 30; i++) req.write(big.slice(i * 10_000, (i + 1) * 10_000));
    req.end();
  });
  assert.equal(res.status, 413);
  assert.match(JSON.parse(res.body).error, /over the limit of 200000 bytes/);
  assert.equal((await post('/v1/models/mnist:predict', { instances: [imageRows(xTest, 0)] })).status, 200);
});

test('concurrent requests are coalesced into batches, each answered with its own rows', async () => {
  const before = server.handler.metricsText();
  const count = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const n = 64;
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => post('/v1/models/mnist:predict', { instances: [imageRows(xTest, i)] })));
  answers.forEach((a, i) => {
    assert.equal(a.status, 200);
    close(a.json.predictions as number[][], i);
  });
  const after = server.handler.metricsText();
  const batches = count(after, 'nerva_batch_size_count') - count(before, 'nerva_batch_size_count');
  const images = count(after, 'nerva_batch_size_sum') - count(before, 'nerva_batch_size_sum');
  assert.equal(images, n);
  assert.ok(batches < n, `${n} concurrent requests ran as ${batches} predict calls`);
});

test('the served model is a snapshot: training the model object afterwards changes nothing served', async () => {
  const img = imageRows(xTest, 7);
  const first = await post('/v1/models/mnist:predict', { instances: [img] });
  model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  await model.fit(xTest, tensor(Array.from({ length: 200 }, () => 0)), { epochs: 1, verbose: 0 });
  const moved = model.predict(xTest.slice([7, 0, 0], [1, -1, -1])).data();
  const again = await post('/v1/models/mnist:predict', { instances: [img] });
  assert.deepEqual(again.json.predictions, first.json.predictions);
  const served = (again.json.predictions as number[][])[0];
  assert.ok(served.some((v, j) => Math.abs(v - moved[j]) > 1e-4), 'the fit did change the model object');
});
