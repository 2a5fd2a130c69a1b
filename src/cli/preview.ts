// A terminal picture of one prediction, the CLI's version of the tutorial's two-panel figure:
// the 28x28 digit drawn with block characters beside a bar per digit of the predicted probabilities.
import { ArgumentError } from '../errors.js';

export interface PreviewOptions {
  /** ANSI colours: true greys for the digit (dark ink on white, as the tutorial draws it) and a
   * blue (right) or red (wrong) prediction. Off by default: plain text for logs and pipes. */
  color?: boolean;
}

const SIDE = 28;
const BAR_WIDTH = 20;
// Eighth blocks make a 20-cell bar resolve 1/160 of the scale.
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const SHADES = [' ', '░', '▒', '▓', '█'];
const RESET = '\x1b[0m';
const BLUE = '\x1b[34m';
const RED = '\x1b[31m';
const GREY = '\x1b[90m';

/**
 * Renders one prediction as text: the digit in a frame (two pixel rows per text line, so 14
 * lines for 28 rows), the 10 probabilities as bars with the predicted one marked, and a last line
 * `predicted 7 (99.8%), true 7 ✓`. `image` is 784 values, 0..1 or 0..255.
 */
export function renderPredictionPreview(
  image: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  trueLabel: number,
  opts: PreviewOptions = {},
): string {
  const who = 'renderPredictionPreview';
  if (image.length !== SIDE * SIDE) {
    throw new ArgumentError(`${who}: expected ${SIDE * SIDE} pixel values (28x28), got ${image.length}`);
  }
  if (probabilities.length !== 10) {
    throw new ArgumentError(`${who}: expected 10 probabilities (digits 0-9), got ${probabilities.length}`);
  }
  if (!Number.isInteger(trueLabel) || trueLabel < 0 || trueLabel > 9) {
    throw new ArgumentError(`${who}: expected trueLabel an integer digit 0-9, got ${trueLabel}`);
  }
  const color = opts.color === true;
  const ink = normalizePixels(image);
  const predicted = argmax(probabilities);
  const right = predicted === trueLabel;

  const left = [`┌${'─'.repeat(SIDE)}┐`];
  for (let y = 0; y < SIDE; y += 2) {
    left.push(`│${color ? colorRow(ink, y) : plainRow(ink, y)}│`);
  }
  left.push(`└${'─'.repeat(SIDE)}┘`);

  // The 10 bars sit beside the middle of the 16-line frame.
  const top = Math.floor((left.length - 10) / 2);
  const lines = left.map((row, i) => {
    const digit = i - top;
    return digit >= 0 && digit < 10 ? `${row}  ${barRow(digit, probabilities[digit] as number, predicted, trueLabel, color)}` : row;
  });

  const confidence = percent(probabilities[predicted] as number);
  const caption = `predicted ${predicted} (${confidence}), true ${trueLabel} ${right ? '✓' : '✗'}`;
  lines.push(color ? `${right ? BLUE : RED}${caption}${RESET}` : caption);
  return lines.join('\n');
}

/** Ink intensities 0..1; 0..255 input is recognised by any value above 1. */
function normalizePixels(image: ArrayLike<number>): Float64Array {
  let max = 0;
  for (let i = 0; i < image.length; i++) {
    const v = image[i] as number;
    if (v > max) max = v;
  }
  const scale = max > 1 ? 1 / 255 : 1;
  const out = new Float64Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const v = (image[i] as number) * scale;
    out[i] = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
  }
  return out;
}

/** Two pixel rows in one line: a half block where they differ, else a shade of their mean. */
function plainRow(ink: Float64Array, y: number): string {
  let s = '';
  for (let x = 0; x < SIDE; x++) {
    const upper = ink[y * SIDE + x] as number;
    const lower = ink[(y + 1) * SIDE + x] as number;
    if (Math.abs(upper - lower) >= 0.5) {
      s += upper > lower ? '▀' : '▄';
    } else {
      const mean = (upper + lower) / 2;
      s += SHADES[Math.min(4, Math.floor(mean * 4 + 0.5))];
    }
  }
  return s;
}

/** `▀` with the upper pixel as foreground and the lower as background: exact greys, 2 rows a line. */
function colorRow(ink: Float64Array, y: number): string {
  let s = '';
  let fg = -1;
  let bg = -1;
  for (let x = 0; x < SIDE; x++) {
    const upper = greyCode(ink[y * SIDE + x] as number);
    const lower = greyCode(ink[(y + 1) * SIDE + x] as number);
    // Escapes only where the grey changes keep a picture near 2 KB instead of 17 KB.
    if (upper !== fg) s += `\x1b[38;5;${(fg = upper)}m`;
    if (lower !== bg) s += `\x1b[48;5;${(bg = lower)}m`;
    s += '▀';
  }
  return s + RESET;
}

/** xterm-256 grey for an ink level, inverted (ink 1 is black, paper 0 is white). */
function greyCode(inkLevel: number): number {
  const level = Math.round((1 - inkLevel) * 25); // 0 black, 1..24 the grey ramp, 25 white
  if (level <= 0) return 16;
  if (level >= 25) return 231;
  return 231 + level;
}

function barRow(digit: number, p: number, predicted: number, trueLabel: number, color: boolean): string {
  const cells = Number.isFinite(p) ? Math.min(1, Math.max(0, p)) * BAR_WIDTH : 0;
  let full = Math.floor(cells);
  let eighths = Math.round((cells - full) * 8);
  if (eighths === 8) {
    full += 1;
    eighths = 0;
  }
  const bar = '█'.repeat(full) + EIGHTHS[eighths];
  let marker = '';
  if (digit === predicted) marker = ' ◀ predicted';
  else if (digit === trueLabel) marker = ' ◀ true';
  let paint = GREY;
  if (digit === predicted) paint = predicted === trueLabel ? BLUE : RED;
  else if (digit === trueLabel) paint = BLUE;
  const shown = color && bar.length > 0 ? `${paint}${bar}${RESET}` : bar;
  return `${digit} │${shown}${' '.repeat(BAR_WIDTH - bar.length)} ${percent(p).padStart(6)}${marker}`;
}

function percent(p: number): string {
  return Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : 'nan%';
}

/** Index of the largest probability; NaN never wins (an all-NaN row gives 0). */
function argmax(values: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}
