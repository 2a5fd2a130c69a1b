// The package as users get it: `npm pack` the built tree, install the tarball into a fresh project
// (nerva's dependencies come from the npm cache that `npm ci` filled; the registry only if missing),
// then run both exercises (y = 2x - 1, and MNIST on 1,000 images for one epoch) from an ES module
// and from a CommonJS file, type-check a strict TypeScript user file, serve a model over HTTP (the
// request parser's WebAssembly reader loaded) and run the `nerva` command.
// Runs once (it does not depend on the backend). Uses dist/, which `npm test` builds first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'nerva-packaging-'));
after(() => rmSync(work, { recursive: true, force: true }));
const app = join(work, 'app');

function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Both exercises; `imports` is how the file gets nerva (an import or a require line). */
function exercises(imports: string, wrapAsync: (body: string) => string): string {
  return `${imports}
${wrapAsync(`
  nv.setSeed(1);
  const lin = new nv.Sequential([nv.layers.dense({ units: 1, inputShape: [1] })]);
  lin.compile({ optimizer: 'sgd', loss: 'mean_squared_error' });
  const h = await lin.fit([-1, 0, 1, 2, 3, 4], [-3, -1, 1, 3, 5, 7], { epochs: 300, verbose: 0 });
  const y10 = lin.predict([10]).item();
  let [[xTrain, yTrain], [xTest, yTest]] = nv.datasets.mnist.loadData();
  xTrain = xTrain.slice([0, 0, 0], [1000, 28, 28]).div(255);
  yTrain = yTrain.slice([0], [1000]);
  xTest = xTest.slice([0, 0, 0], [1000, 28, 28]).div(255);
  yTest = yTest.slice([0], [1000]);
  const m = new nv.Sequential([
    nv.layers.flatten({ inputShape: [28, 28] }),
    nv.layers.dense({ units: 128, activation: 'relu' }),
    nv.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await m.fit(xTrain, yTrain, { epochs: 1, verbose: 0 });
  const { accuracy } = m.evaluate(xTest, yTest);
  await m.save('file://./saved-model');
  const back = await nv.loadModel('saved-model/model.json');
  const probs = back.predict(xTest.slice([0, 0, 0], [1, 28, 28]));
  console.log(JSON.stringify({ backend: nv.getBackend().name, y10, losses: h.history.loss, accuracy, probs }));
`)}
`;
}

interface Result { backend: string; y10: number; losses: number[]; accuracy: number; probs: number[][] }

function checkResult(out: string, how: string): void {
  const r = JSON.parse(out.trim().split('\n').pop()!) as Result;
  assert.equal(r.backend, 'wasm', `${how}: the wasm kernels ship and load`);
  assert.ok(Math.abs(r.y10 - 19) < 0.5, `${how}: y = 2x - 1 at x = 10 predicted ${r.y10}`);
  assert.ok(r.losses[r.losses.length - 1] < r.losses[0] / 100, `${how}: loss ${r.losses[0]} -> ${r.losses[r.losses.length - 1]}`);
  assert.ok(r.accuracy > 0.6, `${how}: MNIST accuracy after one epoch on 1,000 images: ${r.accuracy}`);
  // The prediction came through JSON.stringify as nested arrays (toJSON), one row of 10 probabilities.
  assert.equal(r.probs.length, 1);
  assert.equal(r.probs[0].length, 10);
  assert.ok(Math.abs(r.probs[0].reduce((a, b) => a + b, 0) - 1) < 1e-4, `${how}: probabilities sum to 1`);
}

test('npm pack -> npm install into a fresh project -> both exercises from ESM and CommonJS, strict types, the CLI', (t) => {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/ is missing: run npm run build (npm test does)');
  // --ignore-scripts: dist/ is already built by npm test; a second build here would race the other
  // test files that run dist/ at the same time.
  const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], root).stdout.trim().split('\n').pop()!;
  const tarball = join(work, packed);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'nerva-packaging-app', version: '1.0.0', private: true }));
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
  assert.doesNotMatch(install.stdout + install.stderr, /install scripts/, 'the installed package must have no install-time scripts');

  const pkgDir = join(app, 'node_modules', 'nerva');
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(manifest.scripts.prepare, undefined, 'no prepare script: npm 11 warns about it on install');
  assert.ok(existsSync(join(pkgDir, 'LICENSE')), 'LICENSE ships');
  assert.match(readFileSync(join(pkgDir, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the nerva authors/);
  assert.ok(!existsSync(join(pkgDir, 'dist', 'io', 'crash-child.js')), 'test helpers do not ship');
  assert.ok(!readdirSync(join(pkgDir, 'dist')).some((f) => f.endsWith('.test.js')));

  writeFileSync(join(app, 'exercises.mjs'), exercises("import * as nv from 'nerva';", (body) => body));
  writeFileSync(join(app, 'exercises.cjs'), exercises("const nv = require('nerva');", (body) => `(async () => {${body}})().catch((e) => { console.error(e); process.exit(1); });`));
  const esm = run(process.execPath, ['exercises.mjs'], app);
  checkResult(esm.stdout, 'ESM');
  const cjs = run(process.execPath, ['exercises.cjs'], app);
  checkResult(cjs.stdout, 'CommonJS');
  assert.doesNotMatch(cjs.stderr, /Warning/, `require('nerva') prints no warning: ${cjs.stderr}`);

  // A TypeScript user with every strict option: nerva's .d.ts must be clean and toArray2d typed.
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true,
      noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false,
      // Node's types from this repo (nerva's .d.ts use Buffer), as a user project has @types/node.
      typeRoots: [join(root, 'node_modules', '@types')], types: ['node'],
    },
    files: ['user.mts'],
  }));
  writeFileSync(join(app, 'user.mts'), `import * as nv from 'nerva';
const model = new nv.Sequential([nv.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })]);
const rows: number[][] = model.predict(nv.tensor([[1, 2, 3]])).toArray2d();
const first: number | undefined = rows[0]?.[1];
const body: string = JSON.stringify({ probs: model.predict([[1, 2, 3]]) });
try { await nv.loadModel('nope'); } catch (e) { if (e instanceof nv.FileSystemError || e instanceof nv.FormatError) console.log(e.message); }
console.log(first, body);
`);
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);

  // Serving from the installed package: the parser's WebAssembly reader ships beside its glue (the
  // worker loads it while warming up, and fails loudly without it), its AssemblyScript source does not.
  assert.ok(existsSync(join(pkgDir, 'dist', 'serve', 'json-reader.wasm')), 'the JSON number reader ships');
  assert.ok(!existsSync(join(pkgDir, 'dist', 'serve', 'assembly')), 'the AssemblyScript sources do not ship');
  writeFileSync(join(app, 'serve.mjs'), `import * as nv from 'nerva';
import { fastNumbers } from './node_modules/nerva/dist/serve/json-wasm.js';
if (!fastNumbers()) throw new Error('the JSON number reader did not load');
const model = new nv.Sequential([nv.layers.dense({ units: 2, inputShape: [3] })]);
const server = await nv.serve(model, { name: 'lin', port: 0 });
const x = [[0, 0.5, 1], [0, 0, 0], [0.25, 0.125, 3]];
const res = await fetch(new URL('v1/models/lin:predict', server.url), { method: 'POST', body: JSON.stringify({ instances: x }) });
const body = await res.json();
await server.close();
console.log(JSON.stringify({ status: res.status, got: body.predictions, want: model.predict(x).toArray2d() }));
`);
  const served = JSON.parse(run(process.execPath, ['serve.mjs'], app).stdout.trim().split('\n').pop()!) as { status: number; got: number[][]; want: number[][] };
  assert.equal(served.status, 200);
  assert.equal(served.got.length, 3);
  served.got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - served.want[i][j]) < 1e-6, `served ${v}, predict ${served.want[i][j]}`)));

  const help = run(join(app, 'node_modules', '.bin', 'nerva'), ['--help'], app);
  assert.match(help.stdout, /nerva mnist/);
  t.diagnostic(`packed ${packed} and ran both exercises from ESM and CommonJS`);
});
