// Where models are saved and loaded from, as users write it: file:// URLs (BUG-7), other URL schemes,
// `x/model.json` and Keras file names, bad arguments, and what the file system refuses: FIFOs and
// devices (BUG-8), /proc, read-only file systems, permission denied, files where folders must be.
// Tests that would hang if a fix regressed run in a child process that is killed after a while.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Sequential } from '../models/sequential.js';
import * as layers from '../layers/index.js';
import { ArgumentError, FileSystemError, FormatError, UnsupportedError } from '../errors.js';
import { loadModel } from './model-io.js';
import { artifactsFromMemory, readModelArtifacts } from './artifacts.js';
import { modelSaveDir, toLocalPath } from './paths.js';
import { ModelCheckpoint } from './checkpoint.js';
import { unprivilegedPrefix } from '../test-utils/unprivileged.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = await mkdtemp(join(tmpdir(), 'nerva-paths-test-'));
after(() => rm(work, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (label: string): string => join(work, `${label}-${dirCount++}`);

function tinyModel(): Sequential {
  return new Sequential([layers.dense({ units: 2, inputShape: [3] })]);
}
const weightsOf = (m: Sequential): number[][] => m.getWeights().map((w) => Array.from(w.values));

/** Asserts that `p` rejects with an error of class `cls` whose message matches every pattern. */
async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, ...patterns: RegExp[]): Promise<string> {
  const e = await p.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
  for (const re of patterns) assert.match(e.message, re);
  return e.message;
}

/**
 * Runs `code` (an ES module body with `dir` and `src` in scope) in a child node with tsx, killed
 * with SIGKILL after `ms` (a hang in open() survives anything gentler). Returns its stdout.
 */
function inChild(code: string, vars: Record<string, string>, ms = 30_000, prefix: string[] = []): { out: string; killed: boolean; err: string } {
  const prelude = Object.entries(vars).map(([k, v]) => `const ${k} = ${JSON.stringify(v)};`).join('\n');
  const argv = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', `${prelude}\n${code}`];
  const [cmd, ...args] = [...prefix, ...argv];
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: ms,
    killSignal: 'SIGKILL',
  });
  return { out: r.stdout ?? '', err: r.stderr ?? '', killed: r.signal === 'SIGKILL' };
}

const SRC = join(ROOT, 'src');
/** Child code: loads (or saves a tiny model to) `target` and prints the error's class and message. */
const LOAD_IN_CHILD = `
const { loadModel } = await import(src + '/io/model-io.ts');
try { await loadModel(target); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); }
process.exit(0);`;
const SAVE_IN_CHILD = `
const { Sequential } = await import(src + '/models/sequential.ts');
const layers = await import(src + '/layers/index.ts');
const m = new Sequential([layers.dense({ units: 2, inputShape: [3] })]);
try { await m.save(target); console.log('saved'); } catch (e) { console.log(e.name + ': ' + e.message); }
process.exit(0);`;

// ---- BUG-7: file:// URLs ---------------------------------------------------------------------

test('BUG-7: save and load take file:// URLs (absolute, percent-escaped, file://./relative as TF.js)', async () => {
  const base = freshDir('url');
  const m = tinyModel();
  await m.save(`file://${base}/m`);
  assert.ok(existsSync(join(base, 'm', 'model.json')), 'saved into the folder the URL names');
  assert.ok(!existsSync(join(ROOT, 'file:')), 'no folder literally named file:');
  for (const where of [`file://${base}/m`, `file://${base}/m/model.json`, pathToFileURL(join(base, 'm')).href]) {
    assert.deepEqual(weightsOf(await loadModel(where)), weightsOf(m), where);
  }
  // A space is %20 in a URL; the folder gets the real name.
  await m.save(pathToFileURL(join(base, 'my model')).href);
  assert.ok(existsSync(join(base, 'my model', 'model.json')));
  assert.deepEqual(weightsOf(await loadModel(`file://${base}/my%20model`)), weightsOf(m));
  // TF.js users write file://./my-model: like tfjs-node, what follows file:// is a path, relative
  // ones against the working directory.
  const rel = relative(process.cwd(), join(base, 'rel'));
  await m.save(`file://./${rel}`);
  assert.ok(existsSync(join(base, 'rel', 'model.json')));
  assert.deepEqual(weightsOf(await loadModel(`file://${rel}/model.json`)), weightsOf(m));
  assert.equal(toLocalPath('file://./my-model', 'save', 'x'), './my-model');
  assert.equal(toLocalPath('file:///tmp/a%20b', 'save', 'x'), '/tmp/a b');
  assert.equal(toLocalPath('file://localhost/tmp/x', 'save', 'x'), '/tmp/x');
});

