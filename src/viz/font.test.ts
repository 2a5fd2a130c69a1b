// The bitmap font's glyph table is well formed, and text lands where the raster says it does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAP_HEIGHT, LINE_HEIGHT, renderText, textWidth } from './font.js';
import { Raster } from './raster.js';

test('every printable ASCII character has a glyph with rows of one width', () => {
  for (let code = 32; code < 127; code++) {
    const ch = String.fromCharCode(code);
    const mask = renderText(ch);
    const fallback = renderText('\u0001');
    assert.ok(mask.width >= 1 && mask.width <= 5, `${ch}: width ${mask.width}`);
    if (ch !== ' ') assert.ok(mask.ink.some((v) => v === 1), `${ch}: no ink`);
    if (ch !== ' ' && ch !== 'O' && ch !== '0') {
      assert.notDeepEqual(mask, fallback, `${ch} falls back to the missing-glyph box`);
    }
  }
  assert.equal(LINE_HEIGHT, 9);
  assert.equal(CAP_HEIGHT, 7);
});

test('textWidth adds one blank column between glyphs', () => {
  assert.equal(textWidth(''), 0);
  assert.equal(textWidth('1'), 5);
  assert.equal(textWidth('11'), 11);
  assert.equal(textWidth('i.'), 3);
  // Digit "1": a vertical stroke in column 2 from row 1 to row 5.
  const one = renderText('1');
  for (let y = 1; y <= 5; y++) assert.equal(one.ink[y * one.width + 2], 1);
});

test('Raster.text draws scaled glyphs, horizontally and rotated for y labels', () => {
  const r = new Raster(40, 40);
  r.text('l', 10, 10, [255, 0, 0], { scale: 2 }); // 'l' is "#." x6 then ".#"
  assert.deepEqual(r.get(10, 10), [255, 0, 0]);
  assert.deepEqual(r.get(11, 21), [255, 0, 0]);
  assert.deepEqual(r.get(12, 10), [255, 255, 255]);
  assert.deepEqual(r.get(12, 22), [255, 0, 0]); // the foot: row 6, column 1, at y 22..23
  assert.deepEqual(r.get(12, 24), [255, 255, 255]);

  const v = new Raster(40, 40);
  v.text('-', 10, 30, [0, 0, 255], { scale: 1, vertical: true }); // "-" is row 3, columns 0..3
  // Rotated counter-clockwise: the dash runs upwards from y = 29 in column x = 10 + 3.
  for (let a = 0; a < 4; a++) assert.deepEqual(v.get(13, 29 - a), [0, 0, 255]);
  assert.deepEqual(v.get(13, 25), [255, 255, 255]);
});
