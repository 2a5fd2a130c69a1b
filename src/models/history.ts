// History: what fit returns, the per-epoch logs under Keras 3 key names.

import { Callback, type Logs } from '../callbacks/callback.js';

/**
 * What fit resolves to: `history.history.loss[i]` is the mean training loss of epoch
 * `history.epoch[i]`, and likewise for each metric and its `val_` form.
 * @example
 * const history = await model.fit(xTrain, yTrain, { epochs: 5, validationData: [xTest, yTest] });
 * history.history.val_accuracy.at(-1) // the last epoch's validation accuracy
 */
export class History extends Callback {
  /** Per-epoch values by key: loss, accuracy, val_loss, val_accuracy, ... */
  history: Record<string, number[]> = {};
  /** The epoch indices (0-based) that ran. */
  epoch: number[] = [];

  override onTrainBegin(): void {
    // Keras keeps appending across fit calls with initialEpoch; so do we.
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
