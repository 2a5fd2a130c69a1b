// The built-in callbacks: earlyStopping, terminateOnNaN, reduceLROnPlateau, learningRateScheduler,
// csvLogger, with Keras defaults.

import { appendFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { Callback, type Logs } from './callback.js';
import { ArgumentError } from '../errors.js';
import { ModelCheckpoint, type ModelCheckpointArgs } from '../io/checkpoint.js';
import { bool, checkOptions, describeValue, keyList, nonNegativeInt, numberWhere } from '../options.js';

type Mode = 'auto' | 'min' | 'max';

function readMode(who: string, mode: unknown): Mode {
  if (mode === undefined) return 'auto';
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new ArgumentError(`${who}: mode must be 'auto', 'min' or 'max', got ${describeValue(mode)}`);
  return mode;
}

function readMonitor(who: string, monitor: unknown): string {
  if (monitor === undefined) return 'val_loss';
  if (typeof monitor !== 'string' || monitor === '') throw new ArgumentError(`${who}: monitor must be the name of a logged value ('val_loss', 'accuracy', ...), got ${describeValue(monitor)}`);
  return monitor;
}

const anyNumber = (who: string, name: string, v: unknown, dflt: number): number => (v === undefined ? dflt : numberWhere(who, name, v, () => true, 'a number'));

/** 'auto' watches for a maximum when the name mentions acc / auc, a minimum otherwise (as Keras). */
function betterFn(monitor: string, mode: Mode, minDelta: number): (current: number, best: number) => boolean {
  const max = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall/.test(monitor));
  const d = Math.abs(minDelta);
  return max ? (c, b) => c - d > b : (c, b) => c + d < b;
}

function monitored(who: string, logs: Logs | undefined, monitor: string): number | null {
  const v = logs?.[monitor];
  if (v === undefined) {
    // Keras warns here; we fail, because a misspelt monitor would silently do nothing.
    throw new ArgumentError(`${who}: monitor '${monitor}' is not in the logs; available: ${Object.keys(logs ?? {}).join(', ') || '(none)'}`);
  }
  return v;
}

/** Options of EarlyStopping, Keras' names and defaults. */
export interface EarlyStoppingArgs {
  /** The logged value to watch (default `'val_loss'`); a name missing from the logs is an error at the first epoch end. */
  monitor?: string;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 'min', 'max', or 'auto' (default): max for names with acc/auc/precision/recall, else min. */
  mode?: 'auto' | 'min' | 'max';
  /** Improvements reset the patience count only when they also beat this value (default: none). */
  baseline?: number;
  /** At the end of training, go back to the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before starting to watch (Keras 3 start_from_epoch; default 0). */
  startFromEpoch?: number;
}

const EARLY_STOPPING_ARGS = keyList<EarlyStoppingArgs>({ monitor: true, minDelta: true, patience: true, mode: true, baseline: true, restoreBestWeights: true, startFromEpoch: true });

/**
 * Stops training when `monitor` (default val_loss) has not improved by `minDelta` for `patience`
 * epochs, as Keras' EarlyStopping. ArgumentError for a bad option or a monitor missing from the logs.
 * @example
 * const stop = callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
 * await model.fit(xTrain, yTrain, { epochs: 50, validationSplit: 0.1, callbacks: [stop] });
 * stop.stoppedEpoch // the epoch it stopped at, 0 if it ran all 50
 */
