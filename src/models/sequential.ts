// Sequential: a plain stack of layers with Keras' compile / fit / evaluate / predict / summary.
// The training loop itself is in training.ts.

import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { noGrad } from '../autograd/engine.js';
import { Layer, uniqueName, type Shape } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { InputLayer } from '../layers/input.js';
import type { Variable } from '../layers/variable.js';
import { getLoss, type LossFn } from '../losses/index.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import { getMetric, type Metric, type MetricFn } from '../metrics/index.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { asFloat, checkBatchSize, rows, toData, type DataLike } from './data.js';
import { fitLoop, evaluateLoop, trainStep, type FitOptions } from './training.js';
import { withStepArena } from '../backend/arena.js';
import { isBuiltInLayer } from '../layers/registry.js';
import { allocate } from '../tensor/dtype.js';
import type { History } from './history.js';
import { formatSummary } from './summary.js';
import type { Verbose } from './progress.js';
import { saveModel, type SaveOptions } from '../io/model-io.js';

export interface CompileArgs {
  /** Name ('adam', 'sgd', ...) or an optimizer object. */
  optimizer: string | Optimizer;
  /** Name ('mse', 'sparse_categorical_crossentropy', ...) or a loss function. */
  loss: string | LossFn;
  /** Names ('accuracy', 'mae', ...) or functions. */
  metrics?: (string | MetricFn)[];
}

export interface EvaluateOptions {
  batchSize?: number;
  verbose?: Verbose;
}

export interface PredictOptions {
  /**
   * Samples per forward pass. Default: about 4 MB of input (1,312 MNIST images), between 32 and
   * 4096 samples: large enough to keep every core busy, bounded because the wasm memory a pass runs
   * in never shrinks. Only speed and memory depend on it, not the outputs.
   */
  batchSize?: number;
}

/** Input bytes per forward pass of predict's default batch (see PredictOptions.batchSize). */
const PREDICT_BATCH_BYTES = 4 << 20;

function defaultPredictBatch(x: Tensor): number {
  const rowBytes = 4 * Math.max(1, x.size / Math.max(1, x.shape[0]));
  return Math.min(4096, Math.max(32, 32 * Math.floor(PREDICT_BATCH_BYTES / rowBytes / 32)));
}

/**
 * A linear stack of layers.
 * @example
 * const model = new Sequential([layers.dense({ units: 1, inputShape: [1] })]);
 * model.compile({ loss: 'mean_squared_error', optimizer: 'sgd' });
 * await model.fit([-1, 0, 1, 2, 3, 4], [-3, -1, 1, 3, 5, 7], { epochs: 500 });
 * model.predict([5]); // ~ [[8.99]]
 */
export class Sequential {
  readonly className = 'Sequential';
  readonly name: string;
  readonly layers: Layer[] = [];
  optimizer: Optimizer | null = null;
  loss: LossFn | null = null;
  /** @internal */ metricSpecs: (string | MetricFn)[] = [];
  /** Set by a callback to end fit after the current batch. */
  stopTraining = false;
  #built = false;
  #inputShape: Shape | null = null;

  constructor(layers: Layer[] = [], opts: { name?: string } = {}) {
    this.name = opts.name ?? uniqueName('sequential');
    for (const l of layers) this.add(l);
  }

