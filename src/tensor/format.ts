// NumPy-like printing of tensors, summarised with "..." past 1000 elements.

import type { Tensor } from './tensor.js';

const THRESHOLD = 1000;
const EDGE = 3;

function fmtNumber(v: number, isFloat: boolean, decimals: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (!isFloat) return String(v);
  return decimals === 0 ? `${v.toFixed(0)}.` : v.toFixed(decimals);
}

/** `Tensor([[1., 2.], [3., 4.]], dtype=float32)`-style text, aligned like NumPy's repr. */
export function formatTensor(t: Tensor): string {
  const isFloat = t.dtype === 'float32' || t.dtype === 'float64';
  const vals = t.values;
  const summarise = vals.length > THRESHOLD;
  // NumPy prints integers-valued floats as "1." and otherwise up to 4 significant decimals.
  let decimals = 0;
  if (isFloat) {
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (Number.isFinite(v) && v !== Math.round(v)) {
        decimals = 4;
        break;
      }
    }
  }
  const cell = (i: number): string => (t.dtype === 'bool' ? (vals[i] ? 'true' : 'false') : fmtNumber(vals[i], isFloat, decimals));
  // Padded to the widest cell actually shown (a summary hides most), so that columns align.
  let width = 0;
  const prefix = 'Tensor(';
  const strides: number[] = [];
  let acc = 1;
  for (let d = t.rank - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= t.shape[d];
  }
  const render = (dim: number, offset: number, indent: string): string => {
    if (dim === t.rank) {
      const c = cell(offset);
      width = Math.max(width, c.length);
      return c.padStart(width);
    }
    const len = t.shape[dim];
    const idx: (number | null)[] = [];
    if (summarise && len > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = len - EDGE; i < len; i++) idx.push(i);
    } else for (let i = 0; i < len; i++) idx.push(i);
    const parts = idx.map((i) => (i === null ? '...' : render(dim + 1, offset + i * strides[dim], indent + ' ')));
    const sep = dim === t.rank - 1 ? ', ' : ',' + '\n'.repeat(t.rank - dim - 1) + indent + ' ';
    return '[' + parts.join(sep) + ']';
  };
  if (t.rank > 0) render(0, 0, ''); // first pass: measures the shown cells into `width`
  const body = t.rank === 0 ? cell(0) : render(0, 0, ' '.repeat(prefix.length));
  return `${prefix}${body}, dtype=${t.dtype})`;
}
