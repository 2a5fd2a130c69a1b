// The training loop behind fit / evaluate / trainOnBatch: batching, shuffling, the gradient step,
// running metrics, validation, callbacks, the progress display, and yielding to the event loop.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { backward, noGrad } from '../autograd/engine.js';
import { withStepArena } from '../backend/arena.js';
import { isBuiltInLayer } from '../layers/registry.js';
import { permutation } from '../tensor/random.js';
import type { Metric } from '../metrics/index.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { CallbackList, type CallbackHooks, type Logs } from '../callbacks/callback.js';
import { History } from './history.js';
import { ProgressBar, epochHeader, resolveVerbose, type Verbose } from './progress.js';
import { asFloat, checkBatchSize, rows, takeRows, toData, type DataLike } from './data.js';
import type { Sequential } from './sequential.js';
import { checkSparseLabels } from '../losses/index.js';

export interface FitOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Data to evaluate at the end of each epoch: `[xVal, yVal]`. */
  validationData?: [DataLike, DataLike];
  /** Fraction of the data, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Shuffle the training data each epoch (default true). */
  shuffle?: boolean;
  /** 0 silent, 1 progress bar, 2 one line per epoch, 'auto' (default): 1 on a TTY, else 2. */
  verbose?: Verbose;
  callbacks?: CallbackHooks[];
  /** Epoch to start at (to resume training). */
  initialEpoch?: number;
  /** Where progress goes (default process.stdout). */
  stream?: { write(s: string): unknown; isTTY?: boolean };
}

/** Longest time fit runs without letting timers, servers and the display run. */
const YIELD_MS = 50;
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * One gradient step; updates `metrics` with this batch; returns the batch loss. Call it inside
 * withStepArena (fit and trainOnBatch do): the weight gradients are scratch storage of the step.
 */
export function trainStep(model: Sequential, x: Tensor, y: Tensor, metrics: Metric[]): number {
  const yPred = model.call(x, true);
  const loss = ops.mean(model.loss!(y, yPred));
  const vars = model.trainableWeights;
  const grads = backward(loss);
  const gs = vars.map((v) => grads.get(v.value) ?? ops.zerosLike(v.value));
  model.optimizer!.applyGradients(gs, vars);
  const value = loss.item();
  noGrad(() => {
    for (const m of metrics) m.update(y, yPred);
  });
  return value;
}

/** Loss and metrics over (x, y) in batches, without gradients. */
export function evaluateLoop(model: Sequential, x: Tensor, y: Tensor, batchSize: number): Record<string, number> {
  checkSameLength('evaluate', x, y);
  const metrics = model.makeMetrics();
  let lossSum = 0;
  const n = x.shape[0];
  // As in a training step, built-in layers' outputs live in wasm memory for the batch.
  const activations = model.layers.every(isBuiltInLayer);
  noGrad(() => {
    for (let s = 0; s < n; s += batchSize) {
      const size = Math.min(batchSize, n - s);
      withStepArena(() => {
        const xb = rows(x, s, size);
        const yb = rows(y, s, size);
        const yPred = model.call(xb, false);
        const per = model.loss!(yb, yPred);
        const v = per.values;
        for (let i = 0; i < v.length; i++) lossSum += v[i];
        for (const m of metrics) m.update(yb, yPred);
      }, { activations });
    }
  });
  const out: Record<string, number> = {};
  for (const m of metrics) out[m.name] = m.result();
  out.loss = lossSum / n;
  return out;
}

function checkSameLength(who: string, x: Tensor, y: Tensor): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new ArgumentError(`${who}: x and y have different numbers of samples: x ${fmtShape(x.shape)} has ${x.shape[0]}, y ${fmtShape(y.shape)} has ${y.shape[0]}`);
  }
}

