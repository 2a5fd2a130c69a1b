import { loadWasmKernels } from '../src/backend/wasm/kernels.js';
import { convPrimitives } from '../src/backend/wasm/conv.js';
import { window2d } from '../src/ops/conv.js';
import { setNumThreads } from '../src/backend/wasm/threads.js';
import type { TensorData } from '../src/backend/backend.js';
setNumThreads(1);
const K = loadWasmKernels()!;
const P = convPrimitives(K);
const resident = process.argv.includes('--resident');
function arr(n: number) { const a = resident ? K.resident(n)! : new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; }
const td = (shape: number[]): TensorData => ({ values: arr(shape.reduce((a, b) => a * b, 1)), shape, dtype: 'float32' });
const conv = (xs: number[], ws: number[]) => ({ ...window2d('b', xs, [ws[0], ws[1]], [1, 1], [1, 1], 'valid'), outChannels: ws[3] });
const i1 = conv([128, 28, 28, 1], [3, 3, 1, 32]), i2 = conv([128, 13, 13, 32], [3, 3, 32, 64]);
const p1 = window2d('b', [128, 26, 26, 32], [2, 2], [2, 2], [1, 1], 'valid'), p2 = window2d('b', [128, 11, 11, 64], [2, 2], [2, 2], [1, 1], 'valid');
const x1 = td([128, 28, 28, 1]), w1 = td([3, 3, 1, 32]), b1 = td([32]), y1 = td([128, 26, 26, 32]), dy1 = td([128, 26, 26, 32]), dw1 = td([3, 3, 1, 32]), db1 = td([32]);
const x2 = td([128, 13, 13, 32]), w2 = td([3, 3, 32, 64]), b2 = td([64]), y2 = td([128, 11, 11, 64]), dy2 = td([128, 11, 11, 64]), dx2 = td([128, 13, 13, 32]), dw2 = td([3, 3, 32, 64]), db2 = td([64]);
const q1 = td([128, 13, 13, 32]), q2 = td([128, 5, 5, 64]), dq1 = td([128, 26, 26, 32]), dq2 = td([128, 11, 11, 64]);
const tests: [string, () => void, number][] = [
  ['conv1 fwd', () => P.conv2d(x1, w1, b1, 'relu', i1, y1), 2 * 128 * 26 * 26 * 9 * 32],
  ['conv1 bwd dw,db relu', () => P.conv2dBackward(x1, w1, y1, dy1, 'relu', i1, null, dw1, db1), 2 * 128 * 26 * 26 * 9 * 32],
  ['conv2 fwd', () => P.conv2d(x2, w2, b2, 'relu', i2, y2), 2 * 128 * 121 * 288 * 64],
  ['conv2 bwd all relu', () => P.conv2dBackward(x2, w2, y2, dy2, 'relu', i2, dx2, dw2, db2), 4 * 128 * 121 * 288 * 64],
  ['pool1 fwd', () => P.maxPool2d(y1, p1, q1), 0],
  ['pool1 bwd', () => P.maxPool2dBackward(y1, q1, p1, dq1), 0],
  ['pool2 fwd', () => P.maxPool2d(y2, p2, q2), 0],
  ['pool2 bwd', () => P.maxPool2dBackward(y2, q2, p2, dq2), 0],
];
const res: Record<string, number[]> = {};
for (let rep = 0; rep < 5; rep++) {
  for (const [name, fn] of tests) {
    fn();
    const c0 = process.cpuUsage(); let c = 0; const t0 = performance.now();
    while (performance.now() - t0 < 200) { fn(); c++; }
    const cu = process.cpuUsage(c0);
    (res[name] ??= []).push((cu.user + cu.system) / 1000 / c);
  }
}
let tot = 0;
for (const [name, , flops] of tests) { const v = res[name].sort((a, b) => a - b)[2]; tot += v; console.log(name.padEnd(24), v.toFixed(2), 'ms CPU', flops ? (flops / v / 1e6).toFixed(1) + ' GFLOP/s' : ''); }
console.log('total', tot.toFixed(1));
