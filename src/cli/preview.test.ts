// Tests for the terminal preview of a prediction: layout, pixel-to-block mapping, the bars and
// the caption, with and without colour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPredictionPreview } from './preview.js';
import { ArgumentError } from '../errors.js';

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** A 28x28 image (0..255) with ink where `inked(x, y)` says so. */
function image(inked: (x: number, y: number) => number): number[] {
  const px: number[] = [];
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) px.push(inked(x, y));
  return px;
}

/** Ink 255 in rows 4..11, columns 10..17; a lone top-half pixel row 14 and bottom-half row 17. */
const IMG = image((x, y) => {
  if (y >= 4 && y <= 11 && x >= 10 && x <= 17) return 255;
  if ((y === 14 || y === 17) && x === 3) return 255;
  if ((y === 20 || y === 21) && x === 5) return 128; // mid grey in both rows of one line
  return 0;
});
const PROBS = [0.0001, 0.0002, 0.0003, 0.0004, 0.0005, 0.0, 0.0, 0.998, 0.0003, 0.0002];

/** The 28 characters of the digit on text line `row` (0..13) of the preview. */
function digitRow(out: string, row: number): string {
  const line = stripAnsi(out).split('\n')[row + 1] as string;
  assert.equal(line[0], '│');
  return line.slice(1, 29);
}

test('layout: a 16-line frame holding 14 digit lines (2 pixel rows each), then the caption', () => {
  const out = renderPredictionPreview(IMG, PROBS, 7);
  const lines = out.split('\n');
  assert.equal(lines.length, 17);
  assert.equal(lines[0], `┌${'─'.repeat(28)}┐`);
  assert.equal(lines[15], `└${'─'.repeat(28)}┘`);
  for (let i = 1; i <= 14; i++) assert.equal(lines[i]?.slice(0, 30).at(-1), '│', `line ${i}`);
  assert.equal(lines[16], 'predicted 7 (99.8%), true 7 ✓');
});

test('ink maps to full blocks, paper to spaces, a lone pixel row to a half block', () => {
  const out = renderPredictionPreview(IMG, PROBS, 7);
  // Rows 4..11 are lines 2..5: columns 10..17 full.
  for (let line = 2; line <= 5; line++) {
    assert.equal(digitRow(out, line), `${' '.repeat(10)}${'█'.repeat(8)}${' '.repeat(10)}`);
  }
  assert.equal(digitRow(out, 0), ' '.repeat(28));
  assert.equal(digitRow(out, 7)[3], '▀'); // row 14 is the upper half of line 7
  assert.equal(digitRow(out, 8)[3], '▄'); // row 17 is the lower half of line 8
  assert.equal(digitRow(out, 10)[5], '▒'); // 128/255 in both halves: the middle shade
});

test('0..1 and 0..255 pixels draw the same picture', () => {
  const scaled = IMG.map((v) => v / 255);
  assert.equal(renderPredictionPreview(scaled, PROBS, 7), renderPredictionPreview(IMG, PROBS, 7));
  assert.equal(renderPredictionPreview(new Uint8Array(IMG), new Float32Array(PROBS), 7), renderPredictionPreview(IMG, new Float64Array(new Float32Array(PROBS)), 7));
});

test('the bars: one per digit, scaled to 20 cells, the predicted one marked', () => {
  const lines = renderPredictionPreview(IMG, PROBS, 7).split('\n');
  const bars = lines.filter((l) => /│ {2}\d │/.test(l)).map((l) => l.slice(32));
  assert.equal(bars.length, 10);
  assert.deepEqual(bars.map((b) => b[0]), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(bars[7], `7 │${'█'.repeat(20)}  99.8% ◀ predicted`);
  assert.equal(bars[5], `5 │${' '.repeat(20)}   0.0%`);
  assert.equal(bars.filter((b) => b.includes('◀')).length, 1);

  const half = renderPredictionPreview(IMG, [0.5, 0.03, 0.47, 0, 0, 0, 0, 0, 0, 0], 0).split('\n');
  const row0 = half.find((l) => l.includes(' 0 │')) as string;
  const row1 = half.find((l) => l.includes(' 1 │')) as string;
  assert.ok(row0.endsWith(`0 │${'█'.repeat(10)}${' '.repeat(10)}  50.0% ◀ predicted`), row0);
  // 0.03 of 20 cells is 0.6 cell: five eighths.
  assert.ok(row1.endsWith(`1 │▋${' '.repeat(19)}   3.0%`), row1);
});

test('a wrong prediction: ✗ in the caption and the true digit marked', () => {
  const out = renderPredictionPreview(IMG, PROBS, 2);
  const lines = out.split('\n');
  assert.equal(lines.at(-1), 'predicted 7 (99.8%), true 2 ✗');
  assert.ok(lines.some((l) => l.endsWith('0.0% ◀ true') && l.includes(' 2 │')));
  assert.ok(lines.some((l) => l.endsWith('◀ predicted') && l.includes(' 7 │')));
});

test('no ANSI codes unless asked; with colour the same text once stripped', () => {
  const plain = renderPredictionPreview(IMG, PROBS, 2);
  assert.ok(!plain.includes('\x1b'));
  const colored = renderPredictionPreview(IMG, PROBS, 2, { color: true });
  assert.ok(colored.includes('\x1b[31mpredicted 7 (99.8%), true 2 ✗\x1b[0m'), 'a wrong prediction is red');
  assert.ok(renderPredictionPreview(IMG, PROBS, 7, { color: true }).includes('\x1b[34mpredicted 7'), 'a right one is blue');
  // Colour draws every cell as ▀ with exact greys: ink black (16) on paper white (231).
  const line3 = colored.split('\n')[3] as string;
  assert.ok(line3.includes('\x1b[38;5;16m') && line3.includes('\x1b[38;5;231m'));
  assert.equal(stripAnsi(colored).split('\n').at(-1), plain.split('\n').at(-1));
  assert.deepEqual(stripAnsi(colored).split('\n').slice(0, 1), plain.split('\n').slice(0, 1));
});

test('bad input names the function, what it expected and what came', () => {
  const check = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof ArgumentError && re.test(e.message) && e.message.startsWith('renderPredictionPreview'));
  check(() => renderPredictionPreview(IMG.slice(1), PROBS, 7), /784 pixel values.*got 783/);
  check(() => renderPredictionPreview(IMG, PROBS.slice(1), 7), /10 probabilities.*got 9/);
  check(() => renderPredictionPreview(IMG, PROBS, 10), /trueLabel.*got 10/);
  check(() => renderPredictionPreview(IMG, PROBS, 1.5), /trueLabel.*got 1.5/);
});

test('NaN probabilities do not break the picture and never win', () => {
  const out = renderPredictionPreview(IMG, [NaN, 0.2, 0.8, 0, 0, 0, 0, 0, 0, 0], 2);
  assert.equal(out.split('\n').at(-1), 'predicted 2 (80.0%), true 2 ✓');
  assert.ok(out.includes('0 │' + ' '.repeat(20) + '   nan%'));
});
