// Where the time of a training step and of predict goes: a V8 CPU profile (node:inspector) of
// MNIST-MLP training steps (batch 32, Adam) and of predict on the 10k test images, with the
// samples put in four buckets:
//   kernel  the wasm kernels (matMul, the fused Dense and optimizer kernels, ...)
//   copy    copying between JS arrays and wasm memory, and the JS-side array copies of ops
//   alloc   allocation: typed-array creation, the wasm heap's allocator, garbage collection
//   wait    the calling thread blocked on the thread pool's workers (predict's large products)
//   js      everything else: ops, autograd, the training loop, JS reference kernels
// Shares are of the calling thread's samples; per-step microseconds split the measured CPU time of
// the profiled run by those shares (the workers' CPU time is counted in it, but not in the shares).
// Not a test and not part of `npm run bench`. Run: npx tsx bench/profile.ts [--steps N] [--trained]
// --trained first trains a full epoch (1,875 steps), as a model is in the bench's epoch head to
// head: Adam's state then has the moments of inputs that stay zero decayed to nothing, which a
// fresh model's first few hundred steps do not show.
import { Session } from 'node:inspector';
import { readFileSync } from 'node:fs';
import * as nv from '../src/index.js';
import { loadWasmKernels } from '../src/backend/wasm/kernels.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] || 600);

function post<T>(s: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));
}

// Builtins show up under their own names; these are the ones that copy or allocate.
const COPY = /^(set|subarray|slice|fill|copyWithin|TypedArrayPrototype(Set|Slice|Fill)|(in|out|outAt|finish|inOut)$)/;
const ALLOC = /^(\(garbage collector\)|Float32Array|Int32Array|Uint8Array|TypedArray|allocate|malloc|release|resident|block|grow|refresh|f32|alignUp|scratch|layerOutput|allocateScratch|releaseScratch|register|unregister)$/;

/** Export names by function index, read from the module's sections (the builds carry no name section). */
function wasmExportNames(bytes: Uint8Array): Map<number, string> {
  const names = new Map<number, string>();
  let at = 8;
  const leb = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  const str = (): string => {
    const len = leb();
    const s = new TextDecoder().decode(bytes.subarray(at, at + len));
    at += len;
    return s;
  };
  const limits = (): void => {
    const flags = bytes[at++];
    leb();
    if (flags & 1) leb();
  };
  let importedFuncs = 0;
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) {
      for (let i = leb(); i > 0; i--) {
        str();
        str();
        const kind = bytes[at++];
        if (kind === 0) (leb(), importedFuncs++);
        else if (kind === 1) (at++, limits());
        else if (kind === 2) limits();
        else at += 2;
      }
    } else if (id === 7) {
      for (let i = leb(); i > 0; i--) {
        const name = str();
        const kind = bytes[at++];
        const index = leb();
        // Profiles number wasm functions from 0 over the module's own functions.
        if (kind === 0) names.set(index - importedFuncs, name);
      }
    }
    at = end;
  }
  return names;
}

let wasmNames = new Map<number, string>();

function frameName(n: ProfileNode): string {
  const m = /^wasm-function\[(\d+)\]$/.exec(n.callFrame.functionName);
  return m ? `wasm:${wasmNames.get(Number(m[1])) ?? `internal-${m[1]}`}` : n.callFrame.functionName || '(anonymous)';
}

function bucket(n: ProfileNode): 'kernel' | 'copy' | 'alloc' | 'wait' | 'js' | 'idle' {
  const { functionName: f, url } = n.callFrame;
  // The inspector's own dispatch (building the profile at Profiler.stop) is not the library's time.
  if (f === '(idle)' || f === '(program)' || f === '(root)' || (f === 'dispatch' && url === '')) return 'idle';
  if (url.startsWith('wasm://') || f.startsWith('wasm-function[')) return 'kernel';
  if (ALLOC.test(f)) return 'alloc';
  if (/threads\.ts$/.test(url) && /^(join|dispatch|dispatchRows|run)$/.test(f)) return 'wait';
  if (COPY.test(f)) return 'copy';
  return 'js';
}

const PHASES = [
  'fitLoop training.ts', 'takeRows data.ts', 'trainStep training.ts', 'call sequential.ts', 'dense nn.ts', 'softmax nn.ts',
  'sparseCategoricalCrossentropy index.ts', 'mean reduction.ts', 'backward engine.ts', 'denseBackward nn.ts',
  'applyGradients optimizer.ts', 'update index.ts', 'evaluateLoop training.ts', 'sparseCategoricalAccuracy index.ts', 'predict sequential.ts',
  'concat shape-ops.ts', 'dispatch threads.ts', '(garbage collector) ',
];

