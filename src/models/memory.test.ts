// Memory stays flat over a long fit (no dispose() anywhere): RSS and heap after epoch 5 and after
// epoch 50 are within a few MB. Runs the fit in a child `node --expose-gc` so gc() can be forced.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const indexUrl = pathToFileURL(fileURLToPath(new URL('../index.ts', import.meta.url))).href;

const CHILD = `
import { Sequential, layers, setSeed, randomUniform } from ${JSON.stringify(indexUrl)};
setSeed(7);
const model = new Sequential([
  layers.dense({ units: 32, inputShape: [16], activation: 'relu' }),
  layers.dense({ units: 4, activation: 'softmax' }),
]);
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const x = randomUniform([256, 16]);
const y = new Int32Array(256).map((_, i) => i % 4);
const marks = {};
const measure = (label) => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m = process.memoryUsage();
  marks[label] = { rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers };
};
await model.fit(x, y, {
  epochs: 50, batchSize: 32, verbose: 0, validationData: [x, y],
  callbacks: [{ onEpochEnd: (epoch) => { if (epoch === 4) measure('epoch5'); if (epoch === 49) measure('epoch50'); } }],
});
process.stdout.write(JSON.stringify(marks));
`;

test('memory is flat between epoch 5 and epoch 50 of a fit', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  const marks = JSON.parse(r.stdout) as Record<'epoch5' | 'epoch50', { rss: number; heapUsed: number; external: number }>;
  const MB = 1024 * 1024;
  const grow = (k: 'rss' | 'heapUsed' | 'external'): number => (marks.epoch50[k] - marks.epoch5[k]) / MB;
  // 45 epochs x 8 steps = 360 steps: keeping one batch's tensors per step would add ~7 MB of typed
  // arrays. Tensor storage (arrayBuffers) and the JS heap are the sharp checks; RSS still rises
  // 4-8 MB after epoch 5 while the JIT and the allocator warm up (measured: +4 MB to epoch 50, then
  // +2 MB more to epoch 400), so its bound is looser.
  assert.ok(grow('external') < 1, `typed-array memory grew ${grow('external').toFixed(2)} MB`);
  assert.ok(grow('heapUsed') < 2, `heap grew ${grow('heapUsed').toFixed(2)} MB`);
  assert.ok(grow('rss') < 16, `RSS grew ${grow('rss').toFixed(2)} MB`);
});
