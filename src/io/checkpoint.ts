// modelCheckpoint: saves the model at the end of epochs, optionally only when a monitored value
// improves. The path is formatted as Keras does: `{epoch}` is the 1-based epoch number and
// `{val_loss:.4f}`-style fields come from the epoch's logs.

import { Callback, type Logs } from '../callbacks/callback.js';
import { ArgumentError } from '../errors.js';
import type { Sequential } from '../models/sequential.js';
import { modelSaveDir } from './paths.js';
import { bool, checkOptions, describeValue, keyList } from '../options.js';

/** Options of ModelCheckpoint, Keras' names and defaults. */
export interface ModelCheckpointArgs {
  /** Directory to save into; may contain `{epoch}`, `{epoch:02d}`, `{val_loss:.4f}` (any log key). */
  filepath: string;
  /** The logged value saveBestOnly compares (default `'val_loss'`). */
  monitor?: string;
  /** Save only when `monitor` improves on the best so far (default false: every epoch). */
  saveBestOnly?: boolean;
  /** 'min', 'max', or 'auto' (default): max for names with acc/auc, else min. */
  mode?: 'auto' | 'min' | 'max';
  /** Also save the compile state and optimizer (default: as `save`, true when the model is compiled). */
  includeOptimizer?: boolean;
}

const CHECKPOINT_ARGS = keyList<ModelCheckpointArgs>({ filepath: true, monitor: true, saveBestOnly: true, mode: true, includeOptimizer: true });

/**
 * Saves the model at the end of epochs in the TF.js layers format, as Keras' ModelCheckpoint:
 * every epoch, or with `saveBestOnly` only when `monitor` improves. The path is checked when the
 * callback is made (a `.keras`/`.h5` name or an http:// URL is refused then, not after an epoch).
 * @example
 * const checkpoint = callbacks.modelCheckpoint({ filepath: 'out/ckpt/best', saveBestOnly: true });
 * await model.fit(xTrain, yTrain, { epochs: 10, validationData: [xTest, yTest], callbacks: [checkpoint] });
 * const best = await loadModel('out/ckpt/best');
 */
export class ModelCheckpoint extends Callback {
  /** The folder template, e.g. `out/ckpt/epoch-{epoch:02d}`. */
  readonly filepath: string;
  /** The logged value compared with saveBestOnly. */
  readonly monitor: string;
  /** Whether only improvements are saved. */
  readonly saveBestOnly: boolean;
  /** undefined: as `save` decides (the compile state is kept when the model is compiled). */
  readonly includeOptimizer: boolean | undefined;
  #max: boolean;
  #best: number;

  constructor(args: ModelCheckpointArgs) {
    super();
    const who = 'modelCheckpoint';
    const a = checkOptions<ModelCheckpointArgs>(who, args, CHECKPOINT_ARGS, { example: "{ filepath: 'checkpoints/epoch-{epoch}' }" });
    if (typeof a.filepath !== 'string' || a.filepath === '') throw new ArgumentError(`${who}: filepath is required (a directory path), got ${describeValue(a.filepath)}`);
    this.filepath = a.filepath;
    // Refuse what every save would refuse (a .keras/.h5 name, an http:// URL) now, not after an epoch.
    modelSaveDir(a.filepath.replace(/\{[^}]*\}/g, '0'), 'modelCheckpoint');
    if (a.monitor !== undefined && (typeof a.monitor !== 'string' || a.monitor === '')) throw new ArgumentError(`${who}: monitor must be the name of a logged value, got ${describeValue(a.monitor)}`);
    this.monitor = a.monitor ?? 'val_loss';
    this.saveBestOnly = a.saveBestOnly === undefined ? false : bool(who, 'saveBestOnly', a.saveBestOnly);
    this.includeOptimizer = a.includeOptimizer === undefined ? undefined : bool(who, 'includeOptimizer', a.includeOptimizer);
    const mode = a.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new ArgumentError(`${who}: mode must be 'auto', 'min' or 'max', got ${describeValue(mode)}`);
    this.#max = mode === 'max' || (mode === 'auto' && /acc|auc/.test(this.monitor));
    // Set once, as in Keras 3: a second fit with the same callback keeps the best so far, so resumed
    // training does not overwrite a better checkpoint with its first epoch.
    this.#best = this.#max ? -Infinity : Infinity;
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveBestOnly) {
      const v = logs[this.monitor];
      if (v === undefined) throw new ArgumentError(`modelCheckpoint: monitor '${this.monitor}' is not in the logs; available: ${Object.keys(logs).join(', ')}`);
      // NaN never counts as an improvement.
      const better = this.#max ? v > this.#best : v < this.#best;
      if (!better) return;
      this.#best = v;
    }
    if (!this.model) throw new ArgumentError('modelCheckpoint: no model; pass the callback to fit({ callbacks })');
    const path = formatPath(this.filepath, { epoch: epoch + 1, ...logs });
    await (this.model as unknown as Sequential).save(path, this.includeOptimizer === undefined ? {} : { includeOptimizer: this.includeOptimizer });
  }
}

/** Python-style `{key}`, `{key:02d}`, `{key:.4f}`, `{key:.2e}` fields, as Keras formats the path. */
function formatPath(template: string, values: Record<string, number>): string {
  return template.replace(/\{([A-Za-z_]\w*)(?::(0?)(\d*)(?:\.(\d+))?([dfe]?))?\}/g, (field, key: string, zero?: string, width?: string, prec?: string, kind?: string) => {
    const v = values[key];
    if (v === undefined) throw new ArgumentError(`modelCheckpoint: filepath field ${field} names no value; available: ${Object.keys(values).join(', ')}`);
    let text: string;
    if (kind === 'd') text = String(Math.trunc(v));
    else if (kind === 'e') text = v.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, (_m, sign: string, d: string) => `e${sign}0${d}`); // Python: e-05
    else if (kind === 'f' || prec !== undefined) text = v.toFixed(prec === undefined ? 6 : Number(prec));
    else text = String(v);
    return width ? text.padStart(Number(width), zero ? '0' : ' ') : text;
  });
}
