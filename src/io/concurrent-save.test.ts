// Overlapping saves into one folder (BUG-1): from one process (un-awaited saves, two models) and from
// two processes at once, the folder always holds exactly one complete model and the last save wins.
// Also the save lock's rules: a dead owner's lock is taken over, a live owner's lock is waited for,
// and cleanup never deletes a file another writer may still need.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, utimes, stat } from 'node:fs/promises';
import { tmpdir, hostname } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sequential } from '../models/sequential.js';
import * as layers from '../layers/index.js';
import { Tensor } from '../tensor/tensor.js';
import { setSeed } from '../tensor/random.js';
import { loadModel } from './model-io.js';
import { readModelArtifacts, writeModelArtifacts, type ModelArtifacts } from './artifacts.js';
import { crashModel } from './crash-child.js';
import { LOCK_FILE, STALE_MS } from './lock.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'nerva-concurrent-save-'));
after(() => rm(work, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (label: string): string => join(work, `${label}-${dirCount++}`);

const xs = new Tensor(Float32Array.from([-1, 0, 1, 2, 3, 4]), [6, 1], 'float32');
const ys = new Tensor(Float32Array.from([-3, -1, 1, 3, 5, 7]), [6, 1], 'float32');

function linearModel(units = 1): Sequential {
  const m = new Sequential([layers.dense({ units, inputShape: [1] })]);
  m.compile({ optimizer: 'sgd', loss: 'mean_squared_error' });
  return m;
}

const weightsOf = (m: Sequential): number[][] => m.getWeights().map((w) => Array.from(w.values));

/** The folder holds model.json and the one weights file it names, nothing else of ours. */
async function assertOneCompleteModel(dir: string): Promise<void> {
  const files = (await readdir(dir)).sort();
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  assert.deepEqual(files, ['model.json', json.weightsManifest[0].paths[0]].sort(), `files: ${files.join(', ')}`);
}

test('BUG-1 repro: an un-awaited save, a fit, a second save: both succeed and the folder holds the second model', async () => {
  setSeed(1);
  for (let attempt = 0; attempt < 10; attempt++) {
    const dir = freshDir('repro');
    const model = linearModel();
    const first = model.save(dir); // not awaited: a request handler, an onBatchEnd callback...
    await model.fit(xs, ys, { epochs: 3, verbose: 0 });
    const second = model.save(dir);
    const settled = await Promise.allSettled([first, second]);
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled'], JSON.stringify(settled));
    await assertOneCompleteModel(dir);
    const loaded = await loadModel(dir);
    assert.deepEqual(weightsOf(loaded), weightsOf(model), `attempt ${attempt}: the folder must hold the second (trained) model`);
  }
});

test('BUG-1: two models saved into one folder at once: the later call wins, nothing is lost', async () => {
  for (let attempt = 0; attempt < 10; attempt++) {
    const dir = freshDir('two');
    const a = linearModel(1);
    const b = linearModel(3);
    await Promise.all([a.save(dir), b.save(dir), a.save(dir), b.save(dir)]);
    await assertOneCompleteModel(dir);
    const loaded = await loadModel(dir);
    assert.deepEqual(weightsOf(loaded), weightsOf(b));
  }
});

test('BUG-1: un-awaited saves from a callback during fit, then a final save: loads the final model', async () => {
  const dir = freshDir('during-fit');
  const model = linearModel();
  const pending: Promise<void>[] = [];
  await model.fit(xs, ys, {
    epochs: 6,
    batchSize: 2,
    verbose: 0,
    callbacks: [{ onBatchEnd: () => void pending.push(model.save(dir)) }],
  });
  pending.push(model.save(dir));
  const settled = await Promise.allSettled(pending);
  assert.ok(settled.every((s) => s.status === 'fulfilled'), JSON.stringify(settled.filter((s) => s.status === 'rejected')));
  await assertOneCompleteModel(dir);
  assert.deepEqual(weightsOf(await loadModel(dir)), weightsOf(model));
});

test('saves through different spellings of one folder (relative, trailing slash, model.json) queue up too', async () => {
  const dir = freshDir('spellings');
  const a = linearModel(2);
  const b = linearModel(4);
  const rel = join(dir, '..', dir.split('/').pop()!);
  await Promise.all([a.save(dir), b.save(`${rel}/`), a.save(join(dir, 'model.json')), b.save(dir)]);
  await assertOneCompleteModel(dir);
  assert.deepEqual(weightsOf(await loadModel(dir)), weightsOf(b));
});

function sameModel(got: ModelArtifacts, want: ModelArtifacts): boolean {
  if (JSON.stringify(got.modelTopology) !== JSON.stringify(want.modelTopology)) return false;
  return got.weights.every((w, i) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(
    Buffer.from(want.weights[i].data.buffer, want.weights[i].data.byteOffset, want.weights[i].data.byteLength),
  ));
}

/**
 * Starts crash-child to save `count` times once told to go (`go()`, after `ready` resolves), so that
 * two children start saving together whatever their start-up times; `done` gives its save times.
 */
function saver(dir: string, count: number, first: 'A' | 'B'): { ready: Promise<void>; go: () => void; done: Promise<number[]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'crash-child.ts'), dir, String(count), first, 'wait'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const times: number[] = [];
  let err = '';
  let out = '';
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    if (out.includes('ready\n')) onReady();
    for (const c of s) if (c === '.') times.push(performance.now());
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  return {
    ready,
    go: () => child.stdin.write('go\n'),
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(times) : reject(new Error(`saver ${first} exited with ${code}: ${err}`))));
    }),
  };
}