test('BUG-7: other URL schemes are refused, saying what nerva supports', async () => {
  const m = tinyModel();
  const cases: [string, RegExp][] = [
    ['http://example.com/model.json', /download model\.json and its weight files into a folder first/],
    ['https://example.com/m', /download/],
    ['indexeddb://my-model', /indexeddb:\/\/ is browser storage in TF\.js; nerva runs on Node\.js/],
    ['localstorage://my-model', /browser storage/],
    ['downloads://my-model', /browser storage/],
  ];
  for (const [url, hint] of cases) {
    const scheme = url.slice(0, url.indexOf(':'));
    const common = new RegExp(`"${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is a ${scheme}:// URL; nerva saves and loads models on the local file system only: give a folder path or a file:// URL`);
    await rejects(m.save(url), UnsupportedError, /^save: /, common, hint);
    await rejects(loadModel(url), UnsupportedError, /^loadModel: /, common, hint);
  }
  await rejects(loadModel(new URL('https://example.com/m') as unknown as string), UnsupportedError, /https:\/\/ URL/);
  await rejects(m.save('file://'), ArgumentError, /"file:\/\/" names no path/);
  await rejects(m.save('file:///tmp/100%'), ArgumentError, /is not a valid file URL/);
});

// ---- item 5: what save and loadModel are given -----------------------------------------------

test('save: x/model.json writes into x/; a Keras .keras/.h5 name or another .json name is refused', async () => {
  const d = freshDir('names');
  await tinyModel().save(join(d, 'model.json'));
  const files = (await readdir(d)).sort();
  assert.equal(files[0], 'model.json');
  assert.match(files[1], /^weights\.[0-9a-f]{16}\.bin$/);
  for (const name of ['my_model.keras', 'my_model.h5', 'MODEL.H5', 'm.hdf5']) {
    await rejects(
      tinyModel().save(join(d, name)),
      UnsupportedError,
      new RegExp(`save: ".*${name.replace('.', '\\.')}" names a Keras \\.(keras|h5|hdf5) file; nerva saves the TensorFlow\\.js layers format, a folder holding model\\.json and a weights file: give a folder name such as ".*${name.split('.')[0]}"`, 'i'),
    );
    assert.ok(!existsSync(join(d, name)), `${name}: nothing created`);
  }
  await rejects(tinyModel().save(join(d, 'sub', 'weights.json')), ArgumentError, /names a \.json file; save writes a folder holding model\.json: give the folder \(".*sub"\) or ".*sub\/model\.json"/);
  assert.equal(modelSaveDir('out/model.json', 'save'), join(process.cwd(), 'out'));
});

test('ModelCheckpoint refuses a Keras file name or a URL when it is made, not after the first epoch', () => {
  assert.throws(() => new ModelCheckpoint({ filepath: 'ckpt-{epoch:02d}.keras' }), (e: unknown) => e instanceof UnsupportedError && /^modelCheckpoint: "ckpt-0\.keras" names a Keras \.keras file/.test(e.message));
  assert.throws(() => new ModelCheckpoint({ filepath: 'best.h5' }), /names a Keras \.h5 file/);
  assert.throws(() => new ModelCheckpoint({ filepath: 'https://example.com/m' }), /https:\/\/ URL/);
  assert.doesNotThrow(() => new ModelCheckpoint({ filepath: 'file://./ckpt/m-{epoch:03d}-{val_loss:.3f}' }));
});

