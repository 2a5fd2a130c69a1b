// The drawing page: its MNIST-style preprocessing (the very source the page runs) against known
// centring results, and the page itself in Debian's Chromium via playwright-core: draw a "1" with the
// mouse and with a finger, see a prediction, clear. Skips the browser part only where
// /usr/bin/chromium is missing (.ci/run installs it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { serve, tensor, type ServeHandle, type Sequential, type Tensor } from '../index.js';
import { loadPreprocess } from './preprocess.js';
import { trainSmallMnist } from '../test-utils/serve-model.js';

const preprocess = loadPreprocess();
let model: Sequential;
let xTest: Tensor;

before(async () => {
  ({ model, xTest } = await trainSmallMnist());
});

/** Centre of mass in pixel-index coordinates, and the bounding box of values >= 0.1. */
function stats(img: ArrayLike<number>, w = 28, h = 28): { cx: number; cy: number; boxW: number; boxH: number } {
  let m = 0, sx = 0, sy = 0, x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = img[y * w + x];
      m += v;
      sx += v * x;
      sy += v * y;
      if (v >= 0.1) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { cx: sx / m, cy: sy / m, boxW: x1 - x0 + 1, boxH: y1 - y0 + 1 };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test('nothing drawn: null', () => {
  assert.equal(preprocess(new Float32Array(280 * 280), 280, 280), null);
});

test('a drawn box lands in a 20-pixel box with its centre of mass at (14, 14)', () => {
  // A 40 x 100 bar in a corner of a 300 x 200 drawing.
  const w = 300, h = 200;
  const ink = new Float32Array(w * h);
  for (let y = 10; y < 110; y++) for (let x = 250; x < 290; x++) ink[y * w + x] = 1;
  const out = preprocess(ink, w, h)!;
  const s = stats(out);
  assert.ok(Math.abs(s.cx - 14) < 0.05 && Math.abs(s.cy - 14) < 0.05, `centre of mass (${s.cx}, ${s.cy})`);
  // 20 pixels tall; centring by a fraction of a pixel spreads the edges over a 21st row.
  assert.ok(s.boxH === 20 || s.boxH === 21, `height ${s.boxH}`);
  assert.ok(s.boxW === 8 || s.boxW === 9, `width ${s.boxW}`);
  assert.ok(Math.max(...out) <= 1 && Math.min(...out) >= 0, 'values in [0, 1]');
});

test('MNIST digits drawn 10x larger come back as themselves: same centring, same look, same prediction', () => {
  const px = xTest.data();
  let agree = 0;
  const n = 30;
  const back = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    const digit = px.subarray(i * 784, (i + 1) * 784);
    // Upscale 10x (each pixel a 10 x 10 block), as if drawn on a 280 x 280 pad.
    const big = new Float32Array(280 * 280);
    for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) big[y * 280 + x] = digit[Math.floor(y / 10) * 28 + Math.floor(x / 10)];
    const out = preprocess(big, 280, 280)!;
    back.set(out, i * 784);
    const s = stats(out);
    // MNIST itself: mean centre of mass (14.00, 14.00), each digit within a pixel of it.
    assert.ok(Math.abs(s.cx - 14) < 0.05 && Math.abs(s.cy - 14) < 0.05, `image ${i}: centre of mass (${s.cx}, ${s.cy})`);
    assert.ok(Math.max(s.boxW, s.boxH) >= 19 && Math.max(s.boxW, s.boxH) <= 21, `image ${i}: box ${s.boxW} x ${s.boxH}`);
    const o = stats(digit);
    // The original is shifted by up to a pixel (MNIST centred by whole pixels): compare the shapes
    // after moving it by the same amount.
    const shifted = new Float32Array(784);
    const dx = Math.round(14 - o.cx), dy = Math.round(14 - o.cy);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) if (y - dy >= 0 && y - dy < 28 && x - dx >= 0 && x - dx < 28) shifted[y * 28 + x] = digit[(y - dy) * 28 + (x - dx)];
    const c = correlation(out, shifted);
    assert.ok(c > 0.8, `image ${i}: correlation ${c.toFixed(3)}`);
  }
  const p1 = model.predict(xTest.slice([0, 0, 0], [n, -1, -1])).argMax(-1).data();
  const p2 = model.predict(tensor(back, [n, 28, 28])).argMax(-1).data();
  for (let i = 0; i < n; i++) if (p1[i] === p2[i]) agree++;
  assert.ok(agree >= n - 2, `the model agrees on ${agree} of ${n} redrawn digits`);
});

// ---- the page in Chromium -------------------------------------------------------------------

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
let server: ServeHandle | undefined;

after(async () => {
  await server?.close();
});

test('the page in Chromium: draw a 1 with the mouse and with a finger, see the prediction, clear', { skip: haveChromium ? false : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)` }, async () => {
  server = await serve(model, { port: 0, workers: 1 });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  try {
    const context = await browser.newContext({ hasTouch: true, viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    const sent: number[][][] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') sent.push((JSON.parse(r.postData() ?? '{}') as { instances: number[][][] }).instances[0]);
    });
    // Offline: anything not from this server is blocked, and the page must not need it.
    await page.route((url) => !url.href.startsWith(server!.url), (route) => route.abort());
    await page.goto(server.url);
    const pad = page.getByTestId('pad');
    const box = (await pad.boundingBox())!;
    const cx = box.x + box.width / 2;

    // A "1" with the mouse: one vertical stroke.
    await page.mouse.move(cx + 5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(cx + 5 - i * 0.5, box.y + box.height * (0.15 + (0.7 * i) / 20));
    await page.mouse.up();
    const prediction = page.getByTestId('prediction');
    await prediction.filter({ hasText: /^\d$/ }).waitFor({ timeout: 10_000 });
    const digit = await prediction.textContent();
    assert.match(await page.getByTestId('probability').textContent() ?? '', /^\d+\.\d% sure$/);
    assert.equal(await page.locator('#bars .bar').count(), 10);
    // What the page sent: the MNIST-style 28 x 28 image, centred by mass.
    const last = sent[sent.length - 1];
    assert.equal(last.length, 28);
    const s = stats(last.flat());
    assert.ok(Math.abs(s.cx - 14) < 0.2 && Math.abs(s.cy - 14) < 0.2, `sent image centred at (${s.cx}, ${s.cy})`);
    assert.ok(s.boxH === 20 || s.boxH === 21, `sent image ${s.boxH} pixels tall`);
    console.log(`# the mouse-drawn 1 was read as ${digit}`);

    await page.getByTestId('clear').click();
    assert.equal(await prediction.textContent(), '');

    // The same stroke with a finger (touch events through the Chrome DevTools Protocol).
    const cdp = await context.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', y: number) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: cx, y }] });
    await touch('touchStart', box.y + box.height * 0.15);
    for (let i = 1; i <= 20; i++) await touch('touchMove', box.y + box.height * (0.15 + (0.7 * i) / 20));
    await touch('touchEnd', 0);
    await prediction.filter({ hasText: /^\d$/ }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('error').textContent(), '');
  } finally {
    await browser.close();
  }
});
