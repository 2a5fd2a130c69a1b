// The charts refuse inputs that would draw confident nonsense (BUG-13): NaN, logits where
// probabilities are shown, labels outside the classes, swapped arguments, fractional class numbers,
// a History object where its record goes, and picture files of formats nerva does not write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../errors.js';
import { History } from '../models/history.js';
import { displayPrediction, predictionGrid } from './prediction.js';
import { confusionMatrix } from './confusion.js';
import { plotHistory } from './history.js';

const images = new Float32Array(2 * 16).fill(0.5); // two 4x4 images
const probs = [
  [0.1, 0.7, 0.2],
  [0.8, 0.1, 0.1],
];
const labels = [1, 2];

/** Asserts `fn` throws an ArgumentError whose message matches every pattern. */
function refuses(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ArgumentError, `expected ArgumentError, got ${String(e)}`);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
}

test('displayPrediction refuses NaN and logits, saying to apply softmax', () => {
  refuses(() => displayPrediction(0, [[NaN, NaN, NaN], [0.8, 0.1, 0.1]], labels, images), /^viz\.displayPrediction: predictions row 0 holds NaN: \[NaN, NaN, NaN\]$/);
  refuses(() => displayPrediction(0, [[0.2, 0.7, Infinity], probs[1]], labels, images), /row 0 holds Infinity/);
  refuses(
    () => displayPrediction(1, [probs[0], [2.1, 7, -1.5]], labels, images),
    /^viz\.displayPrediction: predictions row 1 is not a probability distribution \(values in 0\.\.1 summing to 1\): \[2\.1, 7, -1\.5\] sums to 7\.6; if the model outputs logits, apply softmax first \(e\.g\. predictions\.softmax\(\), or a softmax activation on the last layer\)$/,
  );
  // In 0..1 but not summing to 1 (sigmoid outputs, or a slice of the classes).
  refuses(() => displayPrediction(0, [[0.9, 0.8, 0.7], probs[1]], labels, images), /row 0 is not a probability distribution.*sums to 2\.4/);
  // Float32 softmax rounding is fine.
  const f32 = { shape: [2, 3], data: () => Float32Array.from([0.1, 0.7, 0.2, 0.8, 0.1, 0.1]) };
  assert.equal(displayPrediction(0, f32, labels, images).caption, '1 70% (1)');
});

test('displayPrediction refuses labels outside the classes, fractional labels and swapped arguments', () => {
  refuses(() => displayPrediction(0, probs, [12, 0], images), /^viz\.displayPrediction: label 12 at index 0 is not one of the 3 classes the predictions have \(0\.\.2\)$/);
  refuses(() => displayPrediction(0, probs, [1.5, 0], images), /labels must be class numbers \(whole numbers >= 0\), got 1\.5 at index 0/);
  refuses(() => displayPrediction(0, probs, [-1, 0], images), /got -1 at index 0/);
  // (index, labels, predictions): the TF.js-order slip from the findings.
  refuses(
    () => displayPrediction(0, labels, probs, images),
    /labels given as \[N, classes\] rows must be one-hot, but row 0 is \[0\.1, 0\.7, 0\.2\] \(these look like predicted probabilities\); check the order of the arguments: displayPrediction\(index, predictions, labels, images\)$/,
  );
  // Class numbers where probabilities go.
  refuses(() => displayPrediction(0, [1, 0], labels, images), /predictions hold one whole number per example \(class numbers\?\); expected \[N, classes\] probabilities; check the order/);
  // One-hot labels are still labels.
  assert.equal(displayPrediction(1, probs, [[0, 0, 1], [1, 0, 0]], images).caption, '0 80% (0)');
});

test('displayPrediction writes .png and .svg only: a .jpg name is refused, nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nerva-viz-checks-'));
  refuses(
    () => displayPrediction(0, probs, labels, images, { file: join(dir, 'p.jpg') }),
    /^viz\.displayPrediction: cannot write \.jpg pictures \(".*p\.jpg"\): nerva draws PNG and SVG; name the file \.png or \.svg \(or pass format\)$/,
  );
  refuses(() => displayPrediction(0, probs, labels, images, { file: join(dir, 'noext') }), /cannot write a file without an extension/);
  refuses(() => displayPrediction(0, probs, labels, images, { file: join(dir, 'p.svg'), format: 'png' }), /is named \.svg but format is 'png'/);
  assert.equal(existsSync(join(dir, 'p.jpg')), false);
  displayPrediction(0, probs, labels, images, { file: join(dir, 'P.PNG') });
  assert.ok(existsSync(join(dir, 'P.PNG')));
  rmSync(dir, { recursive: true, force: true });
});

test('predictionGrid: NaN refused, logits fine for classes, but not when confidences are printed', () => {
  refuses(() => predictionGrid(images, labels, [[NaN, 1, 0], probs[1]]), /^viz\.predictionGrid: predictions row 0 holds NaN/);
  const logits = [[-1, 3, 0.5], [4, 0, 1]];
  assert.ok(predictionGrid(images, labels, logits).png.length > 0);
  refuses(() => predictionGrid(images, labels, logits, { showConfidence: true }), /predictions row 0 is not a probability distribution.*apply softmax/);
  refuses(() => predictionGrid(images, [5, 1], probs), /label 5 at index 0 is not one of the 3 classes/);
  refuses(() => predictionGrid(images, labels, [1.5, 2]), /predictions must be class numbers \(whole numbers >= 0\), got 1\.5 at index 0; check the order of the arguments: predictionGrid\(images, labels, predictions\)/);
});

test('confusionMatrix: NaN scores and fractional classes are refused; logits are argmaxed like probabilities', () => {
  refuses(() => confusionMatrix([0, 1], [[NaN, 0], [0, 1]]), /^viz\.confusionMatrix: predictions row 0 holds NaN/);
  refuses(() => confusionMatrix([0, 1.2], [0, 1]), /labels must be class numbers \(whole numbers >= 0\), got 1\.2 at index 1/);
  assert.deepEqual(confusionMatrix([0, 1], [[3, -2], [-1, 5]]), [[1, 0], [0, 1]]);
});

test('plotHistory(history) with the History object says to pass history.history', () => {
  const h = new History();
  h.onEpochEnd(0, { loss: 0.5 });
  refuses(
    () => plotHistory(h as unknown as Record<string, number[]>),
    /^viz\.plotHistory: got the History object that fit\(\) returns; pass its record of values: plotHistory\(history\.history\)$/,
  );
  assert.ok(plotHistory(h.history).png.length > 0);
  refuses(() => plotHistory({ loss: [] }), /history has no epochs yet/);
  refuses(() => plotHistory(null as unknown as Record<string, number[]>), /expected the history record/);
});

test('a picture under /proc fails fast instead of spinning in mkdir (child process)', { skip: existsSync('/proc/self') ? false : 'no /proc' }, () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    const { plotHistory } = await import('./src/viz/history.ts');
    try { plotHistory({ loss: [1, 0.5] }, { file: '/proc/nerva-test/h.png' }); } catch (e) { console.log(e.name + ': ' + e.message); }
    process.exit(0);`], { cwd: root, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, 'spun and was killed');
  assert.equal(r.stdout.trim(), 'FileSystemError: viz.plotHistory: cannot create folder /proc/nerva-test: the file system does not allow new folders in /proc', r.stderr);
});