test('save: an existing file, an empty path, a file among the parents, a non-string: clear errors', async () => {
  const d = freshDir('bad-save');
  await mkdir(d);
  const file = join(d, 'afile');
  await writeFile(file, 'not a folder');
  await rejects(tinyModel().save(file), FileSystemError, new RegExp(`^save: ${file} is a file, not a folder; save writes a folder \\(model\\.json and a weights file\\): give a folder path$`));
  await rejects(tinyModel().save(join(file, 'sub', 'm')), FileSystemError, new RegExp(`cannot create folder ${file}/sub/m: ${file} is a file, not a folder`));
  await rejects(tinyModel().save(''), ArgumentError, /^save: the path is empty; expected a folder path such as 'models\/my-model' \(or a file:\/\/ URL\)$/);
  await rejects(tinyModel().save('  '), ArgumentError, /the path is empty/);
  await rejects(tinyModel().save(undefined as unknown as string), ArgumentError, /^save: expected a folder path .* got undefined$/);
  await rejects(tinyModel().save(7 as unknown as string), ArgumentError, /got the number 7$/);
  await rejects(tinyModel().save('a\0b'), ArgumentError, /contains a NUL character/);
});

test('loadModel(undefined) / loadModel(42) / loadModel({}) name the expected type', async () => {
  const what = /^loadModel: expected a path \(a model folder or its model\.json\) or a file:\/\/ URL, got /;
  await rejects(loadModel(undefined as unknown as string), ArgumentError, what, /got undefined$/);
  await rejects(loadModel(42 as unknown as string), ArgumentError, what, /got the number 42$/);
  await rejects(loadModel({} as unknown as string), ArgumentError, what, /got an object$/);
  await rejects(loadModel(''), ArgumentError, /^loadModel: the path is empty/);
});

test('a model.json nested 100,000 levels deep is a FormatError (no stack overflow), in files and in memory', async () => {
  const d = freshDir('deep');
  await mkdir(d);
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  for (const text of [deep, `{"modelTopology": ${deep}}`, `{"modelTopology": {"class_name": "Sequential", "config": {"layers": ${deep}}}}`]) {
    await writeFile(join(d, 'model.json'), text);
    await rejects(readModelArtifacts(d), FormatError, /model\.json: JSON nested more than 200 levels deep \(a model\.json is a few levels deep\); refusing it/);
    await rejects(loadModel(d), FormatError, /nested more than 200 levels/);
  }
  // Invalid and deep: the syntax-error locator copes too.
  await writeFile(join(d, 'model.json'), '['.repeat(100_000));
  await rejects(readModelArtifacts(d), FormatError, /not valid JSON/);
  // An object that refers to itself (only possible in memory).
  const cyclic: { [k: string]: unknown } = { class_name: 'Sequential' };
  cyclic.config = cyclic;
  assert.throws(() => artifactsFromMemory({ modelTopology: cyclic }, new ArrayBuffer(0), 'memory'), (e: unknown) => e instanceof FormatError && /memory: JSON nested more than 200/.test(e.message));
});

// ---- BUG-8: FIFOs, devices, directories named model.json -------------------------------------

const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

test('BUG-8: loadModel on a FIFO named model.json fails at once instead of hanging (child process)', { skip: hasMkfifo ? false : 'no mkfifo here' }, async () => {
  const d = freshDir('fifo');
  await mkdir(d);
  assert.equal(spawnSync('mkfifo', [join(d, 'model.json')]).status, 0);
  for (const target of [d, join(d, 'model.json'), `file://${d}/model.json`]) {
    const r = inChild(LOAD_IN_CHILD, { src: SRC, target });
    assert.equal(r.killed, false, `loadModel(${target}) hung and was killed: ${r.err}`);
    assert.match(r.out, /^FormatError: .*model\.json: is not a regular file \(it is a FIFO \(named pipe\)\)/, r.out + r.err);
  }
  // A FIFO as a weights file (a .tar upload can carry one).
  const w = freshDir('fifo-weights');
  await tinyModel().save(w);
  const weights = (await readdir(w)).find((f) => f.startsWith('weights.'))!;
  await rm(join(w, weights));
  assert.equal(spawnSync('mkfifo', [join(w, weights)]).status, 0);
  const r = inChild(LOAD_IN_CHILD, { src: SRC, target: w });
  assert.equal(r.killed, false, 'hung on a FIFO weights file');
  assert.match(r.out, /^FormatError: .*is not a regular file/, r.out + r.err);
});

