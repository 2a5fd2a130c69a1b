// The handler inside an existing app, as docs/serving.md shows it: a node:http server with its own
// routes, Express (before and after express.json()), and Fastify (an onRequest hook). Two models in
// one app: each handler passes on what is not its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { createHandler, type ModelHandler, type Sequential, type Tensor } from '../index.js';
import { trainSmallMnist, imageRows } from '../test-utils/serve-model.js';

let model: Sequential;
let xTest: Tensor;
let mnist: ModelHandler;
let other: ModelHandler;
let body: string;

before(async () => {
  ({ model, xTest } = await trainSmallMnist());
  body = JSON.stringify({ instances: [imageRows(xTest, 0)] });
  mnist = createHandler(model, { name: 'mnist', workers: 1, page: false, metrics: '/mnist/metrics' });
  other = createHandler(model, { name: 'digits', workers: 1 });
  await Promise.all([mnist.ready, other.ready]);
});

after(async () => {
  await Promise.all([mnist.close(), other.close()]);
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const predict = async (base: string, name: string) => {
  const r = await fetch(`${base}/v1/models/${name}:predict`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: r.status, json: (await r.json()) as { predictions?: number[][]; error?: string } };
};

test('node:http: the app keeps its routes; two models side by side', async () => {
  const server = createServer((req, res) => {
    mnist(req, res, () =>
      other(req, res, () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`app: ${req.url}`);
      }),
    );
  });
  const base = await listen(server);
  try {
    assert.equal((await predict(base, 'mnist')).status, 200);
    assert.equal((await predict(base, 'digits')).status, 200);
    assert.equal(await (await fetch(`${base}/users/7`)).text(), 'app: /users/7');
    assert.equal(await (await fetch(`${base}/v1/models/unknown`)).text(), 'app: /v1/models/unknown');
    assert.match(await (await fetch(`${base}/mnist/metrics`)).text(), /nerva_requests_total\{route="POST \/v1\/models\/\{name\}:predict",code="200"\}/);
    // The page of the second handler; the first one has none.
    assert.match(await (await fetch(`${base}/`)).text(), /data-testid="pad"/);
  } finally {
    server.close();
  }
});

test('Express: mounted before body parsers, or after express.json() (its parsed body is used)', async () => {
  const app = express();
  app.use(mnist);
  app.use(express.json({ limit: '10mb' }));
  app.use(other);
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  const server = createServer(app);
  const base = await listen(server);
  try {
    const a = await predict(base, 'mnist');
    const b = await predict(base, 'digits');
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.deepEqual(a.json.predictions, b.json.predictions);
    assert.deepEqual(await (await fetch(`${base}/hello`)).json(), { hello: 'world' });
    const bad = await fetch(`${base}/v1/models/digits:predict`, { method: 'POST', body: '{"instances": [[1, 2]]}', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /instances\[0\]: expected shape \[28, 28\], got \[2\]/);
  } finally {
    server.close();
  }
});

test('Fastify: an onRequest hook hands the raw request to the handler', async () => {
  const app = Fastify();
  app.addHook('onRequest', (request, reply, done) => {
    let passed = false;
    mnist(request.raw, reply.raw, () => {
      passed = true;
      done();
    });
    if (!passed) reply.hijack();
  });
  app.get('/hello', async () => ({ hello: 'fastify' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const r = await predict(base, 'mnist');
    assert.equal(r.status, 200);
    assert.equal(r.json.predictions?.[0].length, 10);
    assert.deepEqual(await (await fetch(`${base}/hello`)).json(), { hello: 'fastify' });
    assert.equal((await fetch(`${base}/v2/models/mnist/ready`)).status, 200);
  } finally {
    await app.close();
  }
});
