// Builds dist/ when it is missing or older than the sources, so that `npm run mnist` works on a
// fresh clone (npm install no longer builds: the build runs on `npm pack`, not on install) without
// paying for a rebuild on every run. "Older": any file under src/ (tests aside), package.json or a
// tsconfig changed after the oldest of the build's key outputs was written. The .wasm files in src/
// are left out: the build itself rewrites them (from assembly/, which is checked) after tsc ran.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = ['dist/index.js', 'dist/cli/main.js', 'dist/backend/wasm/nerva.wasm'].map((p) => join(root, p));

function newestSource(dir, newest = 0) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) newest = newestSource(p, newest);
    else if (!name.endsWith('.test.ts') && !name.endsWith('.wasm')) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

const built = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : -1;
const sources = Math.max(
  newestSource(join(root, 'src')),
  ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs),
);
if (built < sources) {
  console.error(built < 0 ? 'nerva: building dist/ (first run)...' : 'nerva: sources changed, rebuilding dist/...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(r.status ?? 1);
}