  /** Appends a layer. An InputLayer (`layers.input({ shape })`) may come first and only declares the input shape. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new ArgumentError(`Sequential "${this.name}": add() expects a layer, got ${typeof layer}`);
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

  /** Input shape with batch dim (null), once known. */
  get inputShape(): Shape | null {
    return this.#inputShape;
  }
  get outputShape(): Shape | null {
    if (!this.#inputShape) return null;
    return this.layers.reduce<Shape>((s, l) => l.computeOutputShape(s), this.#inputShape);
  }
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
    // Dense checks its own input (it accepts any rank with the right last dimension).
    if (!(first instanceof Dense)) {
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

  /** Sets the optimizer, loss and metrics used by fit and evaluate. */
  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new ArgumentError(`Sequential "${this.name}": compile expects { optimizer, loss, metrics? }`);
    if (args.optimizer === undefined) throw new ArgumentError(`Sequential "${this.name}": compile needs an optimizer`);
    if (args.loss === undefined) throw new ArgumentError(`Sequential "${this.name}": compile needs a loss`);
    this.optimizer = getOptimizer(args.optimizer);
    this.loss = getLoss(args.loss);
    const specs = args.metrics ?? [];
    if (!Array.isArray(specs)) throw new ArgumentError(`Sequential "${this.name}": metrics must be an array, got ${typeof specs}`);
    specs.forEach((m) => getMetric(m));
    this.metricSpecs = [...specs];
  }

  /** @internal Fresh metric trackers in compile order. */
  makeMetrics(): Metric[] {
    return this.metricSpecs.map((m) => getMetric(m));
  }

  /**
   * Trains for `epochs` passes over (x, y). Resolves to a History with Keras 3 keys.
   * @example const h = await model.fit(xTrain, yTrain, { epochs: 5, batchSize: 32, validationData: [xTest, yTest] });
   */
  async fit(x: DataLike, y: DataLike, opts: FitOptions = {}): Promise<History> {
    return fitLoop(this, x, y, opts);
  }

  /** Loss and metrics on (x, y): `{ loss, accuracy }`. */
  evaluate(x: DataLike, y: DataLike, opts: EvaluateOptions = {}): Record<string, number> {
    this.#requireCompiled('evaluate');
    return evaluateLoop(this, this.adaptInput(toData('evaluate', 'x', x)), toData('evaluate', 'y', y), checkBatchSize('evaluate', opts.batchSize ?? 32));
  }

  /**
   * Outputs for x, computed in batches without gradients. A single sample without a batch dim, or
   * a flat list for a model with input shape [1] (Keras' `predict([5.0])`), is accepted.
   * @example model.predict(tensor([[5]])) // Tensor([[8.99]])
   */
  predict(x: DataLike, opts: PredictOptions = {}): Tensor {
    const t = this.adaptInput(toData('predict', 'x', x));
    const bs = opts.batchSize === undefined ? defaultPredictBatch(t) : checkBatchSize('predict', opts.batchSize);
    const n = t.shape[0];
    // Built-in layers keep no reference to what they compute, so a batch's layer outputs can live in
    // wasm memory for the pass (read in place by the next layer) and be given back after it. For a
    // handful of samples the copies this saves are smaller than the bookkeeping (single-sample
    // latency is ~12 us).
    const activations = n > 16 && this.layers.every(isBuiltInLayer);
    return noGrad(() => {
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

  /** Outputs for one batch. */
  predictOnBatch(x: DataLike): Tensor {
    const t = this.adaptInput(toData('predictOnBatch', 'x', x));
    return noGrad(() => this.call(t, false));
  }

  /** One gradient step on one batch; returns the batch loss and metrics. */
  trainOnBatch(x: DataLike, y: DataLike): Record<string, number> {
    this.#requireCompiled('trainOnBatch');
    const xt = this.adaptInput(toData('trainOnBatch', 'x', x));
    const yt = toData('trainOnBatch', 'y', y);
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

  #requireCompiled(who: string): void {
    if (!this.optimizer || !this.loss) throw new ArgumentError(`Sequential "${this.name}": call compile() before ${who}()`);
  }

  /** @internal */
  requireCompiled(who: string): void {
    this.#requireCompiled(who);
  }

  get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }
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

  /** Sets all weights from tensors in Keras order (shapes checked before anything changes). */
  setWeights(ws: Tensor[]): void {
    const vars = this.weights;
    if (!Array.isArray(ws) || ws.length !== vars.length) {
      throw new ArgumentError(`Sequential "${this.name}": setWeights expected ${vars.length} arrays, got ${Array.isArray(ws) ? ws.length : typeof ws}`);
    }
    vars.forEach((v, i) => {
      if (ws[i].shape.join() !== v.shape.join()) {
        throw new ShapeError(`Sequential "${this.name}": weight ${v.name} expects shape ${fmtShape(v.shape)}, got ${fmtShape(ws[i].shape)}`);
      }
    });
    vars.forEach((v, i) => v.assign(ws[i]));
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Prints and returns a Keras 3 style table of layers, output shapes and parameter counts. */
  summary(opts: { print?: (line: string) => void } = {}): string {
    const text = formatSummary(this);
    (opts.print ?? ((s: string) => process.stdout.write(s + '\n')))(text);
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

  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new ArgumentError(`Sequential "${this.name}": no layer named "${name}"; layers: ${this.layers.map((x) => x.name).join(', ')}`);
    return l;
  }
}
