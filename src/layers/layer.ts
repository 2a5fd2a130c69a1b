// The Layer base class, Keras style: constructor(config) / build(inputShape) / call(x) /
// computeOutputShape / getConfig. Weights are created only through addWeight.

import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { toTensor } from '../ops/convert.js';
import { Variable } from './variable.js';
import type { Initializer } from '../initializers.js';
import { getInitializer } from '../initializers.js';
import { ArgumentError, FormatError, ShapeError, fmtShape } from '../errors.js';
import { snakeCase } from '../activations.js';
import { sizeOf } from '../tensor/shape.js';
import type { ConfigReader } from './config.js';
import { checkOptions, describeValue, keyList } from '../options.js';

/** A shape with the batch dimension (and other unknown dims) as null: `[null, 28, 28]`. */
export type Shape = (number | null)[];

/** A value JSON can hold: what a layer config is made of. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
/** A layer's settings as `getConfig` returns them: camelCase keys, JSON values (`{ name: 'dense', units: 10, ... }`). */
export type LayerConfig = { [k: string]: JsonValue };

/** Arguments every layer takes. */
export interface LayerArgs {
  /** Unique name; default `<type>`, `<type>_1`, ... as in Keras. */
  name?: string;
  /** Input shape without the batch dim, for the first layer of a model: `[28, 28]`. */
  inputShape?: number[];
  /** Input shape with the batch dim (null for any batch size). */
  batchInputShape?: (number | null)[];
  /** Whether fit updates the layer's weights (default true). */
  trainable?: boolean;
  /** Only 'float32': nerva layers compute in float32. */
  dtype?: 'float32';
}

/** The keys of LayerArgs (the compiler keeps the list complete). */
export const LAYER_ARGS = keyList<LayerArgs>({ name: true, inputShape: true, batchInputShape: true, trainable: true, dtype: true });

/**
 * A layer class's own argument names (beyond LayerArgs), checked by the compiler against its args
 * type both ways: `static readonly argNames = layerArgs<DenseArgs>({ units: true, ... })`.
 */
