// Compiles the AssemblyScript kernels (src/backend/wasm/assembly/) into the committed
// src/backend/wasm/nerva*.wasm builds and copies them, with the plain-JS thread-pool worker
// (matmul-worker.mjs), next to the compiled JS in dist/backend/wasm/, since tsc copies neither.
// Deterministic: same sources, same bytes.
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

// Builds of one source: the baseline needs only 128-bit SIMD (Node 20 default); the relaxed
// one uses f32x4.relaxed_madd (FMA) and is picked at load time where the engine validates it.
// The two -shared builds are the same kernels over an imported shared memory, so that the thread
// pool (../src/backend/wasm/threads.ts) can run one instance per thread on one memory. Shared memory
// must declare a maximum: 32768 pages = 2 GiB, which V8 reserves as address space only.
const SHARED = ['--importMemory', '--sharedMemory', '--maximumMemory', '32768'];
const variants = [
  { out: 'nerva.wasm', enable: ['simd'] },
  { out: 'nerva-relaxed.wasm', enable: ['simd', 'relaxed-simd'] },
  { out: 'nerva-shared.wasm', enable: ['simd', 'threads'], extra: SHARED },
  { out: 'nerva-shared-relaxed.wasm', enable: ['simd', 'relaxed-simd', 'threads'], extra: SHARED },
];
/** Plain-JS files that ship beside the kernels as they are. */
const copied = ['matmul-worker.mjs'];

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
      ...(v.extra ?? []),
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
  for (const f of copied) copyFileSync(join(srcDir, f), join(distDir, f));
}

const t0 = performance.now();
if (!process.argv.includes('--copy')) await compile();
copyToDist();
console.log(`build-wasm: ${[...variants.map((v) => v.out), ...copied].join(', ')} in ${Math.round(performance.now() - t0)} ms`);
