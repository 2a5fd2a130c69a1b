// `nerva serve` as a user runs it (the built dist/cli/main.js in a child process): it prints the
// routes when ready, SIGTERM with a request in flight answers that request and exits 0, a taken
// port is a one-line error, and bad arguments are usage errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainSmallMnist, saveToTemp, imageRows } from '../test-utils/serve-model.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
let dir: string;
let body: string;

before(async () => {
  const { model, xTest } = await trainSmallMnist();
  dir = await saveToTemp(model, 'digits');
  body = JSON.stringify({ instances: [imageRows(xTest, 0)] });
});

after(() => rmSync(dirname(dir), { recursive: true, force: true }));

/** Starts `nerva serve`, resolves with the child and its URL once it has printed the routes. */
function start(args: string[]): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const m = /^Serving "[^"]+" at (http:\/\/\S+)/m.exec(out);
      if (m) {
        clearInterval(check);
        resolve({ child, url: m[1], out: () => out });
      }
    }, 20);
    child.on('exit', (code) => {
      clearInterval(check);
      reject(new Error(`nerva serve exited (${code}):\n${out}`));
    });
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', (code) => r(code))));

test('nerva serve prints the URL and the routes, serves the model under its folder name', async () => {
  const { child, url, out } = await start([dir, '--port', '0']);
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const route of ['POST http://127.0.0.1:\\d+/v1/models/digits:predict', 'POST http://127.0.0.1:\\d+/v2/models/digits/infer', 'GET  http://127.0.0.1:\\d+/metrics']) {
      assert.match(out(), new RegExp(route));
    }
    const r = await fetch(`${url}v1/models/digits:predict`, { method: 'POST', body });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { predictions: number[][] }).predictions[0].length, 10);
  } finally {
    child.kill('SIGKILL');
  }
});

test('SIGTERM: the request in flight is answered, new connections are refused, exit code 0', async () => {
  const { child, url, out } = await start([dir, '--port', '0', '--name', 'mnist']);
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  await new Promise<void>((r) => socket.on('connect', () => r()));
  // Headers and part of the body: in flight when the signal comes.
  socket.write(`POST /v1/models/mnist:predict HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 50)}`);
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGTERM');
  for (let i = 0; i < 200 && !/SIGTERM: no longer accepting/.test(out()); i++) await new Promise((r) => setTimeout(r, 10));
  await assert.rejects(fetch(`${url}v2/health/live`), 'new connections are refused');
  socket.write(body.slice(50));
  const code = await exited(child);
  assert.equal(code, 0, out());
  assert.match(received, /^HTTP\/1\.1 200 /);
  assert.match(received, /"predictions":\[\[/);
  assert.match(out(), /stopped/);
});

test('a taken port is a one-line error and a non-zero exit', async () => {
  const taken: Server = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = spawnSync(process.execPath, [cli, 'serve', dir, '--port', String(port)], { encoding: 'utf8', cwd: root });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `nerva serve: port ${port} on 127.0.0.1 is already in use; choose another port (--port)\n`);
  } finally {
    taken.close();
  }
});

test('usage errors and help', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [cli, 'serve', ...args], { encoding: 'utf8', cwd: root });
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--port N/);
  const none = run([]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /serve takes one model \(a folder or its model.json\), got none/);
  const badPort = run([dir, '--port', 'http']);
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /--port must be an integer, got 'http'/);
  const missing = run([join(dir, 'nope')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^nerva: .*nope: no such file or directory\n$/);
  const badName = run([dir, '--name', 'a/b', '--port', '0']);
  assert.equal(badName.status, 1);
  assert.match(badName.stderr, /model name "a\/b" must be 1-128 letters/);
});
