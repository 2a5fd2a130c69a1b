// Runs the test suite with Node's own test runner (via tsx), because Node 20's `--test` cannot
// glob for .ts files by itself. One suite, two backends: every test runs on the default backend
// (wasm where available), then the op, autograd, layer, loss, optimizer and model tests run again
// on the JS reference backend (NERVA_BACKEND=js); on Node 20-21 the wasm kernel tests run a third
// time on the relaxed-SIMD build. Tests that start child processes, read files or draw pictures do
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

// Node 20 and 21 run relaxed SIMD only behind a V8 flag (which the `nerva` command sets), so the
// default pass above tests the baseline kernels there: the wasm tests run once more on the
// relaxed-SIMD build. On Node 22+ the default pass already uses that build.
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02,
  0x0b,
]);
const major = Number(process.versions.node.split('.')[0]);
const wasmFiles = files.filter((f) => /src\/backend\/wasm\/(kernels|differential|heap|conv)\.test\.ts$/.test(f));

let status = run('default backend', files, {});
if (perBackend.length) status = run('js reference backend', perBackend, { NERVA_BACKEND: 'js' }) || status;
if (wasmFiles.length && !WebAssembly.validate(RELAXED_PROBE) && major < 22) {
  status = run('wasm kernels, relaxed-SIMD build', wasmFiles, {}, ['--experimental-wasm-relaxed-simd']) || status;
}
process.exit(status);
