// Every code block that imports nerva in README.md, README.ko.md and docs/*.md runs as written:
// each is written to a file inside the package (so `import ... from 'nerva'` resolves to this
// package's own build, as in a user's project) and run in a fresh Node process from an empty
// working directory. A block must therefore be complete: its imports, its data, its epochs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function markdownFiles(): string[] {
  const files = ['README.md', 'README.ko.md'].map((f) => join(root, f)).filter(existsSync);
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === 'api' && dir === join(root, 'docs')) continue; // the generated reference
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) files.push(p);
    }
  };
  if (existsSync(join(root, 'docs'))) walk(join(root, 'docs'));
  return files;
}

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
}

/** Fenced blocks in JS/TS that use nerva (an import or a require of 'nerva'). */
export function nervaBlocks(file: string): Block[] {
  const text = readFileSync(file, 'utf8');
  const out: Block[] = [];
  const re = /^```(ts|typescript|js|javascript|mjs|cjs)[^\n]*\n([\s\S]*?)^```/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const code = m[2];
    if (!/from ['"]nerva['"]|require\(['"]nerva['"]\)/.test(code)) continue;
    out.push({ file, line: text.slice(0, m.index).split('\n').length, lang: m[1], code });
  }
  return out;
}

const scratch = join(root, '.tmp', 'doc-blocks');
// tsx runs the TypeScript blocks; resolved here, since the blocks run from an empty directory.
const tsx = import.meta.resolve('tsx');
mkdirSync(scratch, { recursive: true });

for (const file of markdownFiles()) {
  for (const block of nervaBlocks(file)) {
    const where = `${relative(root, file)}:${block.line}`;
    test(`${where} runs as written`, () => {
      const commonJs = block.lang === 'cjs' || /require\(['"]nerva['"]\)/.test(block.code);
      const name = `${where.replace(/[^A-Za-z0-9]+/g, '-')}.${commonJs ? 'cts' : 'mts'}`;
      const path = join(scratch, name);
      writeFileSync(path, block.code);
      const cwd = mkdtempSync(join(tmpdir(), 'nerva-doc-block-'));
      try {
        // A hang guard, not a speed check: a block that trains for real may take a minute on a busy machine.
        const r = spawnSync(process.execPath, ['--import', tsx, path], { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, NO_COLOR: '1' } });
        assert.equal(r.status, 0, `${where} exited with ${r.status ?? r.signal}\n--- stderr ---\n${r.stderr}\n--- stdout (end) ---\n${r.stdout.slice(-2000)}`);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  }
}
