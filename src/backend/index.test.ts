// Choosing a backend by name (BUG-10): only real backend names are accepted; names that every
// object inherits ('toString', '__proto__', ...) are unknown backends, not crashes or silent no-ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend, listBackends, setBackend } from './index.js';
import { ArgumentError } from '../errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('setBackend refuses inherited names and non-strings with "unknown backend", keeping the active one', () => {
  const before = getBackend().name;
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'gpu', '']) {
    assert.throws(
      () => setBackend(name),
      (e: unknown) => e instanceof ArgumentError && e.message === `setBackend: unknown backend '${name}'; available: js, wasm`,
      name,
    );
    assert.equal(getBackend().name, before, `${name} changed the backend`);
  }
  assert.throws(() => setBackend(undefined as unknown as string), /setBackend: unknown backend undefined; available: js, wasm/);
  assert.ok(listBackends().includes('js'));
});

test('NERVA_BACKEND with an inherited name fails at import with "unknown backend", not a TypeError', () => {
  for (const name of ['toString', '__proto__', 'hasOwnProperty', 'nope']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      try { const b = await import('./src/backend/index.ts'); console.log('accepted', b.getBackend().name); }
      catch (e) { console.log(e.name + ': ' + e.message); }`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NERVA_BACKEND: name } });
    assert.equal(r.stdout.trim(), `ArgumentError: NERVA_BACKEND: unknown backend '${name}'; available: js, wasm`, r.stderr);
  }
});
