// Where an inference worker's time goes on 32-image requests, stage by stage (parse, decode,
// predict, respond), measured in-process on the bench's bodies: medians of many repetitions, CPU
// microseconds per request. With `--base DIR` (a copy of an older src/serve), the same stages of
// both versions run alternately in one process and the table adds the ratios.
// Not a test and not part of `npm run bench`. Run: npx tsx bench/serve-stages.ts [--base .tmp/base] [--reps 400]
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Tensor, datasets, loadModel, setNumThreads, tensor } from '../src/index.js';
import { modelSpec } from '../src/serve/model-spec.js';
import { ByteWriter } from '../src/serve/tensor-json.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const reps = Number(opt('reps', '400'));
const base = opt('base', '');
const perRequest = Number(opt('images', '32'));
const root = join(import.meta.dirname, '..');

const modelDir = [join(root, 'out', 'mnist', 'model'), join(root, 'out', 'bench-serve', 'model')].find((d) => existsSync(join(d, 'model.json')));
if (!modelDir) throw new Error('no saved model: run `npm run mnist` or `npm run bench:serve` once');
setNumThreads(1);
const model = await loadModel(modelDir);
const spec = modelSpec(model, 'mnist');

const [, [xTest]] = datasets.mnist.loadData();
const px = xTest.data();
const image = (i: number): number[][] =>
  Array.from({ length: 28 }, (_, r) => Array.from(px.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28), (v) => v / 255));
const enc = new TextEncoder();
const bodies = Array.from({ length: 8 }, (_, b) => enc.encode(JSON.stringify({ instances: Array.from({ length: perRequest }, (_, i) => image(100 + b * perRequest + i)) })));
console.log(`${bodies.length} bodies of ${perRequest} images, ${(bodies[0].length / 1024).toFixed(0)} KiB each; model ${modelDir}`);

interface Decoded {
  rows: number;
  data: Float32Array;
  respond(out: Float32Array, start: number, w: ByteWriter): string | undefined;
}
interface Stages {
  parseBody(b: Uint8Array): unknown;
  decodeRequest(p: 'v1', body: unknown, spec: unknown, alloc?: (n: number) => Float32Array): Decoded;
}
async function load(dir: string): Promise<Stages> {
  const json = await import(pathToFileURL(join(dir, 'json.ts')).href);
  const protocols = await import(pathToFileURL(join(dir, 'protocols.ts')).href);
  return { parseBody: json.parseBody, decodeRequest: protocols.decodeRequest };
}
const versions: [string, Stages][] = [['new', await load(join(root, 'src', 'serve'))]];
if (base) versions.unshift(['base', await load(resolve(base))]);

const inSize = 784;
// What the worker does with each version: the base copied the decoded rows into a batch array and
// tensor() copied that again; the new one decodes into a kept buffer that predict reads in place.
let input = new Float32Array(64 * inSize);
const alloc = (n: number): Float32Array => {
  if (n > input.length) input = new Float32Array(n);
  return input.subarray(0, n);
};
const writer = new ByteWriter();
function predictAndRespond(d: Decoded, inPlace: boolean): { y: Float32Array; t: number } {
  const x = inPlace ? new Tensor(d.data, [d.rows, 28, 28], 'float32') : tensor(Float32Array.from(d.data), [d.rows, 28, 28]);
  return { y: model.predict(x, { batchSize: 64 }).data() as Float32Array, t: 0 };
}
function respond(d: Decoded, y: Float32Array): number {
  writer.len = 0;
  const text = d.respond(y, 0, writer);
  // The base returned a string, which the HTTP thread then encoded as UTF-8.
  return text === undefined ? writer.copy().length : Buffer.from(text).length;
}

type Times = Record<string, number[]>;
const times = new Map<string, Times>(versions.map(([k]) => [k, { parse: [], decode: [], predict: [], respond: [], total: [] }]));
const now = () => performance.now() * 1000;
for (let r = 0; r < reps; r++) {
  for (const [key, s] of r % 2 ? [...versions].reverse() : versions) {
    const body = bodies[r % bodies.length];
    const t = times.get(key)!;
    const t0 = now();
    const parsed = s.parseBody(body);
    const t1 = now();
    const d = s.decodeRequest('v1', parsed, spec, alloc);
    const t2 = now();
    const { y } = predictAndRespond(d, key === 'new');
    const t3 = now();
    const bytes = respond(d, y);
    const t4 = now();
    if (bytes < 10) throw new Error('no response');
    t.parse.push(t1 - t0);
    t.decode.push(t2 - t1);
    t.predict.push(t3 - t2);
    t.respond.push(t4 - t3);
    t.total.push(t4 - t0);
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
const stages = ['parse', 'decode', 'predict', 'respond', 'total'];
console.log(`\n| stage | ${versions.map(([k]) => `${k} µs`).join(' | ')}${base ? ' | base / new' : ''} |`);
console.log(`|---|${versions.map(() => '---:|').join('')}${base ? '---:|' : ''}`);
for (const st of stages) {
  const ms = versions.map(([k]) => median(times.get(k)![st].slice(reps >> 2)));
  console.log(`| ${st} | ${ms.map((m) => m.toFixed(0)).join(' | ')}${base ? ` | ${(ms[0] / ms[1]).toFixed(2)}x` : ''} |`);
}
