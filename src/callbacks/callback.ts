// Callbacks, Keras style: hooks around training with the epoch/batch logs, able to stop training.
// Plain objects with any of the hook methods are accepted too.

/** Logs passed to hooks: `{ loss, accuracy, val_loss, ... }`. */
export type Logs = Record<string, number>;

/** What a callback sees of the model it is attached to. */
export interface TrainableModel {
  stopTraining: boolean;
  readonly optimizer: { learningRate: number } | null;
  getWeights(): import('../tensor/tensor.js').Tensor[];
  setWeights(ws: import('../tensor/tensor.js').Tensor[]): void;
}

/** The hooks; all optional. */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  setModel?(model: TrainableModel): void;
  setParams?(params: TrainingParams): void;
}

export interface TrainingParams {
  epochs: number;
  steps: number;
  verbose: 0 | 1 | 2;
}

/** Base class: override the hooks you need; `this.model` is set before training starts. */
export class Callback implements CallbackHooks {
  model: TrainableModel | null = null;
  params: TrainingParams | null = null;
  setModel(model: TrainableModel): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

/** Runs a list of callbacks in order, awaiting async ones. */
export class CallbackList {
  constructor(readonly callbacks: CallbackHooks[]) {}
  setModel(m: TrainableModel): void {
    for (const c of this.callbacks) c.setModel?.(m);
  }
  setParams(p: TrainingParams): void {
    for (const c of this.callbacks) c.setParams?.(p);
  }
  async trainBegin(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  async epochBegin(e: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(e, logs);
  }
  async epochEnd(e: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(e, logs);
  }
  /** Batch hooks stay synchronous unless a callback returns a promise, to keep the step cheap. */
  async batchBegin(b: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) {
      const r = c.onBatchBegin?.(b, logs);
      if (r) await r;
    }
  }
  async batchEnd(b: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) {
      const r = c.onBatchEnd?.(b, logs);
      if (r) await r;
    }
  }
}