test('BUG-1 across processes: two processes saving into one folder in a loop; every load in between is complete', async (t) => {
  const dir = freshDir('processes');
  const A = crashModel('A');
  const B = crashModel('B');
  await writeModelArtifacts(dir, A);
  const count = 30;
  const one = saver(dir, count, 'A');
  const two = saver(dir, count, 'B');
  await Promise.all([one.ready, two.ready]);
  one.go();
  two.go();
  let running = true;
  const both = Promise.all([one.done, two.done]).finally(() => (running = false));
  let loads = 0;
  const seen = { A: 0, B: 0 };
  while (running) {
    const got = await readModelArtifacts(dir);
    const which = sameModel(got, A) ? 'A' : sameModel(got, B) ? 'B' : null;
    assert.ok(which, `load ${loads + 1} found neither model A nor model B`);
    seen[which]++;
    loads++;
  }
  const [timesOne, timesTwo] = await both;
  assert.equal(timesOne.length, count);
  assert.equal(timesTwo.length, count);
  // Neither process waited for the other to finish all its saves: the lock lets waiters in.
  const endOne = timesOne[count - 1];
  const endTwo = timesTwo[count - 1];
  const doneByOtherEnd = Math.min(timesTwo.filter((x) => x < endOne).length, timesOne.filter((x) => x < endTwo).length);
  t.diagnostic(`${loads} loads (A ${seen.A}, B ${seen.B}); saves of the slower process done before the faster finished: ${doneByOtherEnd}/${count}`);
  assert.ok(doneByOtherEnd >= count / 4, `one process starved: only ${doneByOtherEnd} of its ${count} saves ran while the other saved`);
  // Once both are done, the folder holds one complete model and no lock.
  const files = await readdir(dir);
  assert.ok(!files.includes(LOCK_FILE), files.join(', '));
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  assert.ok(files.includes(json.weightsManifest[0].paths[0]));
  assert.equal(files.filter((f) => f.startsWith('weights.')).length, 1, files.join(', '));
});

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

test('a lock left by a dead process on this host is taken over at once, and its leftovers are removed', async () => {
  const dir = freshDir('dead-lock');
  await writeModelArtifacts(dir, crashModel('A'));
  const pid = deadPid();
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), token: 'gone' }));
  // What the dead writer left: its weights (never committed) and a temp file.
  await writeFile(join(dir, 'weights.00000000deadbeef.bin'), 'orphan');
  await writeFile(join(dir, `.nerva-model.json.${pid}-abc123.tmp`), 'half');
  const started = performance.now();
  await writeModelArtifacts(dir, crashModel('B'));
  assert.ok(performance.now() - started < STALE_MS, 'took over without waiting for the age limit');
  await assertOneCompleteModel(dir);
  assert.ok(sameModel(await readModelArtifacts(dir), crashModel('B')));
});

test('a lock held by a live process is waited for; the save goes ahead once it is released', async () => {
  const dir = freshDir('live-lock');
  await writeModelArtifacts(dir, crashModel('A'));
  const lock = join(dir, LOCK_FILE);
  // The test runner that started this process is alive and on this host.
  await writeFile(lock, JSON.stringify({ pid: process.ppid, host: hostname(), token: 'live' }));
  let settled = false;
  const save = writeModelArtifacts(dir, crashModel('B')).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(settled, false, 'the save must wait while another process holds the lock');
  assert.ok(sameModel(await readModelArtifacts(dir), crashModel('A')));
  await rm(lock);
  await save;
  assert.ok(sameModel(await readModelArtifacts(dir), crashModel('B')));
  await assertOneCompleteModel(dir);
});

test('a lock nobody refreshed for the age limit (another host, a hung process) is taken over', async () => {
  const dir = freshDir('old-lock');
  const lock = join(dir, LOCK_FILE);
  await writeModelArtifacts(dir, crashModel('A'));
  for (const content of [JSON.stringify({ pid: process.ppid, host: 'some-other-host', token: 'old' }), '']) {
    await writeFile(lock, content);
    const old = new Date(Date.now() - STALE_MS - 5000);
    await utimes(lock, old, old);
    await writeModelArtifacts(dir, crashModel('B'));
    await assertOneCompleteModel(dir);
  }
});

test('cleanup keeps files a live writer may still need: fresh unreferenced weights and live temp files', async () => {
  const dir = freshDir('cleanup');
  await writeModelArtifacts(dir, crashModel('A'));
  const before = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths[0];
  // A weights file another writer has just written (not yet committed), and its temp file.
  const fresh = 'weights.0123456789abcdef.bin';
  const liveTemp = `.nerva-model.json.${process.ppid}-aa11.tmp`;
  await writeFile(join(dir, fresh), 'in flight');
  await writeFile(join(dir, liveTemp), 'in flight');
  // Leftovers untouched for longer than the age limit are fair game.
  const oldOrphan = 'weights.fedcba9876543210.bin';
  await writeFile(join(dir, oldOrphan), 'old');
  const old = new Date(Date.now() - STALE_MS - 5000);
  await utimes(join(dir, oldOrphan), old, old);
  await writeModelArtifacts(dir, crashModel('B'));
  const files = await readdir(dir);
  assert.ok(!files.includes(before), 'the replaced model\'s weights file is deleted');
  assert.ok(files.includes(fresh), 'a fresh weights file no model refers to may be a live writer\'s: kept');
  assert.ok(files.includes(liveTemp), 'a temp file of a live process is kept');
  assert.ok(!files.includes(oldOrphan), 'an orphan untouched for the age limit is removed');
  assert.ok((await stat(join(dir, 'model.json'))).isFile());
});