export function layerArgs<A extends LayerArgs>(keys: { [K in Exclude<keyof A, keyof LayerArgs>]-?: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * What a registered layer class carries besides its constructor: its Keras class name and its
 * config reader (the writer is the instance's getConfig). The registry (./registry.ts) is a list of
 * these, and loading, saving, the factories' check and the built-in check all derive from it.
 */
export interface LayerClass<L extends Layer = Layer> {
  new (...args: never[]): L;
  /** The Keras / TF.js class name, e.g. `Dense`: the `class_name` in model.json. */
  readonly className: string;
  /**
   * The names of the class's own constructor arguments besides LayerArgs (made by `layerArgs`).
   * The Layer constructor refuses any other key, naming it and its likely right spelling.
   */
  readonly argNames: readonly string[];
  /**
   * Builds a layer from a saved (snake_case) config. `base` holds what every layer takes, already
   * read and checked: name, trainable and, on the model's first layer, the input shape.
   */
  fromConfig(r: ConfigReader, base: LayerArgs): L;
}

const nameCounts = new Map<string, number>();

/**
 * While set, the number of weight values layers may still create. A loaded model builds its layers
 * before the file's weights are matched to them, so a few-byte model.json could otherwise ask for
 * gigabytes (`units: 1e9`); the loader sets this from what the file holds.
 */
let weightBudget: { left: number; holds: number } | null = null;

/** @internal Runs fn with at most `elements` weight values creatable by addWeight (see weightBudget). */
export function withWeightBudget<T>(elements: number, holds: number, fn: () => T): T {
  const saved = weightBudget;
  weightBudget = { left: elements, holds };
  try {
    return fn();
  } finally {
    weightBudget = saved;
  }
}

/** Keras naming: the first `dense`, then `dense_1`, `dense_2`, ... */
export function uniqueName(base: string): string {
  const n = nameCounts.get(base) ?? 0;
  nameCounts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** @internal Resets default names (tests that compare names). */
export function resetNames(): void {
  nameCounts.clear();
}

/** What `call` is told besides the input. */
export interface CallOptions {
  /** True inside fit (dropout active, BatchNormalization on batch statistics); false in predict and evaluate. */
  training: boolean;
}

/**
 * The base of every layer, Keras' shape: `constructor(args)`, `build(inputShape)` (creates the
 * weights, through `addWeight`), `call(x, { training })`, `computeOutputShape(inputShape)` and
 * `getConfig()`. Extend it for a layer of your own (such a model trains and predicts; saving it
 * needs a registered class, see docs/contributing.md).
 * @example
 * class Scale extends Layer {
 *   readonly className = 'Scale';
 *   factor: Variable | null = null;
 *   constructor(args: LayerArgs = {}) { super(args, 'scale'); }
 *   override build(inputShape: Shape): void { this.factor = this.addWeight('factor', [inputShape.at(-1)!], 'ones'); }
 *   call(x: Tensor): Tensor { return x.mul(this.factor!.value); }
 *   computeOutputShape(inputShape: Shape): Shape { return inputShape; }
 * }
 */
export abstract class Layer {
  /** The Keras / TF.js class name, e.g. `Dense`. */
  abstract readonly className: string;
  /** Unique name: `dense`, `dense_1`, ... unless given; prefixes its weights' names (`dense/kernel`). */
  readonly name: string;
  /** The declared input shape with the batch dim (`[null, 784]`), or null if none was given. */
  readonly batchInputShape: Shape | null;
  /** True once `build` has created the weights. */
  built = false;
  protected readonly variables: Variable[] = [];
  #trainable: boolean;

  /**
   * Checks the arguments every layer takes, and refuses keys that neither LayerArgs nor the class's
   * static `argNames` declare (`input_shape`, `unit`, ...). A subclass without `argNames` of its
   * own or inherited (a user's layer extending Layer directly) has its extra keys left to itself.
   */
  /**
   * @param args The layer's arguments (LayerArgs plus the subclass's own).
   * @param defaultBase The snake_case base of default names, e.g. `dense` for `dense`, `dense_1`, ...
   */
  constructor(args: LayerArgs, defaultBase: string) {
    const cls = new.target as unknown as { className?: unknown; argNames?: readonly string[] };
    const clsName = typeof cls.className === 'string' ? cls.className : new.target.name;
    const own = cls.argNames;
    const given = (args as { name?: unknown } | undefined)?.name;
    const who0 = `${clsName}${typeof given === 'string' ? ` "${given}"` : ''}`;
    const allowed = own ? [...own, ...LAYER_ARGS] : null;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
      throw new ArgumentError(`${who0}: the argument is an options object ({ ${(allowed ?? LAYER_ARGS).join(', ')} }); got ${describeValue(args)}`);
    }
    const a: LayerArgs = allowed ? checkOptions(who0, args, allowed) : (args ?? {});
    if (a.name !== undefined && (typeof a.name !== 'string' || a.name === '')) throw new ArgumentError(`${clsName}: name must be a non-empty string, got ${describeValue(a.name)}`);
    this.name = a.name ?? uniqueName(defaultBase);
    const who = `${clsName} "${this.name}"`;
    if (a.inputShape !== undefined && a.batchInputShape !== undefined) throw new ArgumentError(`${who}: give inputShape or batchInputShape, not both`);
    if (a.inputShape !== undefined) checkShapeArg(who, 'inputShape', a.inputShape, 'e.g. inputShape: [784] for 784 features, the shape of one sample without the batch dim');
    if (a.batchInputShape !== undefined) checkShapeArg(who, 'batchInputShape', a.batchInputShape, 'e.g. batchInputShape: [null, 784], the batch dim first (null for any)');
    this.batchInputShape = a.batchInputShape ? [...a.batchInputShape] : a.inputShape ? [null, ...a.inputShape] : null;
    if (a.trainable !== undefined && typeof a.trainable !== 'boolean') throw new ArgumentError(`${who}: trainable must be true or false, got ${describeValue(a.trainable)}`);
    if (a.dtype !== undefined && a.dtype !== 'float32') throw new ArgumentError(`${who}: dtype must be 'float32' (nerva layers compute in float32), got ${describeValue(a.dtype)}`);
    this.#trainable = a.trainable ?? true;
  }

  /** Whether fit updates this layer's weights. Setting it freezes or unfreezes all of them (compile is not needed again). */
  get trainable(): boolean {
    return this.#trainable;
  }
  /** Freezes (false) or unfreezes (true) every weight of the layer. @example model.layers[0].trainable = false; // fine-tune the rest */
  set trainable(t: boolean) {
    this.#trainable = t;
    for (const v of this.variables) v.trainable = t;
  }

  /** Creates the weights for `inputShape` (batch dim null); called once, when the model is built or on the first call. */
  build(_inputShape: Shape): void {
    this.built = true;
  }

  /** The forward computation on a batch x (weights already built). */
  abstract call(x: Tensor, opts: CallOptions): Tensor;

  /** Output shape for an input shape, both with the batch dim (null when unknown). */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Keras config (camelCase keys here; the TF.js writer snake_cases them). */
  getConfig(): LayerConfig {
    const c: LayerConfig = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape) c.batchInputShape = this.batchInputShape;
    return c;
  }

  /** Builds on first use (from x's shape), then calls: how to run one layer by itself. @example layers.dense({ units: 3 }).apply(zeros([2, 4])).shape // [2, 3] */
  apply(x: Tensor, opts: CallOptions = { training: false }): Tensor {
    if (!this.built) this.buildFor([null, ...x.shape.slice(1)]);
    return this.call(x, opts);
  }

  /**
   * @internal How a model checks its input against this layer when it is the first one. A layer
   * that takes more than exactly the model's declared input shape overrides this (Dense: any rank
   * >= 2 with the right last dimension) and returns null when `shape` fits, or the error message
   * (naming the layer) when not. The default, undefined, leaves the check to the model: the
   * declared shape, null dims matching anything.
   */
  checkModelInput(_shape: readonly number[], _expected: Shape): string | null | undefined {
    return undefined;
  }

  /** @internal Builds for an input shape (and checks it against a declared input shape). */
  buildFor(inputShape: Shape): void {
    if (this.built) return;
    this.build(inputShape);
    this.built = true;
  }

  /**
   * Creates a weight named `<layer>/<name>` of `shape`, filled by `initializer` (a Keras name such
   * as 'glorot_uniform' or an `initializers.*` object); the only way layers make weights.
   */
  protected addWeight(name: string, shape: number[], initializer: string | Initializer, trainable = true): Variable {
    const init = getInitializer(initializer);
    if (weightBudget) {
      const n = sizeOf(shape);
      if (n > weightBudget.left) {
        throw new FormatError(`weight ${this.name}/${name} of shape ${fmtShape(shape)} would need ${n} values, more than the file's weights hold (${weightBudget.holds} values in all)`);
      }
      weightBudget.left -= n;
    }
    let value: Tensor;
    try {
      value = init(shape);
    } catch (e) {
      // A storage failure (`too large: ...`) says nothing of which layer asked for it.
      const at = e instanceof ArgumentError ? e.message.indexOf('too large: ') : -1;
      if (at >= 0) throw new ArgumentError(`${this.className} "${this.name}": weight ${this.name}/${name} of shape ${fmtShape(shape)} is ${(e as Error).message.slice(at)}`);
      throw e;
    }
    const v = new Variable(`${this.name}/${name}`, value, trainable && this.trainable);
    this.variables.push(v);
    return v;
  }

  /** All weights, trainable first (Keras order): Dense gives [kernel, bias]. Empty until built. */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }
  /** The weights fit updates. */
  get trainableWeights(): Variable[] {
    return this.variables.filter((v) => v.trainable);
  }
  /** The weights fit does not update (all of them when the layer is frozen; BatchNormalization's moving statistics). */
  get nonTrainableWeights(): Variable[] {
    return this.variables.filter((v) => !v.trainable);
  }

  /** The number of weight values: 100,480 for Dense(128) on 784 inputs (784 x 128 + 128). */
  countParams(): number {
    return this.variables.reduce((n, v) => n + v.value.size, 0);
  }

  /** Copies of the weight values, in Keras order. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => v.read());
  }

  /** Sets weights in Keras order from tensors or nested arrays; every shape is checked before anything changes. */
  setWeights(ws: (Tensor | TensorLike)[]): void {
    assignWeights(`${this.className} "${this.name}"`, 'the layer', this.weights, ws);
  }

  /** @internal Every variable in creation order (for saving). */
  allVariables(): Variable[] {
    return [...this.variables];
  }
}

/**
 * @internal Assigns `ws` to `vars` in order (a layer's or a model's setWeights): the count and every
 * shape are checked before anything changes. `owner` is `Dense "dense_1"`; `holder` names the owner
 * in the "has no weights yet" hint.
 */
export function assignWeights(owner: string, holder: string, vars: Variable[], ws: unknown): void {
  const who = `${owner}: setWeights`;
  if (!Array.isArray(ws) || ws.length !== vars.length) {
    throw new ArgumentError(`${who} expected a list of ${vars.length} arrays (${vars.map((v) => `${v.name} ${fmtShape(v.shape)}`).join(', ') || `${holder} has no weights yet`}), got ${Array.isArray(ws) ? ws.length : describeValue(ws)}`);
  }
  const values = vars.map((v, i) => {
    const t = toWeightValue(`${who}: weight ${v.name}`, ws[i]);
    if (t.shape.join() !== v.shape.join()) throw new ShapeError(`${owner}: weight ${v.name} expects shape ${fmtShape(v.shape)}, got ${fmtShape(t.shape)}`);
    return t;
  });
  vars.forEach((v, i) => v.assign(values[i]));
}

/** @internal A weight value given as a tensor or a (nested) array (Keras takes NumPy arrays), as a tensor. */
export function toWeightValue(who: string, w: unknown): Tensor {
  if (w instanceof Tensor) return w;
  const arrayLike = Array.isArray(w) || (ArrayBuffer.isView(w) && !(w instanceof DataView)) || typeof w === 'number';
  if (!arrayLike) throw new ArgumentError(`${who}: expected a Tensor or a (nested) array of numbers, got ${describeValue(w)}`);
  return toTensor(w as TensorLike, who);
}

/** An input shape argument: a list of positive integers (null for an unknown dim), or a clear refusal. */
function checkShapeArg(who: string, key: string, v: unknown, example: string): void {
  const dimOk = (d: unknown): boolean => d === null || (typeof d === 'number' && Number.isInteger(d) && d > 0);
  const ok = Array.isArray(v) && (key !== 'batchInputShape' || v.length > 0) && v.every(dimOk);
  if (!ok) throw new ArgumentError(`${who}: ${key} must be a list of positive integers (${example}); got ${describeValue(v)}`);
}

export { snakeCase };
