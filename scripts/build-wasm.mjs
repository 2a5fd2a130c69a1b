// Compiles the AssemblyScript kernels (src/backend/wasm/assembly/) into the committed
// src/backend/wasm/nerva.wasm (+ nerva-relaxed.wasm) and copies both next to the compiled JS in
// dist/backend/wasm/, since tsc does not copy .wasm files. Deterministic: same sources, same bytes.
//
//   node scripts/build-wasm.mjs            compile, then copy to dist/
//   node scripts/build-wasm.mjs --copy     only copy the committed .wasm files to dist/ (no compiler)
import { copyFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src/backend/wasm');
const distDir = join(root, 'dist/backend/wasm');
const entry = join(srcDir, 'assembly/index.ts');

// Two builds of one source: the baseline needs only 128-bit SIMD (Node 20 default); the relaxed
// one uses f32x4.relaxed_madd (FMA) and is picked at load time where the engine validates it.
const variants = [
  { out: 'nerva.wasm', enable: ['simd'] },
  { out: 'nerva-relaxed.wasm', enable: ['simd', 'relaxed-simd'] },
];

async function compile() {
  const { default: asc } = await import('assemblyscript/asc');
  for (const v of variants) {
    const args = [
      entry,
      '--outFile', join(srcDir, v.out),
      '-O3', '--noAssert', '--converge',
      '--runtime', 'stub',
      '--initialMemory', '1',
      ...v.enable.flatMap((f) => ['--enable', f]),
    ];
    const { error, stderr } = await asc.main(args);
    if (error) {
      console.error(stderr.toString());
      throw new Error(`build-wasm: asc failed for ${v.out}: ${error.message}`);
    }
  }
}

function copyToDist() {
  mkdirSync(distDir, { recursive: true });
  // tsc compiles the AssemblyScript sources too (tsconfig includes src/**/*.ts) unless that folder
  // is excluded; those .js files are meaningless, so they do not ship.
  rmSync(join(distDir, 'assembly'), { recursive: true, force: true });
  for (const v of variants) {
    const from = join(srcDir, v.out);
    if (!existsSync(from)) throw new Error(`build-wasm: ${from} is missing; run without --copy`);
    copyFileSync(from, join(distDir, v.out));
  }
}

const t0 = performance.now();
if (!process.argv.includes('--copy')) await compile();
copyToDist();
console.log(`build-wasm: ${variants.map((v) => v.out).join(', ')} in ${Math.round(performance.now() - t0)} ms`);
