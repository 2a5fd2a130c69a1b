// Tests for the Keras 3 style progress display: number formatting and what reaches the stream,
// driven by a fake clock so that no test depends on real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProgressBar,
  epochHeader,
  formatEta,
  formatLogValue,
  formatStepTime,
  formatTime,
  resolveVerbose,
  type ProgressStream,
} from './progress.js';
import { ArgumentError } from '../errors.js';

/** A stream that records writes, and a clock the test moves by hand. */
function fakes(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  const stream: ProgressStream = { write: (s: string) => writes.push(s), isTTY, columns };
  const clock = { t: 0, calls: 0 };
  const now = () => {
    clock.calls++;
    return clock.t;
  };
  return { writes, stream, clock, now };
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

const EPOCH_LOGS = { accuracy: 0.92634, loss: 0.25803 };
const FINAL_LOGS = { ...EPOCH_LOGS, val_accuracy: 0.95812, val_loss: 0.13824 };
const KERAS_TAIL = '- accuracy: 0.9263 - loss: 0.2580 - val_accuracy: 0.9581 - val_loss: 0.1382';

/** 1875 steps, 1.6 ms each (3 s in all), then the epoch-end update with validation logs. */
function runEpoch(bar: ProgressBar, clock: { t: number }) {
  for (let step = 1; step <= 1875; step++) {
    clock.t = (step * 16) / 10;
    bar.update(step, EPOCH_LOGS);
  }
  clock.t = 3000;
  bar.update(1875, FINAL_LOGS, true);
}

test('formatLogValue: 4 decimals, e-notation at and below 1e-3, never 0.0000', () => {
  assert.equal(formatLogValue(0.25803), '0.2580');
  assert.equal(formatLogValue(0.92634), '0.9263');
  assert.equal(formatLogValue(-0.5), '-0.5000');
  assert.equal(formatLogValue(1234.56789), '1234.5679');
  assert.equal(formatLogValue(0.0011), '0.0011');
  assert.equal(formatLogValue(0.001), '1.0000e-03');
  assert.equal(formatLogValue(0.0009), '9.0000e-04');
  assert.equal(formatLogValue(1.5e-5), '1.5000e-05');
  assert.equal(formatLogValue(-2.25e-7), '-2.2500e-07');
  assert.equal(formatLogValue(3e-120), '3.0000e-120');
  assert.equal(formatLogValue(0), '0.0000e+00');
  assert.notEqual(formatLogValue(4e-6), '0.0000');
  // Python rounds an exact tie to even; JS toFixed would give 0.0313.
  assert.equal(formatLogValue(0.03125), '0.0312');
  assert.equal(formatLogValue(0.09375), '0.0938');
  assert.equal(formatLogValue(NaN), 'nan');
  assert.equal(formatLogValue(Infinity), 'inf');
  assert.equal(formatLogValue(-Infinity), '-inf');
  assert.equal(formatLogValue(1e22), '10000000000000000000000.0000');
});

test('formatTime, formatEta and formatStepTime print as Keras', () => {
  assert.equal(formatTime(0), '0s');
  assert.equal(formatTime(3.2), '3s');
  assert.equal(formatTime(2.5), '2s'); // round half to even, as Python's {:.0f}
  assert.equal(formatTime(3.5), '4s');
  assert.equal(formatTime(65.4), '65s');

  assert.equal(formatEta(2.9), '2s'); // Python's %d truncates
  assert.equal(formatEta(60), '60s');
  assert.equal(formatEta(65.7), '1:05');
  assert.equal(formatEta(3600), '60:00');
  assert.equal(formatEta(3725.2), '1:02:05');

  assert.equal(formatStepTime(0), '0s/step');
  assert.equal(formatStepTime(2), '2s/step');
  assert.equal(formatStepTime(1.6), '2s/step');
  assert.equal(formatStepTime(0.0012), '1ms/step');
  assert.equal(formatStepTime(0.0016), '2ms/step');
  assert.equal(formatStepTime(0.9996), '1000ms/step'); // Keras picks the unit before rounding
  assert.equal(formatStepTime(0.0005), '500us/step');
  assert.equal(formatStepTime(2.3e-5), '23us/step');
  assert.equal(formatStepTime(0.25, 'sample'), '250ms/sample');
});

test('resolveVerbose and epochHeader', () => {
  assert.equal(resolveVerbose('auto', { isTTY: true }), 1);
  assert.equal(resolveVerbose('auto', { isTTY: false }), 2);
  assert.equal(resolveVerbose('auto', {}), 2);
  assert.equal(resolveVerbose(0, { isTTY: true }), 0);
  assert.equal(resolveVerbose(1, { isTTY: false }), 1);
  assert.equal(resolveVerbose(2, { isTTY: true }), 2);
  assert.throws(() => resolveVerbose(3 as unknown as 1, {}), (e: unknown) => e instanceof ArgumentError && /verbose.*got 3/.test(e.message));
  assert.equal(epochHeader(1, 5), 'Epoch 1/5');
});

test('the constructor rejects a bad target, verbose or redraw interval', () => {
  const { stream } = fakes(false);
  assert.throws(() => new ProgressBar({ target: -1, verbose: 1, stream }), /ProgressBar: expected target .* got -1/);
  assert.throws(() => new ProgressBar({ target: 1.5, verbose: 1, stream }), ArgumentError);
  assert.throws(() => new ProgressBar({ target: 10, verbose: 3 as unknown as 1, stream }), /verbose 0, 1 or 2, got 3/);
  assert.throws(() => new ProgressBar({ target: 10, verbose: 1, stream, minRedrawMs: -5 }), /minRedrawMs/);
});

test('verbose 2 prints exactly one line per epoch in the Keras format', () => {
  const { writes, stream, clock, now } = fakes(true);
  for (let epoch = 0; epoch < 2; epoch++) {
    clock.t = 0;
    runEpoch(new ProgressBar({ target: 1875, verbose: 2, stream, now }), clock);
    assert.equal(writes.length, epoch + 1);
  }
  // (3000 - 1.6) ms over the 1874 steps after the first one: 1.6 ms/step, printed 2ms/step.
  const line = `1875/1875 - 3s - 2ms/step ${KERAS_TAIL}\n`;
  assert.deepEqual(writes, [line, line]);
});

test('verbose 1 on a TTY redraws in place, throttled, and ends with the Keras line', () => {
  const { writes, stream, clock, now } = fakes(true);
  runEpoch(new ProgressBar({ target: 1875, verbose: 1, stream, now, color: false }), clock);
  // One draw per 50 ms of the 3 s plus the final one.
  assert.ok(writes.length >= 55 && writes.length <= 61, `got ${writes.length} writes`);
  assert.ok(writes.every((w) => w.startsWith('\r') && !w.slice(0, -1).includes('\n')));
  assert.ok(writes.slice(0, -1).every((w) => w.endsWith('\x1b[K')));
  assert.equal(writes.at(-1), `\r1875/1875 ${'━'.repeat(20)} 3s 2ms/step ${KERAS_TAIL}\x1b[K\n`);
  // No colour asked: the only escape is the clear-to-end-of-line.
  assert.ok(writes.every((w) => w.replace(/\x1b\[K/g, '') === stripAnsi(w)));
  // Running lines show the training logs only and an ETA, as Keras does.
  assert.ok(writes.slice(0, -1).every((w) => !w.includes('val_')));
});

test('a running line shows the ETA, the partial bar and the step count', () => {
  const { writes, stream, clock, now } = fakes(true);
  const bar = new ProgressBar({ target: 10, verbose: 1, stream, now, color: false });
  for (let step = 1; step <= 5; step++) {
    clock.t = step * 100;
    bar.update(step, { loss: 1 / step });
  }
  assert.equal(writes.length, 5); // 100 ms apart: every update draws
  // 100 ms/step after the first step, 5 steps to go: ETA 0.5 s, which Keras prints as 0s.
  assert.equal(writes[4], `\r 5/10 ${'━'.repeat(10)}${' '.repeat(10)} 0s 100ms/step - loss: 0.2000\x1b[K`);
  assert.equal(writes[0], `\r 1/10 ${'━'.repeat(2)}${' '.repeat(18)} 0s 100ms/step - loss: 1.0000\x1b[K`);
  clock.t = 1700;
  bar.update(10, { loss: 0.1 }, true);
  assert.equal(writes[5], `\r10/10 ${'━'.repeat(20)} 2s 178ms/step - loss: 0.1000\x1b[K\n`);
  // After the final line nothing more is written.
  bar.update(10, { loss: 0.1 }, true);
  assert.equal(writes.length, 6);
});

test('updates that do not draw read the clock once and write nothing', () => {
  const { writes, stream, clock, now } = fakes(true);
  const bar = new ProgressBar({ target: 1000, verbose: 1, stream, now, color: false });
  clock.calls = 0;
  for (let step = 1; step <= 999; step++) bar.update(step, { loss: 0.5 }); // the clock stands still
  assert.equal(writes.length, 1);
  assert.equal(clock.calls, 999);
});

test('colour: bold count, green done part, grey remaining part; same text once stripped', () => {
  const { writes, stream, clock, now } = fakes(true);
  const bar = new ProgressBar({ target: 10, verbose: 1, stream, now, color: true });
  clock.t = 100;
  bar.update(5, { loss: 0.5 });
  const w = writes[0] as string;
  assert.ok(w.includes(`\x1b[32m${'━'.repeat(10)}\x1b[0m`), JSON.stringify(w));
  assert.ok(w.includes(`\x1b[90m${'━'.repeat(10)}\x1b[0m`), JSON.stringify(w));
  assert.ok(w.includes('\x1b[1m 5/10\x1b[0m'));
  assert.equal(stripAnsi(w), `\r 5/10 ${'━'.repeat(20)} 0s 20ms/step - loss: 0.5000`);
});

test('verbose 1 on a non-TTY stream writes only the final line, without escapes', () => {
  const { writes, stream, clock, now } = fakes(false);
  runEpoch(new ProgressBar({ target: 1875, verbose: 1, stream, now }), clock);
  assert.deepEqual(writes, [`1875/1875 ${'━'.repeat(20)} 3s 2ms/step ${KERAS_TAIL}\n`]);
});

test('verbose 0 writes nothing and never reads the clock', () => {
  const { writes, stream, clock, now } = fakes(true);
  runEpoch(new ProgressBar({ target: 1875, verbose: 0, stream, now }), clock);
  assert.equal(writes.length, 0);
  assert.equal(clock.calls, 0);
});

test('metrics are shown in the order the logs give them', () => {
  const { writes, stream, now } = fakes(false);
  new ProgressBar({ target: 3, verbose: 2, stream, now }).update(3, { loss: 0.3, accuracy: 0.9, mae: 1.25 }, true);
  assert.equal(writes[0], '3/3 - 0s - 0s/step - loss: 0.3000 - accuracy: 0.9000 - mae: 1.2500\n');
});

test('an unknown target shows the Keras "Unknown" count, then the real one at the end', () => {
  const { writes, stream, clock, now } = fakes(true);
  const bar = new ProgressBar({ target: null, verbose: 1, stream, now, color: false });
  clock.t = 100;
  bar.update(1);
  clock.t = 200;
  bar.update(2);
  assert.equal(writes[1], '\r      2/Unknown 0s 100ms/step\x1b[K');
  clock.t = 300;
  bar.update(3, {}, true);
  assert.equal(writes[2], `\r3/3 ${'━'.repeat(20)} 0s 100ms/step\x1b[K\n`);
});

test('running lines are cut to the terminal width so that \\r redraws never wrap', () => {
  const { writes, stream, clock, now } = fakes(true, 40);
  const bar = new ProgressBar({ target: 1875, verbose: 1, stream, now, color: true });
  clock.t = 100;
  bar.update(1, FINAL_LOGS);
  const visible = stripAnsi(writes[0] as string).replace(/^\r/, '');
  assert.equal(visible, `   1/1875 ${'━'.repeat(20)} 3:07 100ms/step - accuracy`.slice(0, 39));
  assert.equal(visible.length, 39);
  clock.t = 3000;
  bar.update(1875, FINAL_LOGS, true);
  assert.ok(stripAnsi(writes[1] as string).includes(KERAS_TAIL), 'the final line is kept whole');
});

test('a long epoch on a log stream writes an interim line every heartbeatMs, so it never looks frozen', () => {
  let now = 0;
  const out: string[] = [];
  const bar = new ProgressBar({ target: 100, verbose: 2, stream: { write: (s: string) => out.push(s), isTTY: false }, now: () => now, heartbeatMs: 10_000 });
  for (let step = 1; step <= 100; step++) {
    now += 250; // 25 s in all
    bar.update(step, { loss: 1 / step });
  }
  bar.update(100, { loss: 0.01 }, true);
  assert.deepEqual(out.map((l) => l.split(' - ')[0]), [' 40/100', ' 80/100', '100/100']);
  assert.match(out[0], /^ 40\/100 - ETA: 15s - 250ms\/step - loss: 0\.0250\n$/);
  assert.match(out[2], /^100\/100 - 25s - 250ms\/step - loss: 0\.0100\n$/);
});
