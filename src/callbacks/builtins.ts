// The built-in callbacks: earlyStopping, terminateOnNaN, reduceLROnPlateau, learningRateScheduler,
// csvLogger, with Keras defaults.

import { appendFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { Callback, type Logs } from './callback.js';
import { ArgumentError } from '../errors.js';
import { ModelCheckpoint, type ModelCheckpointArgs } from '../io/checkpoint.js';

type Mode = 'auto' | 'min' | 'max';

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

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: Mode;
  baseline?: number;
  restoreBestWeights?: boolean;
  /** Epochs to wait before starting to watch (Keras 3 start_from_epoch). */
  startFromEpoch?: number;
}

/** Stops when `monitor` (default val_loss) has not improved by minDelta for `patience` epochs. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  readonly baseline?: number;
  readonly startFromEpoch: number;
  /** The epoch at which training stopped (0 if it did not). */
  stoppedEpoch = 0;
  bestEpoch = 0;
  #better: (c: number, b: number) => boolean;
  #wait = 0;
  #best = NaN;
  #bestWeights: Tensor[] | null = null;

  constructor(a: EarlyStoppingArgs = {}) {
    super();
    this.monitor = a.monitor ?? 'val_loss';
    this.patience = a.patience ?? 0;
    this.minDelta = a.minDelta ?? 0;
    this.restoreBestWeights = a.restoreBestWeights ?? false;
    this.baseline = a.baseline;
    this.startFromEpoch = a.startFromEpoch ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new ArgumentError(`earlyStopping: patience must be a non-negative integer, got ${a.patience}`);
    this.#better = betterFn(this.monitor, a.mode ?? 'auto', this.minDelta);
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

/** Stops training as soon as a batch loss is NaN or infinite. */
export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs?: Logs): void {
    const l = logs?.loss;
    if (l !== undefined && !Number.isFinite(l)) {
      process.stderr.write(`Batch ${batch}: invalid loss ${l}, terminating training\n`);
      this.model!.stopTraining = true;
    }
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  verbose?: 0 | 1;
}

/** Multiplies the learning rate by `factor` (0.1) after `patience` (10) epochs without improvement. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: 0 | 1;
  #better: (c: number, b: number) => boolean;
  #best = NaN;
  #wait = 0;
  #cooldownLeft = 0;
  constructor(a: ReduceLROnPlateauArgs = {}) {
    super();
    this.monitor = a.monitor ?? 'val_loss';
    this.factor = a.factor ?? 0.1;
    if (!(this.factor < 1 && this.factor >= 0)) throw new ArgumentError(`reduceLROnPlateau: factor must be in [0, 1), got ${a.factor}`);
    this.patience = a.patience ?? 10;
    this.cooldown = a.cooldown ?? 0;
    this.minLr = a.minLr ?? 0;
    this.verbose = a.verbose ?? 0;
    this.#better = betterFn(this.monitor, a.mode ?? 'auto', a.minDelta ?? 1e-4);
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

/** Sets the learning rate at each epoch start from `schedule(epoch, currentLr)`. */
export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    const opt = this.model!.optimizer!;
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new ArgumentError(`learningRateScheduler: schedule returned ${lr} at epoch ${epoch}, expected a number`);
    opt.learningRate = lr;
  }
  override onEpochEnd(_e: number, logs?: Logs): void {
    if (logs) logs.learning_rate = this.model!.optimizer!.learningRate;
  }
}

export interface CSVLoggerArgs {
  filename: string;
  separator?: string;
  append?: boolean;
}

/** Writes one row per epoch (epoch, then the logs in sorted key order) to a CSV file. */
export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  #keys: string[] | null = null;
  constructor(a: CSVLoggerArgs) {
    super();
    if (!a?.filename) throw new ArgumentError('csvLogger: filename is required');
    this.filename = a.filename;
    this.separator = a.separator ?? ',';
    this.append = a.append ?? false;
  }
  override onTrainBegin(): void {
    this.#keys = null;
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

/** Factories, Keras names in camelCase: `callbacks.earlyStopping({ patience: 3 })`. */
export const callbacks = {
  earlyStopping: (a?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(a),
  terminateOnNaN: (): TerminateOnNaN => new TerminateOnNaN(),
  reduceLROnPlateau: (a?: ReduceLROnPlateauArgs): ReduceLROnPlateau => new ReduceLROnPlateau(a),
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number): LearningRateScheduler => new LearningRateScheduler(schedule),
  csvLogger: (a: CSVLoggerArgs): CSVLogger => new CSVLogger(a),
  /** Saves the model each epoch (or only on improvement with saveBestOnly). */
  modelCheckpoint: (a: ModelCheckpointArgs): ModelCheckpoint => new ModelCheckpoint(a),
};

export { ModelCheckpoint };
