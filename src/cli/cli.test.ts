// The nerva CLI as a user runs it: the built dist/cli/main.js in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');

function nerva(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the CLI is built (npm test builds before testing)', () => {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build`);
});

test('nerva mnist trains on a subset, writes metrics.json, pictures, report and a loadable model', () => {
  const out = mkdtempSync(join(tmpdir(), 'nerva-cli-'));
  try {
    const r = nerva(['mnist', '--epochs', '1', '--limit', '10000', '--seed', '7', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Test loss: \d\.\d{4} - test accuracy: \d+\.\d\d%/);
    assert.match(r.stdout, /predicted \d \(\d+\.\d%\), true \d [✓✗]/);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    assert.equal(m.epochs, 1);
    assert.equal(m.batch_size, 32);
    assert.equal(m.train_samples, 10000);
    assert.equal(m.test_samples, 10000);
    assert.equal(m.epoch_seconds.length, 1);
    assert.ok(m.epoch_seconds[0] > 0);
    assert.deepEqual(Object.keys(m.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.equal(typeof m.backend, 'string');
    // The bar for a short run: 1 epoch on 10,000 images reaches >= 90% on the test set.
    assert.ok(m.test_accuracy >= 0.9, `test accuracy ${m.test_accuracy}`);
    assert.ok(Math.abs(m.history.val_accuracy[0] - m.test_accuracy) < 1e-9);
    const inside = ['weights.png', 'activations.png', 'saliency.png', 'activations-wrong.png', 'saliency-wrong.png', 'most-confused.png'];
    for (const f of ['prediction.png', 'history.png', 'confusion.png', 'grid.png', ...inside]) {
      const png = PNG.sync.read(readFileSync(join(out, f)));
      assert.ok(png.width > 100 && png.height > 100, f);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /data:image\/png;base64,/);
    assert.match(html, /<h2>Inside the network<\/h2>/);
    assert.match(html, /<h3>Test image 100: a \d, (predicted|misclassified as) \d<\/h3>/);
    assert.match(html, /<h3>Test image \d+: a \d, misclassified as \d<\/h3>/);
    assert.match(r.stdout, /weights\.png, activations\.png, saliency\.png, activations-wrong\.png, saliency-wrong\.png, most-confused\.png/);
    const s = nerva(['summary', join(out, 'model')]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /Total params: 101,770/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('nerva mnist runs on the js backend too', () => {
  const out = mkdtempSync(join(tmpdir(), 'nerva-cli-'));
  try {
    const r = nerva(['mnist', '--epochs', '1', '--limit', '500', '--test-limit', '200', '--backend', 'js', '--quiet', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).backend, 'js');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('nerva mnist uses the relaxed-SIMD kernels, unless NERVA_RELAXED_SIMD=0', () => {
  const out = mkdtempSync(join(tmpdir(), 'nerva-cli-'));
  const run = (env: Record<string, string>): string => {
    const r = spawnSync(process.execPath, [cli, 'mnist', '--epochs', '1', '--limit', '320', '--test-limit', '100', '--quiet', '--out', out], {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).backend;
  };
  try {
    // Node 20 has relaxed SIMD behind a V8 flag that the library sets while it compiles its kernels.
    assert.equal(run({}), 'wasm (relaxed SIMD)');
    assert.equal(run({ NERVA_RELAXED_SIMD: '0' }), 'wasm (SIMD)');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bad options exit non-zero with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [['mnist', '--epochs', '-1'], /--epochs must be >= 1, got -1/],
    [['mnist', '--batch-size', 'abc'], /--batch-size must be an integer, got 'abc'/],
    [['mnist', '--batch-size', '0'], /--batch-size must be >= 1/],
    [['mnist', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['mnist', '--backend', 'gpu', '--limit', '10'], /unknown or unavailable backend 'gpu'/],
    [['fly'], /unknown command 'fly'/],
    [['summary'], /summary takes one argument/],
    [['summary', '/nonexistent/model'], /nonexistent/],
  ];
  for (const [args, re] of cases) {
    const r = nerva(args);
    assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, re, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('help texts explain the options', () => {
  const h = nerva(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /nerva mnist/);
  const m = nerva(['mnist', '--help']);
  assert.equal(m.code, 0);
  for (const o of ['--epochs', '--batch-size', '--seed', '--out', '--backend', '--quiet']) assert.ok(m.stdout.includes(o), o);
});
