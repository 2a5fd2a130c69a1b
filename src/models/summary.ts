// model.summary(): the Keras 3 table of layers, output shapes and parameter counts.

import type { Sequential } from './sequential.js';
import type { Shape } from '../layers/layer.js';

function shapeText(s: Shape | null): string {
  if (!s) return '?';
  const parts = s.map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n.toFixed(2)} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const num = (n: number): string => n.toLocaleString('en-US');

/** The summary text (no trailing newline). */
export function formatSummary(model: Sequential): string {
  const rowsOut: [string, string, string][] = [];
  let shape = model.inputShape;
  for (const l of model.layers) {
    shape = shape ? l.computeOutputShape(shape) : null;
    rowsOut.push([`${l.name} (${l.className})`, l.built ? shapeText(shape) : '?', l.built ? num(l.countParams()) : '0 (unbuilt)']);
  }
  const head: [string, string, string] = ['Layer (type)', 'Output Shape', 'Param #'];
  const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...rowsOut.map((r) => r[i].length)) + 2);
  w[0] = Math.max(w[0], 33);
  w[1] = Math.max(w[1], 24);
  w[2] = Math.max(w[2], 15);
  const cell = (t: string, i: number): string => ' ' + (i === 2 ? t.padStart(w[i] - 2) : t.padEnd(w[i] - 2)) + ' ';
  const line = (l: string, m: string, r: string, f: string): string => l + w.map((x) => f.repeat(x)).join(m) + r;
  const out: string[] = [`Model: "${model.name}"`];
  out.push(line('┏', '┳', '┓', '━'));
  out.push('┃' + head.map(cell).join('┃') + '┃');
  out.push(line('┡', '╇', '┩', '━'));
  rowsOut.forEach((r, i) => {
    out.push('│' + r.map(cell).join('│') + '│');
    if (i < rowsOut.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('└', '┴', '┘', '─'));
  const count = (vs: { value: { size: number } }[]): number => vs.reduce((a, v) => a + v.value.size, 0);
  const total = model.countParams();
  const trainable = count(model.trainableWeights);
  const non = count(model.nonTrainableWeights);
  out.push(` Total params: ${num(total)} (${bytes(total * 4)})`);
  out.push(` Trainable params: ${num(trainable)} (${bytes(trainable * 4)})`);
  out.push(` Non-trainable params: ${num(non)} (${bytes(non * 4)})`);
  return out.join('\n');
}
