// The progress display `fit`, `evaluate` and `predict` print: the same text as Keras 3's
// `keras.utils.Progbar` (keras/src/utils/progbar.py), e.g.
// `1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - accuracy: 0.9263 - loss: 0.2580`.
import { ArgumentError } from '../errors.js';
import { describeValue } from '../options.js';

/** Keras' `verbose` argument: 0 silent, 1 progress bar, 2 one line per epoch, 'auto' picks. */
export type Verbose = 0 | 1 | 2 | 'auto';

/**
 * Where the progress goes: `process.stdout` or anything with the same few members.
 * @example
 * const lines: string[] = [];
 * await model.fit(x, y, { epochs: 2, verbose: 2, stream: { write: (s) => lines.push(s) } });
 */
export interface ProgressStream {
  /** Receives the text, newlines included (a TTY bar redraws its line with `\r`). */
  write(s: string): unknown;
  /** True for a terminal: 'auto' verbosity then draws a bar (1), otherwise one line per epoch (2). */
  isTTY?: boolean;
  /** The terminal width, if known (the bar is fitted to it). */
  columns?: number;
}

export interface ProgressOptions {
  /** Steps in the epoch; null when unknown (the final update then fixes it). */
  target: number | null;
  verbose: 0 | 1 | 2;
  /** Defaults to `process.stdout`. */
  stream?: ProgressStream;
  /** Clock in milliseconds; defaults to `performance.now`. Tests pass a fake one. */
  now?: () => number;
  /** `step` in `1ms/step`. */
  unitName?: string;
  /** Least time between two redraws of the bar (Keras: 0.05 s). */
  minRedrawMs?: number;
  /** ANSI colours (bold count, green bar). Defaults to `stream.isTTY` unless NO_COLOR is set. */
  color?: boolean;
  /**
   * Where the line is not redrawn (a log file, a pipe, verbose 2), an epoch longer than this writes
   * an interim line this often, so a long epoch (a convnet's) never looks frozen (default 10 s).
   */
  heartbeatMs?: number;
}

const BAR_WIDTH = 20;
const BAR_CHAR = '━';
const BOLD = '\x1b[1m';
const GREEN = '\x1b[32m';
// Keras draws the remaining part in white (37), which vanishes on light terminal themes; bright
// black (90) reads as grey on both light and dark themes.
const GREY = '\x1b[90m';
const RESET = '\x1b[0m';
const CLEAR_TO_EOL = '\x1b[K';

/** 'auto' -> 1 when the stream is a TTY, else 2 (never a flood of bar lines in a log file). */
export function resolveVerbose(v: Verbose, stream: { isTTY?: boolean }): 0 | 1 | 2 {
  if (v === 'auto') return stream.isTTY === true ? 1 : 2;
  if (v === 0 || v === 1 || v === 2) return v;
  throw new ArgumentError(`verbose: expected 0, 1, 2 or 'auto', got ${describeValue(v)}`);
}

/** `Epoch 3/5` (epoch counted from 1). Keras prints it only when verbose != 0 and epochs > 1. */
export function epochHeader(epoch: number, epochs: number): string {
  return `Epoch ${epoch}/${epochs}`;
}

/**
 * A metric value as Keras shows it: `0.2580` (4 decimals) when |v| > 1e-3, else `1.2340e-05`,
 * so a small non-zero loss never reads as `0.0000`. NaN and infinities print as Python does.
 */
export function formatLogValue(v: number): string {
  return Math.abs(v) > 1e-3 ? pyFixed(v, 4) : pyExponential(v, 4);
}

/** Elapsed time as Keras prints it at the end of an epoch: whole seconds, `3s`, `65s`. */
export function formatTime(seconds: number): string {
  return `${pyFixed(seconds, 0)}s`;
}

