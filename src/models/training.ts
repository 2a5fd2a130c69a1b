// The training loop behind fit / evaluate / trainOnBatch: batching, shuffling, the gradient step,
// running metrics, validation, callbacks, the progress display, and yielding to the event loop.

import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { backward, noGrad } from '../autograd/engine.js';
import { withStepArena } from '../backend/arena.js';
import { isBuiltInLayer } from '../layers/registry.js';
import { permutation } from '../tensor/random.js';
import type { Metric } from '../metrics/index.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { CALLBACK_HOOKS, CallbackList, type CallbackHooks, type Logs } from '../callbacks/callback.js';
import { History } from './history.js';
import { ProgressBar, epochHeader, resolveVerbose, type ProgressStream, type Verbose } from './progress.js';
import { asFloat, checkBatchSize, rows, takeRows, toData, type DataLike } from './data.js';
import type { Sequential } from './sequential.js';
import { checkLabels, isBuiltInLoss, type LossFn } from '../losses/index.js';
import { checkOptions, describeValue, keyList, nonNegativeInt, numberWhere, suggestKey, bool } from '../options.js';

/** Options of `fit`, Keras' names in camelCase with Keras' defaults. */
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
  /** Callbacks: a list, or one callback (as TF.js accepts). */
  callbacks?: CallbackHooks[] | CallbackHooks;
  /** Epoch to start at (to resume training). */
  initialEpoch?: number;
  /** Where progress goes (default process.stdout). */
  stream?: ProgressStream;
}

const FIT_OPTIONS = keyList<FitOptions>({
  epochs: true, batchSize: true, validationData: true, validationSplit: true, shuffle: true, verbose: true, callbacks: true, initialEpoch: true, stream: true,
});

/** fit's third argument, checked: `fit(x, y, 500)` is refused with the object it meant. */
export function fitOptions(opts: unknown): FitOptions {
  return checkOptions<FitOptions>('fit', opts, FIT_OPTIONS, {
    what: 'the third argument',
    example: (v) => (typeof v === 'number' ? `{ epochs: ${v} }` : '{ epochs: 5, batchSize: 32 }'),
  });
}

/** Longest time fit runs without letting timers, servers and the display run. */
const YIELD_MS = 50;
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** How messages name the compiled loss: `loss 'mean_squared_error'` or `the loss function 'myLoss'`. */
function lossWho(loss: LossFn): string {
  if (isBuiltInLoss(loss)) return `loss '${loss.lossName}'`;
  return `the loss function${loss.name ? ` '${loss.name}'` : ''}`;
}

/** The compiled loss on one batch: per-sample values (any shape; fit averages them), checked to be a Tensor. */
function lossOf(model: Sequential, y: Tensor, yPred: Tensor): Tensor {
  const out: unknown = model.loss!(y, yPred);
  if (!(out instanceof Tensor)) {
    throw new ArgumentError(
      `fit: ${lossWho(model.loss!)} returned ${describeValue(out)}; a loss must return a Tensor computed from yPred with nerva ops ` +
        `(one value per sample, or a scalar), e.g. (yTrue, yPred) => yPred.sub(yTrue).square().mean(-1)`,
    );
  }
  return out;
}

/**
 * One gradient step; updates `metrics` with this batch; returns the batch loss. Call it inside
 * withStepArena (fit and trainOnBatch do): the weight gradients are scratch storage of the step.
 * A loss through which no gradient reaches any trainable weight is refused before anything changes
 * (Keras: "No gradients provided for any variable"), since training would silently do nothing.
 */
export function trainStep(model: Sequential, x: Tensor, y: Tensor, metrics: Metric[]): number {
  const yPred = model.call(x, true);
  const perSample = lossOf(model, y, yPred);
  const loss = noGrad(() => ops.mean(perSample));
  const vars = model.trainableWeights;
  // The loss is the mean of the per-sample values: backward starts from those, each with d(mean) =
  // 1/n (the value mean's own rules would pass down, to the bit), three ops fewer per step.
  const grads = perSample.requiresGrad ? backward(perSample, ops.fill(perSample.shape, 1 / perSample.size, perSample.dtype)) : new Map<Tensor, Tensor>();
  if (vars.length > 0 && !vars.some((v) => grads.has(v.value))) {
    throw new ArgumentError(
      `fit: no gradient flows from ${lossWho(model.loss!)} to any trainable weight, so training would change nothing ` +
        `(Keras: "No gradients provided for any variable"). Compute the loss from yPred with nerva ops: ` +
        `not from toArray(), item() or data(), not inside noGrad, and not from yTrue alone`,
    );
  }
  const gs = vars.map((v) => grads.get(v.value) ?? ops.zerosLike(v.value));
  model.optimizer!.applyGradients(gs, vars);
  const value = loss.item();
  noGrad(() => {
    for (const m of metrics) m.update(y, yPred);
  });
  return value;
}

