// Sequential: a plain stack of layers with Keras' compile / fit / evaluate / predict / summary.
// The training loop itself is in training.ts.

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { noGrad } from '../autograd/engine.js';
import { Layer, assignWeights, uniqueName, type Shape } from '../layers/layer.js';
import { InputLayer } from '../layers/input.js';
import type { Variable } from '../layers/variable.js';
import { getLoss, type LossFn } from '../losses/index.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import { getMetric, type Metric, type MetricFn } from '../metrics/index.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { asFloat, checkBatchSize, rows, toData, type DataLike } from './data.js';
import { fitLoop, evaluateLoop, trainStep, checkAllLabels, type FitOptions } from './training.js';
import { withStepArena } from '../backend/arena.js';
import { isBuiltInLayer } from '../layers/registry.js';
import { allocate } from '../tensor/dtype.js';
import type { History } from './history.js';
import { formatSummary } from './summary.js';
import { resolveVerbose, type ProgressStream, type Verbose } from './progress.js';
import { saveModel, type SaveOptions } from '../io/model-io.js';
import { checkOptions, describeValue, keyList } from '../options.js';

/** What `compile` takes, as Keras' `model.compile(optimizer=..., loss=..., metrics=[...])`. */
export interface CompileArgs {
  /** Name ('adam', 'sgd', 'rmsprop', 'adagrad', 'adamw', with Keras defaults) or an optimizer object (`optimizers.adam(0.01)`). */
  optimizer: string | Optimizer;
  /**
   * Name ('mse', 'mae', 'huber', 'binary_crossentropy', 'categorical_crossentropy',
   * 'sparse_categorical_crossentropy', camelCase accepted), a `losses.*` object, or a function
   * (yTrue, yPred) => per-sample losses (such a model cannot save its loss).
   */
  loss: string | LossFn;
  /**
   * Names ('accuracy' picks binary / categorical / sparse from the shapes as Keras does, 'mae',
   * 'mse', ...) or functions; logged under the name given (`acc` stays `acc`).
   */
  metrics?: (string | MetricFn)[];
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Samples per batch (default 32); the results do not depend on it. */
  batchSize?: number;
  /** 0 (default) silent; 1 a progress bar, 2 one line at the end ('auto': 1 on a TTY, else 2), as Keras prints. */
  verbose?: Verbose;
  /** Where the progress goes (default process.stdout). */
  stream?: ProgressStream;
}

/** Options of `predict`. */
export interface PredictOptions {
  /**
   * Samples per forward pass. Default: about 4 MB of input (1,312 MNIST images), between 32 and
   * 4096 samples: large enough to keep every core busy, bounded because the wasm memory a pass runs
   * in never shrinks. Only speed and memory depend on it, not the outputs.
   */
  batchSize?: number;
}

const COMPILE_ARGS = keyList<CompileArgs>({ optimizer: true, loss: true, metrics: true });
const EVALUATE_OPTIONS = keyList<EvaluateOptions>({ batchSize: true, verbose: true, stream: true });
const PREDICT_OPTIONS = keyList<PredictOptions>({ batchSize: true });

/** Input bytes per forward pass of predict's default batch (see PredictOptions.batchSize). */
const PREDICT_BATCH_BYTES = 4 << 20;

function defaultPredictBatch(x: Tensor): number {
  const rowBytes = 4 * Math.max(1, x.size / Math.max(1, x.shape[0]));
  return Math.min(4096, Math.max(32, 32 * Math.floor(PREDICT_BATCH_BYTES / rowBytes / 32)));
}

/**
 * A linear stack of layers, Keras' Sequential: build it from a list of layers (the first gives
 * the input shape, or starts with `layers.input({ shape })`), `compile`, `fit`, `evaluate`,
 * `predict`, `save`. Layer names are unique within a model.
 * @example
 * const model = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
 * model.compile({ loss: 'mean_squared_error', optimizer: 'sgd' });
 * await model.fit([-1, 0, 1, 2, 3, 4], [-3, -1, 1, 3, 5, 7], { epochs: 500 });
 * model.predict([5]); // ~ [[8.99]]
 */
