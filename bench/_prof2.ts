import { loadWasmKernels } from '../src/backend/wasm/kernels.js';
const K = loadWasmKernels()!;
function res(n: number) { const a = K.resident(n)!; for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; }
const M = 86528;
const col = res(M * 9), w = res(9 * 32), out = res(M * 32);
const big = res(M * 32), big2 = res(M*32);
const tests: [string, () => void][] = [
  ['matMul 86528x9x32', () => K.matMul(col, w, M, 9, 32, false, false, out)],
  ['matMul dW 9x86528x32', () => K.matMul(col, out, 9, M, 32, true, false, w)],
  ['copy 11MB wasm->wasm', () => big2.set(big)],
  ['fill 11MB', () => big2.fill(0)],
];
for (let rep = 0; rep < 3; rep++) for (const [name, fn] of tests) {
  fn(); const c0 = process.cpuUsage(); let c = 0; const t0 = performance.now();
  while (performance.now() - t0 < 200) { fn(); c++; }
  const cu = process.cpuUsage(c0);
  console.log(name.padEnd(24), ((cu.user + cu.system) / 1000 / c).toFixed(2), 'ms CPU');
}