/** Time left as Keras prints it while an epoch runs: `42s`, `1:05`, `1:00:01`. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?s';
  // Python's `%d` truncates; `//` and `%` floor.
  if (seconds > 3600) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return `${h}:${pad2(Math.trunc(m))}:${pad2(Math.trunc(seconds % 60))}`;
  }
  if (seconds > 60) return `${Math.floor(seconds / 60)}:${pad2(Math.trunc(seconds % 60))}`;
  return `${Math.trunc(seconds)}s`;
}

/** Time per step as Keras prints it: `2s/step`, `1ms/step`, `23us/step` (0 prints `0s/step`). */
export function formatStepTime(secondsPerStep: number, unitName = 'step'): string {
  const t = secondsPerStep;
  if (t >= 1 || t === 0) return `${pyFixed(t, 0)}s/${unitName}`;
  if (t >= 1e-3) return `${pyFixed(t * 1e3, 0)}ms/${unitName}`;
  return `${pyFixed(t * 1e6, 0)}us/${unitName}`;
}

/**
 * One epoch's progress. Make one at the start of the epoch (elapsed time counts from then),
 * call `update` after every step and once more with `finalize` at the end.
 *
 * verbose 1 on a TTY redraws the line in place (`\r`) at most every `minRedrawMs`; verbose 1 on a
 * non-TTY stream and verbose 2 write one line per epoch, at the end. An update that does not draw
 * reads the clock once and builds no strings, so the display costs nothing measurable per step.
 */
export class ProgressBar {
  private target: number | null;
  private readonly verbose: 0 | 1 | 2;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly unitName: string;
  private readonly minRedrawMs: number;
  private readonly color: boolean;
  private readonly live: boolean;
  private readonly start: number;
  private lastDraw = -Infinity;
  private readonly heartbeatMs: number;
  private lastBeat: number;
  private timeAfterFirstStep: number | null = null;
  private logs: Record<string, number> | undefined;
  private finished = false;