/** Loss and metrics over (x, y) in batches, without gradients; with a progress bar when verbose. */
export function evaluateLoop(model: Sequential, x: Tensor, y: Tensor, batchSize: number, verbose: 0 | 1 | 2 = 0, stream?: ProgressStream): Record<string, number> {
  checkSameLength('evaluate', x, y);
  const metrics = model.makeMetrics();
  let lossSum = 0;
  let count = 0;
  const n = x.shape[0];
  const steps = Math.ceil(n / batchSize);
  const bar = verbose === 0 ? null : new ProgressBar({ target: steps, verbose, ...(stream ? { stream } : {}) });
  const logs = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const m of metrics) out[m.name] = m.result();
    out.loss = lossSum / count;
    return out;
  };
  // As in a training step, built-in layers' outputs live in wasm memory for the batch.
  const activations = model.layers.every(isBuiltInLayer);
  noGrad(() => {
    for (let step = 0, s = 0; s < n; step++, s += batchSize) {
      const size = Math.min(batchSize, n - s);
      withStepArena(() => {
        const xb = rows(x, s, size);
        const yb = rows(y, s, size);
        const yPred = model.call(xb, false);
        const v = lossOf(model, yb, yPred).values;
        // A per-sample loss has one value per sample; a loss that returns a scalar counts as the batch mean.
        const perSample = v.length === size;
        for (let i = 0; i < v.length; i++) lossSum += perSample ? v[i] : (v[i] * size) / v.length;
        count += size;
        for (const m of metrics) m.update(yb, yPred);
      }, { activations });
      bar?.update(step + 1, logs());
    }
  });
  const out = logs();
  bar?.update(steps, out, true);
  return out;
}

/** Checks all labels for a loss that constrains them, before any step (so a bad one is named by its index in y). */
export function checkAllLabels(model: Sequential, who: string, y: Tensor, inputShape: readonly number[]): void {
  if (!model.built) model.build([null, ...inputShape.slice(1)]);
  const out = model.outputShape!;
  checkLabels(model.loss!, who, y, out[out.length - 1]);
}

function checkSameLength(who: string, x: Tensor, y: Tensor): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new ArgumentError(`${who}: x and y have different numbers of samples: x ${fmtShape(x.shape)} has ${x.shape[0]}, y ${fmtShape(y.shape)} has ${y.shape[0]}`);
  }
}

function readOptions(opts: FitOptions): { epochs: number; batchSize: number; initialEpoch: number; shuffle: boolean } {
  const epochs = opts.epochs === undefined ? 1 : nonNegativeInt('fit', 'epochs', opts.epochs);
  const batchSize = checkBatchSize('fit', opts.batchSize ?? 32);
  const initialEpoch = opts.initialEpoch === undefined ? 0 : nonNegativeInt('fit', 'initialEpoch', opts.initialEpoch);
  if (opts.validationSplit !== undefined) numberWhere('fit', 'validationSplit', opts.validationSplit, (v) => v > 0 && v < 1, 'in (0, 1)');
  if (opts.validationSplit !== undefined && opts.validationData) throw new ArgumentError('fit: give validationData or validationSplit, not both');
  const shuffle = opts.shuffle === undefined ? true : bool('fit', 'shuffle', opts.shuffle);
  return { epochs, batchSize, initialEpoch, shuffle };
}

/**
 * The callbacks option as a list: one callback alone is accepted (as TF.js does). Each must be an
 * object; a plain object may only hold hook functions, so `onEpochEnds` is refused, not ignored.
 */
