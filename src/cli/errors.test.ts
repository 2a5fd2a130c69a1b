// The CLI's refusals (BUG-11, BUG-12): every option is checked before any training, and whatever
// goes wrong (bad options, an --out that is a file or cannot be written, NERVA_BACKEND=nope at
// import) prints one line `nerva: <what happened>: <what to do>` and exits non-zero, no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unprivilegedPrefix } from '../test-utils/unprivileged.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'nerva-cli-errors-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

interface Run { code: number | null; stdout: string; stderr: string }
function nerva(args: string[], opts: { env?: Record<string, string>; prefix?: string[] } = {}): Run {
  const [cmd, ...pre] = opts.prefix ?? [process.execPath];
  const r = spawnSync(cmd, [...pre, ...(opts.prefix ? [process.execPath] : []), cli, ...args], {
    encoding: 'utf8',
    cwd: root,
    timeout: 60_000,
    killSignal: 'SIGKILL',
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, exactly `line`, nothing that looks like a stack trace. */
function assertOneLine(r: Run, line: string | RegExp, code = 1): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  const first = lines[0];
  if (typeof line === 'string') assert.equal(first, line);
  else assert.match(first, line);
  assert.ok(!/\n\s+at /.test(r.stderr), `stack trace printed:\n${r.stderr}`);
  if (code === 1) assert.equal(lines.length, 1, r.stderr);
}

test('BUG-11: --epochs 0 and other out-of-range options are refused up front, writing nothing', () => {
  const out = join(work, 'not-made');
  const cases: [string[], string][] = [
    [['--epochs', '0'], 'nerva: --epochs must be >= 1, got 0'],
    [['--batch-size', '0'], 'nerva: --batch-size must be >= 1, got 0'],
    [['--limit', '0'], 'nerva: --limit must be >= 1, got 0'],
    [['--test-limit', '0'], 'nerva: --test-limit must be >= 1, got 0'],
    [['--seed', '-3'], 'nerva: --seed must be >= 0, got -3'],
    [['--seed', '1.5'], "nerva: --seed must be an integer, got '1.5'"],
    [['--epochs', '99999999999999999999'], 'nerva: --epochs is too large: 99999999999999999999'],
    [['--backend', 'toString'], "nerva: --backend: unknown or unavailable backend 'toString'; available here: js, wasm"],
    [['--out='], 'nerva: --out needs a value, got an empty string'],
  ];
  for (const [args, line] of cases) {
    const r = nerva(['mnist', ...args, ...(args[0] === '--out=' ? [] : ['--out', out])]);
    assertOneLine(r, line, 2);
    assert.equal(r.stderr.split('\n')[1], "Run 'nerva --help' for usage.");
    assert.equal(existsSync(out), false, `${args.join(' ')} created --out`);
  }
});

test('BUG-12: --out that is a file, under /proc, or inside a file: one line, before any training', () => {
  const file = join(work, 'afile');
  writeFileSync(file, 'keep me');
  assertOneLine(nerva(['mnist', '--out', file]), `nerva: --out: ${file} is a file, not a folder; nerva mnist writes its results into a folder: give a folder path`);
  assertOneLine(nerva(['mnist', '--out', join(file, 'sub')]), `nerva: --out: cannot create folder ${join(file, 'sub')}: ${file} is a file, not a folder`);
  if (existsSync('/proc/self')) {
    assertOneLine(nerva(['mnist', '--out', '/proc/x']), 'nerva: --out: cannot create folder /proc/x: the file system does not allow new folders in /proc');
  }
});

test('BUG-12: NERVA_BACKEND=nope prints one clean line (the error is thrown while the library loads)', () => {
  for (const args of [['mnist', '--limit', '10'], ['summary', join(work, 'm')]]) {
    assertOneLine(nerva(args, { env: { NERVA_BACKEND: 'nope' } }), "nerva: NERVA_BACKEND: unknown backend 'nope'; available: js, wasm");
  }
});

const unprivileged = unprivilegedPrefix();
test('BUG-12: --out without write permission says so, naming the folder (capabilities dropped when root)', { skip: typeof unprivileged === 'string' ? unprivileged : false }, () => {
  const asUser = typeof unprivileged !== 'string' && unprivileged.length > 0 ? { prefix: unprivileged } : {};
  const locked = join(work, 'locked');
  mkdirSync(locked, { mode: 0o555 });
  const r = nerva(['mnist', '--out', join(locked, 'out')], asUser);
  assertOneLine(r, `nerva: --out: cannot create folder ${join(locked, 'out')}: permission denied (EACCES): choose a location you can write to`);
  const r2 = nerva(['mnist', '--out', locked], asUser);
  assertOneLine(r2, `nerva: --out: cannot write into ${locked}: permission denied (EACCES): choose a location you can write to`);
  // Reading is refused as plainly: a model folder nobody may read.
  const model = join(work, 'secret');
  mkdirSync(model, { mode: 0o700 });
  writeFileSync(join(model, 'model.json'), '{}');
  chmodSync(model, 0o000);
  const r3 = nerva(['summary', model], asUser);
  assertOneLine(r3, `nerva: loadModel: cannot read ${join(model, 'model.json')}: permission denied (EACCES)`);
});

function canMountReadOnly(): boolean {
  const probe = join(work, 'ro-probe');
  mkdirSync(probe, { recursive: true });
  return spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o ro none ${probe}`]).status === 0;
}

test('BUG-12: --out on a read-only file system says read-only (EROFS), not ENOENT', { skip: process.platform !== 'linux' || !canMountReadOnly() ? 'cannot mount a read-only tmpfs here (needs user namespaces)' : false }, () => {
  const ro = join(work, 'ro');
  mkdirSync(ro);
  const mount = ['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o ro none ${ro} && exec "$0" "$@"`];
  const r = nerva(['mnist', '--out', join(ro, 'a', 'b')], { prefix: mount });
  assertOneLine(r, `nerva: --out: cannot create folder ${join(ro, 'a')}: the file system is read-only (EROFS): choose a writable location`);
  assert.deepEqual(readdirSync(ro), []);
});