export class EarlyStopping extends Callback {
  /** The logged value watched. */
  readonly monitor: string;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** The least change that counts as an improvement. */
  readonly minDelta: number;
  /** Whether the best epoch's weights come back at the end of training. */
  readonly restoreBestWeights: boolean;
  /** The value improvements must beat to reset the patience count, if any. */
  readonly baseline?: number;
  /** The first epoch watched. */
  readonly startFromEpoch: number;
  /** The epoch at which training stopped (0 if it did not). */
  stoppedEpoch = 0;
  /** The epoch with the best monitored value so far. */
  bestEpoch = 0;
  #better: (c: number, b: number) => boolean;
  #wait = 0;
  #best = NaN;
  #bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    const who = 'earlyStopping';
    const a = checkOptions<EarlyStoppingArgs>(who, args, EARLY_STOPPING_ARGS, { example: "{ monitor: 'val_loss', patience: 3 }" });
    this.monitor = readMonitor(who, a.monitor);
    this.patience = a.patience === undefined ? 0 : nonNegativeInt(who, 'patience', a.patience);
    this.minDelta = anyNumber(who, 'minDelta', a.minDelta, 0);
    this.restoreBestWeights = a.restoreBestWeights === undefined ? false : bool(who, 'restoreBestWeights', a.restoreBestWeights);
    this.baseline = a.baseline === undefined ? undefined : anyNumber(who, 'baseline', a.baseline, 0);
    this.startFromEpoch = a.startFromEpoch === undefined ? 0 : nonNegativeInt(who, 'startFromEpoch', a.startFromEpoch);
    this.#better = betterFn(this.monitor, readMode(who, a.mode), this.minDelta);
  }
  override onTrainBegin(): void {
    this.#wait = 0;
    // As Keras 3: the best starts unset (the first epoch always improves on it); the baseline only
    // decides whether an improvement resets the wait.
    this.#best = NaN;
    this.#bestWeights = null;
    this.stoppedEpoch = 0;
    this.bestEpoch = 0;
  }
  override onEpochEnd(epoch: number, logs?: Logs): void {
    const v = monitored('earlyStopping', logs, this.monitor);
    if (v === null || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.#bestWeights === null) {
      this.#bestWeights = this.model!.getWeights();
      this.bestEpoch = epoch;
    }
    this.#wait++;
    if (Number.isNaN(this.#best) || this.#better(v, this.#best)) {
      this.#best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = this.model!.getWeights();
      // Keras only resets the wait when the baseline (if any) is beaten too.
      if (this.baseline === undefined || this.#better(v, this.baseline)) this.#wait = 0;
      return;
    }
    if (this.#wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }
  override onTrainEnd(): void {
    // Keras 3 restores the best weights at the end of training whether or not it stopped early.
    if (this.restoreBestWeights && this.#bestWeights) this.model!.setWeights(this.#bestWeights);
  }
}

/**
 * Stops training as soon as a batch loss is NaN or infinite (printing the batch to stderr), as
 * Keras' TerminateOnNaN.
 * @example await model.fit(x, y, { epochs: 10, callbacks: [callbacks.terminateOnNaN()] });
 */
export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs?: Logs): void {
    const l = logs?.loss;
    if (l !== undefined && !Number.isFinite(l)) {
      process.stderr.write(`Batch ${batch}: invalid loss ${l}, terminating training\n`);
      this.model!.stopTraining = true;
    }
  }
}

/** Options of ReduceLROnPlateau, Keras' names and defaults. */
export interface ReduceLROnPlateauArgs {
  /** The logged value to watch (default `'val_loss'`). */
  monitor?: string;
  /** The learning rate is multiplied by this, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** 'min', 'max', or 'auto' (default): max for names with acc/auc/precision/recall, else min. */
  mode?: 'auto' | 'min' | 'max';
  /** The least change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The learning rate never goes below this (default 0). */
  minLr?: number;
  /** 1 prints a line at each reduction (default 0). */
  verbose?: 0 | 1;
}

const REDUCE_LR_ARGS = keyList<ReduceLROnPlateauArgs>({ monitor: true, factor: true, patience: true, mode: true, minDelta: true, cooldown: true, minLr: true, verbose: true });

/**
 * Multiplies the learning rate by `factor` (0.1) after `patience` (10) epochs without improvement
 * of `monitor`, as Keras' ReduceLROnPlateau; logs the current rate as `learning_rate`.
 * @example
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [callbacks.reduceLROnPlateau({ factor: 0.5, patience: 5 })] });
 */
export class ReduceLROnPlateau extends Callback {
  /** The logged value watched. */
  readonly monitor: string;
  /** The multiplier applied at each reduction. */
  readonly factor: number;
  /** Epochs without improvement before reducing. */
  readonly patience: number;
  /** Epochs to wait after a reduction. */
  readonly cooldown: number;
  /** The lowest learning rate. */
  readonly minLr: number;
  /** 1: a line is printed at each reduction. */
  readonly verbose: 0 | 1;
  #better: (c: number, b: number) => boolean;
  #best = NaN;
  #wait = 0;
  #cooldownLeft = 0;
  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    const who = 'reduceLROnPlateau';
    const a = checkOptions<ReduceLROnPlateauArgs>(who, args, REDUCE_LR_ARGS, { example: "{ monitor: 'val_loss', factor: 0.5, patience: 2 }" });
    this.monitor = readMonitor(who, a.monitor);
    this.factor = a.factor === undefined ? 0.1 : numberWhere(who, 'factor', a.factor, (f) => f >= 0 && f < 1, 'a number in [0, 1)');
    this.patience = a.patience === undefined ? 10 : nonNegativeInt(who, 'patience', a.patience);
    this.cooldown = a.cooldown === undefined ? 0 : nonNegativeInt(who, 'cooldown', a.cooldown);
    this.minLr = a.minLr === undefined ? 0 : numberWhere(who, 'minLr', a.minLr, (v) => v >= 0, 'a non-negative number');
    if (a.verbose !== undefined && a.verbose !== 0 && a.verbose !== 1) throw new ArgumentError(`${who}: verbose must be 0 or 1, got ${describeValue(a.verbose)}`);
    this.verbose = a.verbose ?? 0;
    this.#better = betterFn(this.monitor, readMode(who, a.mode), anyNumber(who, 'minDelta', a.minDelta, 1e-4));
  }
  override onTrainBegin(): void {
    this.#best = NaN;
    this.#wait = 0;
    this.#cooldownLeft = 0;
  }
  override onEpochEnd(epoch: number, logs?: Logs): void {
    const v = monitored('reduceLROnPlateau', logs, this.monitor)!;
    const opt = this.model!.optimizer!;
    if (logs) logs.learning_rate = opt.learningRate;
    if (this.#cooldownLeft > 0) {
      this.#cooldownLeft--;
      this.#wait = 0;
    }
    if (Number.isNaN(this.#best) || this.#better(v, this.#best)) {
      this.#best = v;
      this.#wait = 0;
    } else if (this.#cooldownLeft === 0) {
      this.#wait++;
      if (this.#wait >= this.patience) {
        const old = opt.learningRate;
        if (old > this.minLr) {
          opt.learningRate = Math.max(old * this.factor, this.minLr);
          if (this.verbose) process.stdout.write(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${opt.learningRate}.\n`);
          this.#cooldownLeft = this.cooldown;
          this.#wait = 0;
        }
      }
    }
  }
}

/**
 * Sets the learning rate at each epoch start from `schedule(epoch, currentLr)` (epoch from 0), as
 * Keras' LearningRateScheduler, and logs it as `learning_rate`. ArgumentError if the schedule
 * returns anything but a non-negative number.
 * @example
 * const decay = callbacks.learningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * 0.9));
 * await model.fit(x, y, { epochs: 30, callbacks: [decay] });
 */
export class LearningRateScheduler extends Callback {
  constructor(
    /** `(epoch, currentLr) => newLr`, called at the start of each epoch. */
    readonly schedule: (epoch: number, lr: number) => number,
  ) {
    super();
    if (typeof schedule !== 'function') throw new ArgumentError(`learningRateScheduler: expected a function (epoch, lr) => newLr, got ${describeValue(schedule)}`);
  }
  override onEpochBegin(epoch: number): void {
    const opt = this.model!.optimizer!;
    const lr: unknown = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new ArgumentError(`learningRateScheduler: schedule returned ${describeValue(lr)} at epoch ${epoch}, expected a non-negative number`);
    opt.learningRate = lr;
  }
  override onEpochEnd(_e: number, logs?: Logs): void {
    if (logs) logs.learning_rate = this.model!.optimizer!.learningRate;
  }
}

/** Options of CSVLogger. */
export interface CSVLoggerArgs {
  /** The CSV file to write; its folder must exist. */
  filename: string;
  /** Between values (default `,`). */
  separator?: string;
  /** Add to an existing file instead of overwriting it (default false). */
  append?: boolean;
}

const CSV_LOGGER_ARGS = keyList<CSVLoggerArgs>({ filename: true, separator: true, append: true });

/**
 * Writes one row per epoch (epoch, then the logs in sorted key order) to a CSV file, with a
 * header row, as Keras' CSVLogger. A missing folder is reported when training starts.
 * @example
 * await model.fit(x, y, { epochs: 10, callbacks: [callbacks.csvLogger({ filename: 'out/training.csv' })] });
 * // out/training.csv: epoch,accuracy,loss / 0,0.91,0.31 / ...
 */
export class CSVLogger extends Callback {
  /** The file written. */
  readonly filename: string;
  /** Between values. */
  readonly separator: string;
  /** Whether rows are added to an existing file. */
  readonly append: boolean;
  #keys: string[] | null = null;
  constructor(args: CSVLoggerArgs) {
    super();
    const who = 'csvLogger';
    const a = checkOptions<CSVLoggerArgs>(who, args ?? undefined, CSV_LOGGER_ARGS, { example: "{ filename: 'log.csv' }" });
    if (typeof a.filename !== 'string' || a.filename === '') throw new ArgumentError(`${who}: filename is required (a path), got ${describeValue(a.filename)}`);
    if (a.separator !== undefined && (typeof a.separator !== 'string' || a.separator === '')) throw new ArgumentError(`${who}: separator must be a non-empty string, got ${describeValue(a.separator)}`);
    this.filename = a.filename;
    this.separator = a.separator ?? ',';
    this.append = a.append === undefined ? false : bool(who, 'append', a.append);
  }
  override onTrainBegin(): void {
    this.#keys = null;
    // Checked here, before the first epoch, so a typo in the path does not cost an epoch of training.
    const dir = dirname(resolve(this.filename));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new ArgumentError(`csvLogger: cannot write '${this.filename}': the directory ${dir} does not exist (create it first)`);
    }
    if (existsSync(this.filename) && statSync(this.filename).isDirectory()) throw new ArgumentError(`csvLogger: cannot write '${this.filename}': it is a directory`);
    if (!this.append) writeFileSync(this.filename, '');
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (!this.#keys) {
      this.#keys = Object.keys(logs).sort();
      const fresh = !existsSync(this.filename) || statSync(this.filename).size === 0;
      if (fresh) appendFileSync(this.filename, ['epoch', ...this.#keys].join(this.separator) + '\n');
    }
    appendFileSync(this.filename, [epoch, ...this.#keys.map((k) => logs[k] ?? '')].join(this.separator) + '\n');
  }
}

/**
 * The built-in callbacks' factories, Keras' names in camelCase (the classes work with `new` too).
 * @example await model.fit(x, y, { epochs: 50, validationSplit: 0.1, callbacks: [callbacks.earlyStopping({ patience: 3 })] });
 * @namespace
 */
export const callbacks = {
  /** A new {@link EarlyStopping}. @example callbacks.earlyStopping({ monitor: 'val_loss', patience: 3 }) */
  earlyStopping: (a?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(a),
  /** A new {@link TerminateOnNaN}. @example callbacks.terminateOnNaN() */
  terminateOnNaN: (): TerminateOnNaN => new TerminateOnNaN(),
  /** A new {@link ReduceLROnPlateau}. @example callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2 }) */
  reduceLROnPlateau: (a?: ReduceLROnPlateauArgs): ReduceLROnPlateau => new ReduceLROnPlateau(a),
  /** A new {@link LearningRateScheduler}. @example callbacks.learningRateScheduler((epoch, lr) => lr * 0.95) */
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number): LearningRateScheduler => new LearningRateScheduler(schedule),
  /** A new {@link CSVLogger}. @example callbacks.csvLogger({ filename: 'log.csv' }) */
  csvLogger: (a: CSVLoggerArgs): CSVLogger => new CSVLogger(a),
  /** A new {@link ModelCheckpoint}: saves the model each epoch (or only on improvement with saveBestOnly). @example callbacks.modelCheckpoint({ filepath: 'out/ckpt/epoch-{epoch:02d}' }) */
  modelCheckpoint: (a: ModelCheckpointArgs): ModelCheckpoint => new ModelCheckpoint(a),
};

export { ModelCheckpoint };
