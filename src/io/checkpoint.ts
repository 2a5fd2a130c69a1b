// modelCheckpoint: saves the model at the end of epochs, optionally only when a monitored value
// improves. `{epoch}` in the path is replaced by the 1-based epoch number (as Keras).

import { Callback, type Logs } from '../callbacks/callback.js';
import { ArgumentError } from '../errors.js';
import type { Sequential } from '../models/sequential.js';

export interface ModelCheckpointArgs {
  /** Directory to save into; may contain `{epoch}`. */
  filepath: string;
  /** Default val_loss. */
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  includeOptimizer?: boolean;
}

export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly includeOptimizer: boolean;
  #max: boolean;
  #best = NaN;

  constructor(a: ModelCheckpointArgs) {
    super();
    if (!a || typeof a.filepath !== 'string' || a.filepath === '') throw new ArgumentError('modelCheckpoint: filepath is required');
    this.filepath = a.filepath;
    this.monitor = a.monitor ?? 'val_loss';
    this.saveBestOnly = a.saveBestOnly ?? false;
    this.includeOptimizer = a.includeOptimizer ?? false;
    const mode = a.mode ?? 'auto';
    this.#max = mode === 'max' || (mode === 'auto' && /acc|auc/.test(this.monitor));
  }

  override onTrainBegin(): void {
    this.#best = NaN;
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveBestOnly) {
      const v = logs[this.monitor];
      if (v === undefined) throw new ArgumentError(`modelCheckpoint: monitor '${this.monitor}' is not in the logs; available: ${Object.keys(logs).join(', ')}`);
      const better = Number.isNaN(this.#best) || (this.#max ? v > this.#best : v < this.#best);
      if (!better) return;
      this.#best = v;
    }
    const path = this.filepath.replace(/\{epoch(:[^}]*)?\}/g, String(epoch + 1));
    await (this.model as unknown as Sequential).save(path, { includeOptimizer: this.includeOptimizer });
  }
}
