// Crash test of the atomic save: a child process saves models A and B alternately and is SIGKILLed at
// random moments; after every kill the directory must load as exactly A or exactly B.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { readModelArtifacts, writeModelArtifacts, type ModelArtifacts } from './artifacts.js';
import { crashModel } from './crash-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = dirname(HERE);
const work = await mkdtemp(join(tmpdir(), 'nerva-crash-test-'));
after(() => rm(work, { recursive: true, force: true }));

/**
 * Transpiles the child and what it imports to plain JS once. Starting `node --import tsx` costs about
 * 0.9 s per process here, too slow for 30 kills; plain node starts in ~50 ms. Same code, types stripped.
 */
async function transpileChild(out: string): Promise<string> {
  const files = ['errors.ts', 'io/artifacts.ts', 'io/atomic.ts', 'io/lock.ts', 'io/paths.ts', 'io/crash-child.ts'];
  await mkdir(join(out, 'io'), { recursive: true });
  await writeFile(join(out, 'package.json'), '{"type": "module"}');
  for (const f of files) {
    const js = ts.transpileModule(await readFile(join(SRC, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    await writeFile(join(out, f.replace(/\.ts$/, '.js')), js);
  }
  return join(out, 'io', 'crash-child.js');
}

/** Runs the child, SIGKILLs it `delayMs` after it reports ready; resolves with its completed saves. */
function runAndKill(args: string[], delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let scheduled = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (!scheduled && out.includes('ready\n')) {
        scheduled = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`crash child ended by itself (code ${code}): ${err}`));
      else resolve(out.split('.').length - 1);
    });
  });
}

function sameModel(got: ModelArtifacts, want: ModelArtifacts): boolean {
  if (JSON.stringify(got.modelTopology) !== JSON.stringify(want.modelTopology)) return false;
  if (got.weights.length !== want.weights.length) return false;
  return got.weights.every((w, i) => {
    const v = want.weights[i];
    return (
      w.name === v.name &&
      w.dtype === v.dtype &&
      JSON.stringify(w.shape) === JSON.stringify(v.shape) &&
      Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength))
    );
  });
}

test('SIGKILL at random moments during saves always leaves model A or model B, complete', async (t) => {
  const dir = join(work, 'model');
  const A = crashModel('A');
  const B = crashModel('B');
  await writeModelArtifacts(dir, A); // so there is a model before the first kill
  const childJs = await transpileChild(join(work, 'child'));
  const kills = 30;
  let saves = 0;
  let leftovers = 0;
  const seen = { A: 0, B: 0 };
  for (let k = 0; k < kills; k++) {
    // The first run uses tsx exactly as a developer would run the helper; the rest the transpiled copy.
    const args = k === 0 ? ['--import', 'tsx', join(HERE, 'crash-child.ts'), dir] : [childJs, dir];
    saves += await runAndKill(args, 5 + Math.random() * 55);
    const got = await readModelArtifacts(dir);
    const which = sameModel(got, A) ? 'A' : sameModel(got, B) ? 'B' : null;
    assert.ok(which, `after kill ${k + 1} the directory holds neither model A nor model B`);
    seen[which]++;
    if ((await readdir(dir)).length > 2) leftovers++;
  }
  t.diagnostic(`${kills} kills, ${saves} completed saves, loaded A ${seen.A}x / B ${seen.B}x, ${leftovers} kills left temp or old files`);
  assert.ok(saves > 0, 'the child never completed a save, so no kill happened during an overwrite');
  // The next normal save clears whatever the killed writers left behind.
  await writeModelArtifacts(dir, B);
  const files = (await readdir(dir)).sort();
  assert.equal(files.length, 2, files.join(', '));
  assert.equal(files[0], 'model.json');
  assert.ok(sameModel(await readModelArtifacts(dir), B));
});