function readCallbacks(v: unknown): CallbackHooks[] {
  if (v === undefined || v === null) return [];
  const list: unknown[] = Array.isArray(v) ? v : [v];
  list.forEach((c, i) => {
    const who = `fit: callbacks${Array.isArray(v) ? `[${i}]` : ''}`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      throw new ArgumentError(`${who} is ${describeValue(c)}; a callback is an object with hooks, e.g. { onEpochEnd(epoch, logs) { ... } }, or one of callbacks.*`);
    }
    const proto = Object.getPrototypeOf(c);
    const plain = proto === Object.prototype || proto === null;
    for (const hook of Object.keys(c)) {
      const f = (c as Record<string, unknown>)[hook];
      if (plain && !(CALLBACK_HOOKS as readonly string[]).includes(hook)) {
        const hint = suggestKey(hook, CALLBACK_HOOKS);
        throw new ArgumentError(`${who}: unknown hook '${hook}'${hint ? `; did you mean '${hint}'?` : ''} (hooks: ${CALLBACK_HOOKS.join(', ')})`);
      }
      if ((CALLBACK_HOOKS as readonly string[]).includes(hook) && f !== undefined && typeof f !== 'function') {
        throw new ArgumentError(`${who}: ${hook} must be a function, got ${describeValue(f)}`);
      }
    }
  });
  return list as CallbackHooks[];
}

/** The loop of Sequential.fit. Only one fit runs on a model at a time (TF.js refuses a second one too). */
export async function fitLoop(model: Sequential, xIn: DataLike, yIn: DataLike, optsIn: unknown): Promise<History> {
  const opts = fitOptions(optsIn);
  model.requireCompiled('fit');
  const { epochs, batchSize, initialEpoch, shuffle } = readOptions(opts);
  const userCallbacks = readCallbacks(opts.callbacks);
  const stream = opts.stream ?? process.stdout;
  const verbose = resolveVerbose(opts.verbose ?? 'auto', stream);
  // Taken before the first await, so a second fit() started in the same tick is refused.
  const training = model.startTraining('fit');
  try {
    return await fitEpochs(model, xIn, yIn, opts, { epochs, batchSize, initialEpoch, shuffle, userCallbacks, stream, verbose, training });
  } finally {
    training.end();
  }
}

interface FitPlan {
  epochs: number;
  batchSize: number;
  initialEpoch: number;
  shuffle: boolean;
  userCallbacks: CallbackHooks[];
  stream: ProgressStream;
  verbose: 0 | 1 | 2;
  training: { scope: { enter(): void; exit(): void } };
}

async function fitEpochs(model: Sequential, xIn: DataLike, yIn: DataLike, opts: FitOptions, plan: FitPlan): Promise<History> {
  const { epochs, batchSize, initialEpoch, shuffle, stream, verbose } = plan;
  let x = model.adaptInput(toData('fit', 'x', xIn));
  let y = toData('fit', 'y', yIn);
  model.checkInput(x);
  checkSameLength('fit', x, y);
  let xVal: Tensor | null = null;
  let yVal: Tensor | null = null;
  if (opts.validationData) {
    if (!Array.isArray(opts.validationData) || opts.validationData.length !== 2) throw new ArgumentError(`fit: validationData must be [xVal, yVal], got ${describeValue(opts.validationData)}`);
    xVal = model.adaptInput(toData('fit', 'validationData x', opts.validationData[0]));
    yVal = toData('fit', 'validationData y', opts.validationData[1]);
    model.checkInput(xVal, 'validationData x');
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
  checkAllLabels(model, 'fit: y', y, x.shape);
  if (yVal) checkAllLabels(model, 'fit: validation y', yVal, x.shape);
  const n = x.shape[0];
  const steps = Math.ceil(n / batchSize);
  const history = new History();
  // History goes last, as in Keras, so it records what other callbacks add to the logs.
  const cbs = new CallbackList([...plan.userCallbacks, history], plan.training.scope);
  model.stopTraining = false;
  cbs.setModel(model);
  cbs.setParams({ epochs, steps, verbose });
  await cbs.trainBegin({});
  let lastYield = performance.now();
  const metrics = model.makeMetrics();
  // Only layers see the input batch and the activations (losses and metrics see labels and
  // predictions within the step, callbacks only numbers), and the library's own layers keep no
  // reference to them: then they are storage of the step's arena. A model with custom layers keeps
  // plain, garbage-collected batches and activations.
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