async function profile<T>(label: string, units: number, unit: string, fn: () => Promise<T> | T): Promise<void> {
  const s = new Session();
  s.connect();
  await post(s, 'Profiler.enable');
  // Coarse enough that sampling costs little of the CPU time measured alongside.
  await post(s, 'Profiler.setSamplingInterval', { interval: 250 });
  await post(s, 'Profiler.start');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuUs = (c.user + c.system) / units;
  const { profile: p } = await post<{ profile: Profile }>(s, 'Profiler.stop');
  s.disconnect();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Inclusive time of the phases of a step, by the function names on each sample's stack.
  const inclusive = new Map<string, number>();
  const totals: Record<string, number> = { kernel: 0, copy: 0, alloc: 0, wait: 0, js: 0, idle: 0 };
  const fnTotals = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = p.timeDeltas[i] ?? 0;
    totals[bucket(n)] += dt;
    const key = `${frameName(n)} ${n.callFrame.url.split('/').slice(-1)[0]}`;
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + dt);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!;
      onStack.add(`${frameName(f)} ${f.callFrame.url.split('/').slice(-1)[0]}`);
    }
    for (const f of onStack) inclusive.set(f, (inclusive.get(f) ?? 0) + dt);
  });
  const busy = totals.kernel + totals.copy + totals.alloc + totals.wait + totals.js;
  console.log(`\n${label}: ${wall.toFixed(0)} ms wall, ${cpuUs.toFixed(0)} µs of CPU per ${unit}`);
  for (const k of ['kernel', 'copy', 'alloc', 'wait', 'js'] as const) {
    const share = totals[k] / busy;
    console.log(`  ${k.padEnd(7)} ${(100 * share).toFixed(1).padStart(5)} %  ${(share * cpuUs).toFixed(0).padStart(6)} µs`);
  }
  console.log(`  (idle/program ${((100 * totals.idle) / (busy + totals.idle)).toFixed(1)} % of samples)`);
  console.log('  phases (inclusive):');
  for (const f of PHASES) {
    const v = inclusive.get(f);
    if (v) console.log(`    ${((100 * v) / (busy + totals.idle)).toFixed(1).padStart(5)} %  ${f}`);
  }
  console.log('  top functions (self time):');
  const top = [...fnTotals.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 18));
  for (const [k, v] of top) console.log(`    ${((100 * v) / (busy + totals.idle)).toFixed(1).padStart(5)} %  ${k}`);
}

const [[xTrainU8, yTrain], [xTestU8, yTest]] = nv.datasets.mnist.loadData();
const xTrain = xTrainU8.div(255);
const xTest = xTestU8.div(255);
nv.setSeed(1);
const model = new nv.Sequential([
  nv.layers.flatten({ inputShape: [28, 28] }),
  nv.layers.dense({ units: 128, activation: 'relu' }),
  nv.layers.dense({ units: 10, activation: 'softmax' }),
]);
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const n = steps * 32;
const xs = xTrain.slice([0, 0, 0], [n, 28, 28]);
const ys = yTrain.slice([0], [n]);
nv.warmUpThreads();
await model.fit(args.includes('--trained') ? xTrain : xs, args.includes('--trained') ? yTrain : ys, { epochs: 1, verbose: 0 });
model.predict(xTest);
const kernels = loadWasmKernels();
if (kernels) {
  const file = kernels.heap.shared ? (kernels.relaxedSimd ? 'nerva-shared-relaxed.wasm' : 'nerva-shared.wasm') : kernels.relaxedSimd ? 'nerva-relaxed.wasm' : 'nerva.wasm';
  wasmNames = wasmExportNames(readFileSync(new URL(`../src/backend/wasm/${file}`, import.meta.url)));
}
console.log(`node ${process.version}, backend ${nv.getBackend().name}, relaxed SIMD ${kernels?.relaxedSimd ?? false}`);
await profile(`fit, ${steps} steps of batch 32`, steps, 'step', () => model.fit(xs, ys, { epochs: 1, verbose: 0 }));
await profile('evaluate, 10k test images (batch 32) x 5', 5, 'evaluate', () => {
  for (let i = 0; i < 5; i++) model.evaluate(xTest, yTest);
});
await profile('predict, 10k test images (default options) x 5', 5, 'predict', () => {
  for (let i = 0; i < 5; i++) model.predict(xTest);
});