export class Sequential {
  /** The Keras class name written to model.json. */
  readonly className = 'Sequential';
  /** The model's name: `sequential`, `sequential_1`, ... unless given. */
  readonly name: string;
  /** The layers in order (an InputLayer is not listed, as in Keras). Do not modify; use `add`. */
  readonly layers: Layer[] = [];
  /** The compiled optimizer (null before compile); training keeps its state (Adam's moments, steps). */
  optimizer: Optimizer | null = null;
  /** The compiled loss (null before compile). */
  loss: LossFn | null = null;
  /** @internal */ metricSpecs: (string | MetricFn)[] = [];
  /** Set by a callback to end fit after the current batch. */
  stopTraining = false;
  #built = false;
  #inputShape: Shape | null = null;
  /** What is training the model now ('fit' / 'trainOnBatch'), or null. */
  #trainingBy: string | null = null;
  /** > 0 while a callback of the running fit is being called: callbacks may set weights (EarlyStopping does). */
  #inCallback = 0;

  /**
   * @param layers The layers in order; more can be added with `add`.
   * @param opts `name` (default `sequential`, `sequential_1`, ...).
   */
  constructor(layers: Layer[] = [], opts: { name?: string } = {}) {
    const o = checkOptions<{ name?: string }>('Sequential', opts, ['name'], { what: 'the second argument', example: "{ name: 'my_model' }" });
    if (!Array.isArray(layers)) throw new ArgumentError(`Sequential: the first argument is a list of layers, got ${describeValue(layers)}`);
    if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) throw new ArgumentError(`Sequential: name must be a non-empty string, got ${describeValue(o.name)}`);
    this.name = o.name ?? uniqueName('sequential');
    for (const l of layers) this.add(l);
  }

  /**
   * @internal Marks the model as training until `end()` (fit and trainOnBatch use it): a second
   * fit, trainOnBatch, compile, add or setWeights meanwhile is refused, except setWeights from the
   * running fit's own callbacks (inside `scope`). predict, evaluate and save stay allowed.
   */
  startTraining(who: string): { end(): void; scope: { enter(): void; exit(): void } } {
    this.#refuseWhileTraining(who);
    this.#trainingBy = who;
    return {
      end: () => {
        this.#trainingBy = null;
        this.#inCallback = 0;
      },
      scope: { enter: () => void this.#inCallback++, exit: () => void this.#inCallback-- },
    };
  }

  #refuseWhileTraining(who: string): void {
    if (this.#trainingBy === null) return;
    const what = who === 'fit' ? 'start fit() while another fit() call is running' : `${who}() while ${this.#trainingBy}() is running`;
    throw new ArgumentError(
      `Sequential "${this.name}": cannot ${what} on this model (TF.js: "Cannot start training because another fit() call is ongoing."); await the running fit() first. predict() and evaluate() may run meanwhile`,
    );
  }

  /** True while fit() is running on this model. */
  get isTraining(): boolean {
    return this.#trainingBy !== null;
  }

  /**
   * Appends a layer. An InputLayer (`layers.input({ shape })`) may come first and only declares the
   * input shape. Refused while fit runs, for a duplicate name, or for an input shape on a later layer.
   * @example model.add(layers.dense({ units: 10, activation: 'softmax' }))
   */
  add(layer: Layer): void {
    this.#refuseWhileTraining('add');
    if (!(layer instanceof Layer)) throw new ArgumentError(`Sequential "${this.name}": add() expects a layer, got ${describeValue(layer)}`);
    if (layer instanceof InputLayer) {
      if (this.layers.length > 0 || this.#inputShape) {
        throw new ArgumentError(`Sequential "${this.name}": an input (InputLayer "${layer.name}") can only come first`);
      }
      // Keras 3 keeps the InputLayer out of model.layers; its shape builds the layers that follow.
      this.#inputShape = [...layer.batchInputShape!];
      return;
    }
    if (this.layers.some((l) => l.name === layer.name)) {
      throw new ArgumentError(`Sequential "${this.name}": a layer named "${layer.name}" is already in the model; layer names must be unique`);
    }
    if ((this.layers.length > 0 || this.#inputShape) && layer.batchInputShape) {
      // Keras accepts inputShape only on the first layer of a Sequential.
      throw new ArgumentError(`Sequential "${this.name}": only the first layer may declare an input shape ("${layer.name}" does${this.layers.length === 0 ? ', after an input' : ''})`);
    }
    this.layers.push(layer);
    this.#built = false;
    // Keras builds as soon as the input shape is known, so summary() works before fit.
    if (this.#inputShape) this.build(this.#inputShape);
    else if (this.layers.length === 1 && layer.batchInputShape) this.build(layer.batchInputShape);
  }

  /** Input shape with batch dim (null), once known: `[null, 28, 28]`. */
  get inputShape(): Shape | null {
    return this.#inputShape;
  }
  /** Output shape with batch dim (null), once the input shape is known: `[null, 10]`. */
  get outputShape(): Shape | null {
    if (!this.#inputShape) return null;
    return this.layers.reduce<Shape>((s, l) => l.computeOutputShape(s), this.#inputShape);
  }
  /** True once every layer has its weights (when the input shape is known, or after the first call). */
  get built(): boolean {
    return this.#built;
  }

  /** Creates every layer's weights for `inputShape` (batch dim included, may be null). */
  build(inputShape: Shape): void {
    let s = inputShape;
    for (const l of this.layers) {
      l.buildFor(s);
      s = l.computeOutputShape(s);
    }
    this.#inputShape = [...inputShape];
    this.#built = true;
  }

  /** @internal The forward pass (with shape checks against the declared input shape). */
  call(x: Tensor, training: boolean): Tensor {
    if (this.layers.length === 0) throw new ArgumentError(`Sequential "${this.name}": the model has no layers`);
    if (!this.#built) this.build([null, ...x.shape.slice(1)]);
    const first = this.layers[0];
    const expected = this.#inputShape!;
    // A layer with its own rule for the model's input (Dense) checks its input in its call.
    if (first.checkModelInput(x.shape, expected) === undefined) {
      const ok = expected.length === x.rank && expected.every((d, i) => d === null || d === x.shape[i]);
      if (!ok) {
        const exp = `[${expected.map((d) => (d === null ? 'None' : d)).join(', ')}]`;
        throw new ShapeError(`${first.className} "${first.name}": expected input shape ${exp}, got ${fmtShape(x.shape)}`);
      }
    }
    let y = asFloat(x);
    for (const l of this.layers) y = l.apply(y, { training });
    return y;
  }

  /**
   * Sets the optimizer, loss and metrics used by fit and evaluate. Unknown names are refused with
   * the valid ones listed. Compiling again starts a fresh optimizer state unless you pass the same
   * optimizer object.
   * @example model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
   */
  compile(args: CompileArgs): void {
    this.#refuseWhileTraining('compile');
    const who = `Sequential "${this.name}": compile`;
    if (args === undefined || args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new ArgumentError(`${who} expects { optimizer, loss, metrics? }, e.g. { optimizer: 'adam', loss: 'mse' }; got ${describeValue(args)}`);
    }
    checkOptions(who, args, COMPILE_ARGS);
    if (args.optimizer === undefined) throw new ArgumentError(`${who} needs an optimizer`);
    if (args.loss === undefined) throw new ArgumentError(`${who} needs a loss`);
    const optimizer = getOptimizer(args.optimizer);
    const loss = getLoss(args.loss);
    const specs = args.metrics ?? [];
    if (!Array.isArray(specs)) throw new ArgumentError(`${who}: metrics must be an array, got ${describeValue(specs)}`);
    specs.forEach((m) => getMetric(m));
    this.optimizer = optimizer;
    this.loss = loss;
    this.metricSpecs = [...specs];
  }

  /** @internal Fresh metric trackers in compile order. */
  makeMetrics(): Metric[] {
    return this.metricSpecs.map((m) => getMetric(m));
  }

  /**
   * Trains for `epochs` passes over (x, y) in shuffled batches. x is [samples, ...inputShape]
   * (a tensor or nested arrays), y [samples] class indices or [samples, classes] / [samples, 1]
   * targets, as the loss expects. Prints Keras-style progress (see `verbose`) and resolves to a
   * History with Keras 3 keys. One fit at a time per model; it yields to the event loop so a
   * server keeps answering.
   * @example const h = await model.fit(xTrain, yTrain, { epochs: 5, batchSize: 32, validationData: [xTest, yTest] });
   */
  async fit(x: DataLike, y: DataLike, opts: FitOptions = {}): Promise<History> {
    return fitLoop(this, x, y, opts);
  }

  /**
   * Loss and metrics on (x, y), averaged over all samples: `{ loss, accuracy }` (the compiled
   * metrics' names). Quiet unless `verbose` says otherwise.
   * @example model.evaluate(xTest, yTest, { verbose: 1 }) // prints `313/313 ━━━━ 0s 1ms/step - accuracy: 0.97 - loss: 0.09`
   */
  evaluate(x: DataLike, y: DataLike, opts: EvaluateOptions = {}): Record<string, number> {
    const o = checkOptions<EvaluateOptions>('evaluate', opts, EVALUATE_OPTIONS, { what: 'the third argument', example: '{ batchSize: 32, verbose: 1 }' });
    this.#requireCompiled('evaluate');
    const batchSize = checkBatchSize('evaluate', o.batchSize ?? 32);
    const stream = o.stream ?? process.stdout;
    const verbose = resolveVerbose(o.verbose ?? 0, stream);
    const xt = this.adaptInput(toData('evaluate', 'x', x));
    const yt = toData('evaluate', 'y', y);
    this.checkInput(xt);
    checkAllLabels(this, 'evaluate: y', yt, xt.shape);
    return evaluateLoop(this, xt, yt, batchSize, verbose, stream);
  }

  /**
   * Outputs for x, computed in batches without gradients: [samples, ...inputShape] ->
   * [samples, ...outputShape]. A single sample without a batch dim, or a flat list for a model with
   * input shape [1] (Keras' `predict([5.0])`), is accepted. ShapeError names the first layer and
   * both shapes when x does not fit.
   * @example model.predict(tensor([[5]])) // Tensor([[8.99]])
   * @example model.predict(xTest.div(255)).argMax(-1) // [10000, 28, 28] -> [10000] predicted digits
   */
  predict(x: DataLike, opts: PredictOptions = {}): Tensor {
    const o = checkOptions<PredictOptions>('predict', opts, PREDICT_OPTIONS, { what: 'the second argument', example: '{ batchSize: 32 }' });
    const t = this.adaptInput(toData('predict', 'x', x));
    this.checkInput(t);
    const bs = o.batchSize === undefined ? defaultPredictBatch(t) : checkBatchSize('predict', o.batchSize);
    const n = t.shape[0];
    // Built-in layers keep no reference to what they compute, so a batch's layer outputs can live in
    // wasm memory for the pass (read in place by the next layer) and be given back after it. For a
    // handful of samples the copies this saves are smaller than the bookkeeping (single-sample
    // latency is ~12 us).
    const activations = n > 16 && this.layers.every(isBuiltInLayer);
    return noGrad(() => {
      if (n === 0) return this.call(t, false);
      let out: Tensor | null = null;
      for (let s = 0; s < n; s += bs) {
        const size = Math.min(bs, n - s);
        withStepArena(() => {
          const y = this.call(rows(t, s, size), false);
          // Copied out before the pass gives its storage back; one result array, no concat.
          out ??= new Tensor(allocate(y.dtype, (y.size / size) * n), [n, ...y.shape.slice(1)], y.dtype);
          out.values.set(y.values, s * (y.size / size));
        }, { activations });
      }
      return out!;
    });
  }

  /** Outputs for x as one batch (no splitting), without gradients. @example model.predictOnBatch(xTest.slice([0], [32])) // [32, 10] */
  predictOnBatch(x: DataLike): Tensor {
    const t = this.adaptInput(toData('predictOnBatch', 'x', x));
    this.checkInput(t);
    return noGrad(() => this.call(t, false));
  }

  /**
   * One gradient step on (x, y) as one batch; returns that batch's loss and metrics.
   * @example model.trainOnBatch(xBatch, yBatch) // { accuracy: 0.84, loss: 0.52 }
   */
  trainOnBatch(x: DataLike, y: DataLike): Record<string, number> {
    this.#refuseWhileTraining('trainOnBatch');
    this.#requireCompiled('trainOnBatch');
    const xt = this.adaptInput(toData('trainOnBatch', 'x', x));
    const yt = toData('trainOnBatch', 'y', y);
    this.checkInput(xt);
    checkAllLabels(this, 'trainOnBatch: y', yt, xt.shape);
    const metrics = this.makeMetrics();
    const loss = withStepArena(() => trainStep(this, xt, yt, metrics), { activations: this.layers.every(isBuiltInLayer) });
    const out: Record<string, number> = {};
    for (const m of metrics) out[m.name] = m.result();
    out.loss = loss;
    return out;
  }

  /** @internal Keras conveniences: a single sample without batch dim, or [n] for input shape [1]. */
  adaptInput(t: Tensor): Tensor {
    const s = this.#inputShape;
    if (!s) return t;
    const inner = s.slice(1);
    if (t.rank === s.length - 1) {
      if (inner.every((d, i) => d === null || d === t.shape[i])) return ops.expandDims(t, 0);
      if (inner.length === 1 && inner[0] === 1) return ops.expandDims(t, -1);
    }
    return t;
  }

  /**
   * @internal Checks a whole input against the model's input shape before it is cut into batches,
   * so the message shows the user's shape ([100, 784], not the first batch's [32, 784]).
   */
  checkInput(x: Tensor, what?: string): void {
    const expected = this.#inputShape;
    const of = what ? ` (${what})` : '';
    const first = this.layers[0];
    if (!expected || !first) return;
    const own = first.checkModelInput(x.shape, expected);
    if (own === null) return;
    if (own !== undefined) throw new ShapeError(`${own}${of}${reshapeHint(x, expected)}`);
    if (expected.length === x.rank && expected.every((d, i) => i === 0 || d === null || d === x.shape[i])) return;
    throw new ShapeError(`${first.className} "${first.name}": expected input shape ${fmtShape(expected)}, got ${fmtShape(x.shape)}${of}${reshapeHint(x, expected)}`);
  }

  #requireCompiled(who: string): void {
    if (!this.optimizer || !this.loss) throw new ArgumentError(`Sequential "${this.name}": call compile() before ${who}()`);
  }

  /** @internal */
  requireCompiled(who: string): void {
    this.#requireCompiled(who);
  }

  /** The weights the optimizer updates, in Keras order. */
  get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }
  /** The weights fit does not update (frozen layers, BatchNormalization's moving statistics). */
  get nonTrainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights);
  }
  /** Every weight, in Keras order: layer by layer, trainable first within a layer. */
  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  /** Copies of all weights, in Keras order. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => v.read());
  }

  /**
   * Sets all weights in Keras order from tensors or nested arrays (Keras takes NumPy arrays):
   * every shape is checked before anything changes.
   * @example model.setWeights([[[2]], [-1]]) // kernel [[2]], bias [-1]
   */
  setWeights(ws: (Tensor | TensorLike)[]): void {
    if (this.#inCallback === 0) this.#refuseWhileTraining('setWeights');
    assignWeights(`Sequential "${this.name}"`, 'the model', this.weights, ws);
  }

  /** The number of weight values in all layers (trainable or not). @example model.countParams() // 101770 for the MNIST MLP */
  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /**
   * Prints and returns a Keras 3 style table of layers, output shapes and parameter counts;
   * `print` receives the text instead of stdout.
   * @example const text = model.summary({ print: () => {} }); // only return it
   */
  summary(opts: { print?: (line: string) => void } = {}): string {
    const o = checkOptions<{ print?: (line: string) => void }>('summary', opts, ['print'], { example: '{ print: console.log }' });
    if (o.print !== undefined && typeof o.print !== 'function') throw new ArgumentError(`summary: print must be a function, got ${describeValue(o.print)}`);
    const text = formatSummary(this);
    (o.print ?? ((s: string) => process.stdout.write(s + '\n')))(text);
    return text;
  }

  /**
   * Saves to directory `dir` in the TensorFlow.js layers format (model.json + weights), atomically.
   * With includeOptimizer, a loaded model's fit continues where this one stopped.
   * @example await model.save('out/my-model'); const again = await loadModel('out/my-model');
   */
  async save(dir: string, opts: SaveOptions = {}): Promise<void> {
    await saveModel(this, dir, opts);
  }

  /** The layer named `name`; ArgumentError listing the names if there is none. @example model.getLayer('dense_1') */
  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new ArgumentError(`Sequential "${this.name}": no layer named "${name}"; layers: ${this.layers.map((x) => x.name).join(', ')}`);
    return l;
  }
}

/** When x holds a whole number of samples of the expected shape, how to reshape it. */
function reshapeHint(x: Tensor, expected: Shape): string {
  const inner = expected.slice(1);
  if (inner.some((d) => d === null)) return '';
  const per = (inner as number[]).reduce((a, b) => a * b, 1);
  if (per === 0 || x.size % per !== 0 || x.size === 0) return '';
  const n = x.size / per;
  return `: its ${x.size} values make ${n} sample${n === 1 ? '' : 's'} of ${fmtShape(inner)}; reshape it, e.g. x.reshape(${fmtShape([n, ...(inner as number[])])})`;
}
