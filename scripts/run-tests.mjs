// Finds every *.test.ts under src/ and test/ and runs them with Node's own test runner (via tsx),
// because Node 20's `--test` cannot glob for .ts files by itself.
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
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