test('BUG-8: a device or a folder named model.json is "not a regular file"', async () => {
  await rejects(loadModel('/dev/null'), FormatError, /^\/dev\/null: is not a regular file \(it is a character device\)$/);
  const d = freshDir('dir-json');
  mkdirSync(join(d, 'model.json'), { recursive: true });
  await rejects(loadModel(d), FormatError, /model\.json: is not a regular file \(it is a directory\)/);
});

// ---- Node traps: /proc, read-only file systems, permissions ----------------------------------

test("save('/proc/x') fails fast with a clear error (Node 20's recursive mkdir spins forever there)", { skip: existsSync('/proc/self') ? false : 'no /proc' }, () => {
  for (const target of ['/proc/x', '/proc/x/y/model']) {
    const r = inChild(SAVE_IN_CHILD, { src: SRC, target });
    assert.equal(r.killed, false, `save(${target}) spun and was killed`);
    assert.match(r.out, /^FileSystemError: save: cannot create folder \/proc\/x: the file system does not allow new folders in \/proc$/m, r.out + r.err);
  }
});

/** Whether this machine lets an unprivileged user namespace mount a read-only tmpfs. */
function canMountReadOnly(): boolean {
  const probe = freshDir('ro-probe');
  mkdirSync(probe, { recursive: true });
  return spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o ro none ${probe}`]).status === 0;
}

test('a read-only file system is reported as read-only (EROFS), naming the path, not as ENOENT', { skip: process.platform !== 'linux' || !canMountReadOnly() ? 'cannot mount a read-only tmpfs here (needs user namespaces)' : false }, () => {
  const ro = freshDir('ro');
  mkdirSync(ro, { recursive: true });
  const script = `mount -t tmpfs -o ro none ${ro} && exec "$0" "$@"`;
  const code = `${SAVE_IN_CHILD.replace('process.exit(0);', '')}
const { mkdirSync } = await import('node:fs');
try { mkdirSync(target + '/recursive', { recursive: true }); } catch (e) { console.log('node says: ' + e.code); }
process.exit(0);`;
  for (const target of [ro, join(ro, 'm', 'deeper')]) {
    const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, process.execPath, '--import', 'tsx', '--input-type=module', '-e', `const src = ${JSON.stringify(SRC)}; const target = ${JSON.stringify(target)};\n${code}`], {
      cwd: ROOT, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL',
    });
    assert.equal(r.signal, null, r.stderr);
    const what = target === ro ? `write into ${ro}` : `create folder ${join(ro, 'm')}`;
    assert.match(r.stdout, new RegExp(`^FileSystemError: save: cannot ${what}: the file system is read-only \\(EROFS\\): choose a writable location$`, 'm'), r.stdout + r.stderr);
  }
});

const unprivileged = unprivilegedPrefix();
test('a folder without write permission is reported as permission denied (EACCES), naming the path', { skip: typeof unprivileged === 'string' ? unprivileged : false }, async () => {
  const d = freshDir('no-write');
  await mkdir(d, { mode: 0o755 });
  const locked = join(d, 'locked');
  await mkdir(locked, { mode: 0o555 });
  // Root ignores permissions: the save runs with its capabilities dropped (test-utils/unprivileged.ts).
  for (const target of [locked, join(locked, 'sub')]) {
    const r = inChild(SAVE_IN_CHILD, { src: SRC, target }, 30_000, typeof unprivileged === 'string' ? [] : unprivileged);
    assert.equal(r.killed, false);
    const what = target === locked ? `write into ${locked}` : `create folder ${join(locked, 'sub')}`;
    assert.match(r.out, new RegExp(`^FileSystemError: save: cannot ${what}: permission denied \\(EACCES\\): choose a location you can write to$`, 'm'), r.out + r.err);
  }
});
