// The page at GET /: draw a digit with mouse or finger, see what the model predicts (the digit, its
// probability and the ten probability bars of the tutorial's prediction figure). One self-contained
// HTML document: no CDN, works offline. Test hooks: data-testid="pad" (the canvas), "prediction"
// (the predicted digit), "clear" (the clear button), plus "probability", "bars", "seen", "error".

import type { ModelSpec } from './model-spec.js';
import { PREPROCESS_JS } from './preprocess.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON inside a <script> element: `<` escaped so no value can close the element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function renderPage(spec: ModelSpec, opts: { predictPath: string; routes: { method: string; path: string; what: string }[] }): string {
  const inSize = spec.inputShape.reduce((a, b) => a * b, 1);
  const classes = spec.outputShape.length === 1 ? spec.outputShape[0] : 0;
  // The pad makes one 28x28 image: the model must take 784 values per instance, in any layout
  // ([28, 28], [784], [28, 28, 1]), and give one probability per class.
  const drawable = inSize === 784 && classes >= 2 && classes <= 20;
  const config = { predictPath: opts.predictPath, inputShape: spec.inputShape, classes, drawable };
  const routes = opts.routes.map((r) => `<tr><td>${r.method}</td><td><code>${escapeHtml(r.path)}</code></td><td>${escapeHtml(r.what)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(spec.name)} · nerva serve</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fafafa; }
  body { margin: 0 auto; max-width: 880px; padding: 16px; }
  h1 { font-size: 1.3rem; margin: 0 0 4px; }
  .sub { color: #666; margin: 0 0 16px; font-size: 0.9rem; }
  .row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
  .col { display: flex; flex-direction: column; gap: 8px; align-items: center; }
  #pad { width: min(280px, 80vw); height: min(280px, 80vw); background: #000; border-radius: 6px; touch-action: none; cursor: crosshair; }
  #seen { width: 112px; height: 112px; image-rendering: pixelated; background: #000; border: 1px solid #ccc; }
  button { font: inherit; padding: 6px 18px; border-radius: 6px; border: 1px solid #999; background: #fff; cursor: pointer; }
  .result { min-width: 280px; }
  .digit { font-size: 4.5rem; font-weight: 700; line-height: 1; color: #1f77b4; min-height: 4.5rem; }
  .prob { color: #555; min-height: 1.3em; }
  .bars { display: flex; align-items: flex-end; gap: 6px; height: 160px; border-bottom: 1px solid #444; padding: 0 4px; margin-top: 12px; }
  .bar { flex: 1; display: flex; flex-direction: column; justify-content: flex-end; height: 100%; }
  .fill { background: #777; min-height: 1px; transition: height 0.15s; }
  .bar.top .fill { background: #1f77b4; }
  .labels { display: flex; gap: 6px; padding: 2px 4px; font-size: 0.85rem; color: #444; }
  .labels span { flex: 1; text-align: center; }
  .error { color: #b00020; min-height: 1.2em; }
  table { border-collapse: collapse; font-size: 0.85rem; margin-top: 24px; }
  td { padding: 2px 10px 2px 0; vertical-align: top; }
  .hint { color: #666; font-size: 0.85rem; }
</style>
</head>
<body>
<h1>Draw a digit</h1>
<p class="sub">Model <code>${escapeHtml(spec.name)}</code> (input ${escapeHtml(JSON.stringify(spec.inputShape))}, output ${escapeHtml(JSON.stringify(spec.outputShape))}) served by nerva.</p>
<div class="row">
  <div class="col">
    <canvas id="pad" data-testid="pad" width="280" height="280" aria-label="drawing pad"></canvas>
    <button id="clear" data-testid="clear" type="button">Clear</button>
  </div>
  <div class="col">
    <canvas id="seen" data-testid="seen" width="28" height="28" aria-label="what the model sees"></canvas>
    <span class="hint">what the model sees<br>(20×20 box, centred by mass)</span>
  </div>
  <div class="result">
    <div class="digit" id="prediction" data-testid="prediction" aria-live="polite"></div>
    <div class="prob" id="probability" data-testid="probability"></div>
    <div class="bars" id="bars" data-testid="bars"></div>
    <div class="labels" id="labels"></div>
    <div class="error" id="error" data-testid="error"></div>
  </div>
</div>
<table>
${routes}
</table>
<script>
"use strict";
${PREPROCESS_JS}
(function () {
  var cfg = ${scriptJson(config)};
  var pad = document.getElementById('pad');
  var ctx = pad.getContext('2d', { willReadFrequently: true });
  var seen = document.getElementById('seen').getContext('2d');
  var predictionEl = document.getElementById('prediction');
  var probEl = document.getElementById('probability');
  var barsEl = document.getElementById('bars');
  var labelsEl = document.getElementById('labels');
  var errorEl = document.getElementById('error');
  var bars = [];
  for (var i = 0; i < cfg.classes; i++) {
    var b = document.createElement('div');
    b.className = 'bar';
    var f = document.createElement('div');
    f.className = 'fill';
    f.style.height = '0%';
    b.appendChild(f);
    barsEl.appendChild(b);
    bars.push(b);
    var l = document.createElement('span');
    l.textContent = String(i);
    labelsEl.appendChild(l);
  }
  if (!cfg.drawable) {
    errorEl.textContent = 'The drawing pad needs a model that takes one 28x28 image (784 values) and gives 2-20 class probabilities; this model takes ' + JSON.stringify(cfg.inputShape) + '.';
  }

  function clearAll() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
    seen.fillStyle = '#000';
    seen.fillRect(0, 0, 28, 28);
    predictionEl.textContent = '';
    probEl.textContent = '';
    for (var i = 0; i < bars.length; i++) { bars[i].firstChild.style.height = '0%'; bars[i].classList.remove('top'); }
    seq++;
  }

  // Pointer events cover mouse, pen and touch alike.
  var drawing = false, last = null, seq = 0, timer = null;
  function pos(e) {
    var r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
  }
  function stroke(a, b) {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }
  pad.addEventListener('pointerdown', function (e) {
    e.preventDefault();
    drawing = true;
    pad.setPointerCapture(e.pointerId);
    last = pos(e);
    stroke(last, last);
  });
  pad.addEventListener('pointermove', function (e) {
    if (!drawing) return;
    var p = pos(e);
    stroke(last, p);
    last = p;
    // Predict while drawing, at most a few times a second.
    if (!timer) timer = setTimeout(function () { timer = null; predict(); }, 150);
  });
  function end() {
    if (!drawing) return;
    drawing = false;
    predict();
  }
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  document.getElementById('clear').addEventListener('click', clearAll);

  // Nested arrays in the model's own input layout ([28, 28], [784], [28, 28, 1], ...).
  function shaped(flat, shape) {
    var at = 0;
    function build(d) {
      if (d === shape.length) return flat[at++];
      var out = [];
      for (var i = 0; i < shape[d]; i++) out.push(build(d + 1));
      return out;
    }
    return build(0);
  }

  function show(probs) {
    var top = 0;
    for (var i = 1; i < probs.length; i++) if (probs[i] > probs[top]) top = i;
    predictionEl.textContent = String(top);
    probEl.textContent = (probs[top] * 100).toFixed(1) + '% sure';
    for (var j = 0; j < bars.length; j++) {
      var p = Math.max(0, Math.min(1, probs[j]));
      bars[j].firstChild.style.height = (p * 100).toFixed(1) + '%';
      bars[j].classList.toggle('top', j === top);
      bars[j].title = j + ': ' + (p * 100).toFixed(2) + '%';
    }
  }

  function predict() {
    if (!cfg.drawable) return;
    var img = ctx.getImageData(0, 0, pad.width, pad.height).data;
    var ink = new Float32Array(pad.width * pad.height);
    for (var i = 0; i < ink.length; i++) ink[i] = img[i * 4] / 255;
    var x = mnistPreprocess(ink, pad.width, pad.height);
    if (!x) return;
    var view = seen.createImageData(28, 28);
    for (var k = 0; k < 784; k++) {
      var g = Math.round(x[k] * 255);
      view.data[k * 4] = view.data[k * 4 + 1] = view.data[k * 4 + 2] = g;
      view.data[k * 4 + 3] = 255;
    }
    seen.putImageData(view, 0, 0);
    var mine = ++seq;
    var values = Array.prototype.map.call(x, function (v) { return Math.round(v * 10000) / 10000; });
    fetch(cfg.predictPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [shaped(values, cfg.inputShape)] }),
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
        return body;
      });
    }).then(function (body) {
      if (mine !== seq) return;
      errorEl.textContent = '';
      show(body.predictions[0]);
    }).catch(function (err) {
      if (mine === seq) errorEl.textContent = String(err.message || err);
    });
  }

  clearAll();
})();
</script>
</body>
</html>
`;
}
