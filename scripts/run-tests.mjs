// Runs the test suite with Node's own test runner (via tsx), because Node 20's `--test` cannot
// glob for .ts files by itself. One suite, two backends: every test runs on the default backend
// (wasm where available), then the op, autograd, layer, loss, optimizer and model tests run again
// on the JS reference backend (NERVA_BACKEND=js); the wasm kernel tests run a third time on the
// baseline-SIMD build. Tests that start child processes, read files or draw pictures do
// not depend on the backend and run once.
//
//   node scripts/run-tests.mjs [substring ...]   only files whose path contains one of them
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [];
for (const root of ['src', 'test']) if (existsSync(root)) walk(root, files);
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const BACKEND_DEPENDENT = [/src\/(ops|autograd|tensor|layers|losses|optimizers|metrics)\//, /src\/models\/(sequential|training)\.test\.ts$/];
const perBackend = files.filter((f) => BACKEND_DEPENDENT.some((re) => re.test(f)));

function run(label, list, env, nodeFlags = []) {
  console.log(`\n=== ${label}: ${list.length} test files ===`);
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--test', '--test-concurrency=2', ...list], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return r.status ?? 1;
}

// The default pass runs the relaxed-SIMD (FMA) kernels wherever Node can (the library enables them
// on Node 20 too); the baseline-SIMD build is the fallback elsewhere, so the wasm tests run once more
// on it (NERVA_RELAXED_SIMD=0 selects it).
const wasmFiles = files.filter((f) => /src\/backend\/wasm\/(kernels|differential|heap|threads|relaxed-simd|conv)\.test\.ts$/.test(f));

let status = run('default backend', files, {});
if (perBackend.length) status = run('js reference backend', perBackend, { NERVA_BACKEND: 'js' }) || status;
if (wasmFiles.length) status = run('wasm kernels, baseline-SIMD build', wasmFiles, { NERVA_RELAXED_SIMD: '0' }) || status;
process.exit(status);