function checkOptions(opts: FitOptions): { epochs: number; batchSize: number; initialEpoch: number } {
  const epochs = opts.epochs ?? 1;
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 0) {
    throw new ArgumentError(`fit: epochs must be a non-negative integer, got ${String(opts.epochs)}`);
  }
  const batchSize = checkBatchSize('fit', opts.batchSize ?? 32);
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new ArgumentError(`fit: initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  if (opts.validationSplit !== undefined && !(opts.validationSplit > 0 && opts.validationSplit < 1)) {
    throw new ArgumentError(`fit: validationSplit must be in (0, 1), got ${opts.validationSplit}`);
  }
  if (opts.validationSplit !== undefined && opts.validationData) throw new ArgumentError('fit: give validationData or validationSplit, not both');
  return { epochs, batchSize, initialEpoch };
}

/** The loop of Sequential.fit. */
export async function fitLoop(model: Sequential, xIn: DataLike, yIn: DataLike, opts: FitOptions): Promise<History> {
  model.requireCompiled('fit');
  const { epochs, batchSize, initialEpoch } = checkOptions(opts);
  let x = model.adaptInput(toData('fit', 'x', xIn));
  let y = toData('fit', 'y', yIn);
  checkSameLength('fit', x, y);
  let xVal: Tensor | null = null;
  let yVal: Tensor | null = null;
  if (opts.validationData) {
    if (!Array.isArray(opts.validationData) || opts.validationData.length !== 2) throw new ArgumentError('fit: validationData must be [xVal, yVal]');
    xVal = model.adaptInput(toData('fit', 'validationData x', opts.validationData[0]));
    yVal = toData('fit', 'validationData y', opts.validationData[1]);
    checkSameLength('fit (validationData)', xVal, yVal);
  } else if (opts.validationSplit !== undefined) {
    const n = x.shape[0];
    const nVal = Math.floor(n * opts.validationSplit);
    if (nVal === 0 || nVal === n) throw new ArgumentError(`fit: validationSplit ${opts.validationSplit} of ${n} samples leaves an empty training or validation set`);
    xVal = rows(x, n - nVal, nVal);
    yVal = rows(y, n - nVal, nVal);
    x = rows(x, 0, n - nVal);
    y = rows(y, 0, n - nVal);
  }
  // Bad labels are reported by their index in the data, before any step has run.
  if (model.loss!.lossName === 'sparse_categorical_crossentropy') {
    if (!model.built) model.build([null, ...x.shape.slice(1)]);
    const classes = model.outputShape![model.outputShape!.length - 1];
    if (classes !== null) {
      checkSparseLabels('fit: y', y, classes);
      if (yVal) checkSparseLabels('fit: validation y', yVal, classes);
    }
  }
  const n = x.shape[0];
  const steps = Math.ceil(n / batchSize);
  const stream = opts.stream ?? process.stdout;
  const verbose = resolveVerbose(opts.verbose ?? 'auto', stream);
  const history = new History();
  // History goes last, as in Keras, so it records what other callbacks add to the logs.
  const cbs = new CallbackList([...(opts.callbacks ?? []), history]);
  model.stopTraining = false;
  cbs.setModel(model);
  cbs.setParams({ epochs, steps, verbose });
  await cbs.trainBegin({});
  const shuffle = opts.shuffle ?? true;
  let lastYield = performance.now();
  const metrics = model.makeMetrics();
  // Only layers see the input batch (losses, metrics and callbacks see labels and predictions), and
  // the library's own layers keep no reference to it or to what they compute: then the batch and
  // the layers' outputs are scratch storage of the step. A model with custom layers keeps plain,
  // garbage-collected batches and outputs.
  const batchInStep = model.layers.every(isBuiltInLayer);
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await cbs.epochBegin(epoch, {});
    if (verbose !== 0 && epochs > 1) stream.write(epochHeader(epoch + 1, epochs) + '\n');
    const bar = verbose === 0 ? null : new ProgressBar({ target: steps, verbose, stream });
    const lossTracker = { sum: 0, n: 0 };
    for (const m of metrics) m.reset();
    const order = shuffle ? permutation(n) : null;
    let logs: Logs = {};
    for (let step = 0; step < steps; step++) {
      await cbs.batchBegin(step, {});
      const start = step * batchSize;
      const size = Math.min(batchSize, n - start);
      const loss = withStepArena(() => {
        const xb = order ? takeRows(x, order.subarray(start, start + size), batchInStep) : rows(x, start, size);
        const yb = order ? takeRows(y, order.subarray(start, start + size)) : rows(y, start, size);
        return trainStep(model, asFloat(xb), yb, metrics);
      }, { activations: batchInStep });
      lossTracker.sum += loss * size;
      lossTracker.n += size;
      // Keras 3 logs running means over the epoch so far, metrics first, then loss.
      logs = {};
      for (const m of metrics) logs[m.name] = m.result();
      logs.loss = lossTracker.sum / lossTracker.n;
      await cbs.batchEnd(step, logs);
      bar?.update(step + 1, logs);
      if (model.stopTraining) break;
      const now = performance.now();
      if (now - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const epochLogs: Logs = { ...logs };
    if (xVal && yVal) {
      const v = evaluateLoop(model, xVal, yVal, batchSize);
      for (const [k, val] of Object.entries(v)) epochLogs[`val_${k}`] = val;
    }
    bar?.update(steps, epochLogs, true);
    await cbs.epochEnd(epoch, epochLogs);
    await yieldToEventLoop();
    lastYield = performance.now();
  }
  await cbs.trainEnd({});
  return history;
}