  constructor(opts: ProgressOptions) {
    const { target, verbose } = opts;
    if (target !== null && !(Number.isInteger(target) && target >= 0)) {
      throw new ArgumentError(`ProgressBar: expected target to be a non-negative integer or null, got ${target}`);
    }
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) {
      throw new ArgumentError(`ProgressBar: expected verbose 0, 1 or 2, got ${String(verbose)}`);
    }
    const minRedrawMs = opts.minRedrawMs ?? 50;
    if (!(minRedrawMs >= 0)) {
      throw new ArgumentError(`ProgressBar: expected minRedrawMs >= 0, got ${minRedrawMs}`);
    }
    this.target = target;
    this.verbose = verbose;
    this.stream = opts.stream ?? process.stdout;
    this.now = opts.now ?? (() => performance.now());
    this.unitName = opts.unitName ?? 'step';
    this.minRedrawMs = minRedrawMs;
    this.live = this.stream.isTTY === true;
    this.color = opts.color ?? (this.live && !process.env['NO_COLOR']);
    this.start = verbose === 0 ? 0 : this.now();
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.lastBeat = this.start;
  }

  /** step = number of completed steps; logs = running means; finalize = last call of the epoch (prints the final line + newline). */
  update(step: number, logs?: Record<string, number>, finalize = false): void {
    if (this.verbose === 0 || this.finished) return;
    if (logs !== undefined) this.logs = logs;
    const t = this.now();
    // Like Keras, the first step (graph building, warm-up) is left out of the time per step.
    if (step === 1) this.timeAfterFirstStep = t;
    if (!finalize) {
      if (this.verbose === 2 || !this.live) {
        if (t - this.lastBeat >= this.heartbeatMs) {
          this.lastBeat = t;
          this.stream.write(`${this.summaryLine(step, t, true)}\n`);
        }
        return;
      }
      if (t - this.lastDraw < this.minRedrawMs) return;
      this.lastDraw = t;
      this.stream.write(`\r${this.barLine(step, t, false)}${CLEAR_TO_EOL}`);
      return;
    }
    this.finished = true;
    if (this.target === null) this.target = step;
    if (this.verbose === 2) {
      this.stream.write(`${this.summaryLine(step, t)}\n`);
    } else if (this.live) {
      this.stream.write(`\r${this.barLine(step, t, true)}${CLEAR_TO_EOL}\n`);
    } else {
      this.stream.write(`${this.barLine(step, t, true)}\n`);
    }
  }

  private secondsPerStep(step: number, t: number): number {
    if (step <= 0) return 0;
    const ms =
      this.timeAfterFirstStep !== null && step > 1
        ? (t - this.timeAfterFirstStep) / (step - 1)
        : (t - this.start) / step;
    return ms / 1000;
  }

  private countText(step: number): string {
    const target = this.target;
    if (target === null || target <= 0) return `${String(step).padStart(7)}/Unknown`;
    return `${String(step).padStart(String(target).length)}/${target}`;
  }

  private metricsText(): string {
    let s = '';
    const logs = this.logs;
    if (logs === undefined) return s;
    for (const key of Object.keys(logs)) s += ` - ${key}: ${formatLogValue(logs[key] as number)}`;
    return s;
  }

  /** The verbose-1 line, without the leading `\r`. */
  private barLine(step: number, t: number, final: boolean): string {
    const target = this.target;
    const perStep = this.secondsPerStep(step, t);
    const segments: Segment[] = [{ text: this.countText(step), style: BOLD }];
    if (target !== null && target > 0) {
      const done = Math.max(0, Math.min(BAR_WIDTH, Math.floor((BAR_WIDTH * step) / target)));
      segments.push({ text: ' ' });
      segments.push({ text: BAR_CHAR.repeat(done), style: GREEN });
      // Without colour a dim bar cannot be told from a bright one, so the rest is left blank.
      segments.push({ text: (this.color ? BAR_CHAR : ' ').repeat(BAR_WIDTH - done), style: GREY });
    }
    const time =
      target !== null && target > 0 && !final
        ? formatEta(perStep * (target - step))
        : formatTime((t - this.start) / 1000);
    segments.push({ text: ' ' });
    segments.push({ text: time, style: BOLD });
    segments.push({ text: ` ${formatStepTime(perStep, this.unitName)}${this.metricsText()}` });
    // A redraw longer than the terminal wraps, and `\r` then leaves one stale line per redraw.
    const columns = this.stream.columns;
    const maxWidth = !final && this.live && columns !== undefined && columns > 1 ? columns - 1 : Infinity;
    return renderSegments(segments, this.color, maxWidth);
  }

  /**
   * The verbose-2 line: `1875/1875 - 3s - 1ms/step - accuracy: 0.9263 - loss: 0.2580`; an interim
   * one says the time left instead: `120/422 - ETA: 31s - 103ms/step - ...`.
   */
  private summaryLine(step: number, t: number, interim = false): string {
    const perStep = this.secondsPerStep(step, t);
    const time = interim && this.target ? `ETA: ${formatEta(perStep * (this.target - step))}` : formatTime((t - this.start) / 1000);
    return `${this.countText(step)} - ${time} - ${formatStepTime(perStep, this.unitName)}${this.metricsText()}`;
  }
}

interface Segment {
  text: string;
  style?: string;
}

function renderSegments(segments: Segment[], color: boolean, maxWidth: number): string {
  let out = '';
  let width = 0;
  for (const { text, style } of segments) {
    const room = maxWidth - width;
    if (room <= 0) break;
    const piece = text.length > room ? text.slice(0, room) : text;
    width += piece.length;
    if (piece.length === 0) continue;
    out += color && style !== undefined ? `${style}${piece}${RESET}` : piece;
  }
  return out;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Python's `f"{x:.{digits}f}"`. JS `toFixed` rounds exact ties away from zero, Python to even
 * (0.03125 -> '0.0312'), so exact ties are found from the exact decimal expansion of the double.
 */
function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  // toFixed switches to e-notation from 1e21; such doubles are integers, exactly a BigInt.
  if (Math.abs(x) >= 1e21) return BigInt(x).toString() + (digits > 0 ? `.${'0'.repeat(digits)}` : '');
  const rounded = x.toFixed(digits);
  // Exact for a tie: a tie has digits + 1 fraction digits, far fewer than 100.
  const exact = x.toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return rounded;
  const truncated = digits > 0 ? exact.slice(0, dot + 1 + digits) : exact.slice(0, dot);
  const lastDigit = Number(truncated[truncated.length - 1]);
  return lastDigit % 2 === 0 ? truncated : rounded;
}

/** Python's `f"{x:.{digits}e}"`: the exponent has a sign and at least two digits. */
function pyExponential(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return x.toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
}
