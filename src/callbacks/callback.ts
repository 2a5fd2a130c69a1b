// Callbacks, Keras style: hooks around training with the epoch/batch logs, able to stop training.
// Plain objects with any of the hook methods are accepted too.

/**
 * Logs passed to hooks, under Keras 3 names: `{ loss, accuracy, val_loss, val_accuracy, ... }`
 * (the compiled metrics' names, `val_` for validation; ReduceLROnPlateau and
 * LearningRateScheduler add `learning_rate`).
 */
export type Logs = Record<string, number>;

/** What a callback sees of the model it is attached to (a Sequential during `fit`). */
export interface TrainableModel {
  /** Set to true to end fit after the current batch. */
  stopTraining: boolean;
  /** The compiled optimizer; a callback may change its `learningRate` between steps. */
  readonly optimizer: { learningRate: number } | null;
  /** Copies of every weight, in Keras order (layer by layer). */
  getWeights(): import('../tensor/tensor.js').Tensor[];
  /** Replaces every weight (same order and shapes as getWeights); allowed from a callback mid-fit. */
  setWeights(ws: import('../tensor/tensor.js').Tensor[]): void;
}

/**
 * The hooks fit calls, all optional, in TF.js's and Keras' names. A plain object with some of them
 * is a callback too; fit awaits a hook that returns a promise. Epoch and batch numbers count from 0.
 * @example
 * await model.fit(x, y, { epochs: 5, callbacks: { onEpochEnd: (epoch, logs) => console.log(epoch, logs?.loss) } });
 */
export interface CallbackHooks {
  /** Called once when fit starts, before the first epoch. */
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  /** Called once when fit ends, also when a callback stopped it early. */
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  /** Called at the start of each epoch. */
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  /** Called after each epoch with its mean training loss and metrics and, with validation data, the `val_` values. */
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  /** Called before each batch (`batch` counts within the epoch). */
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  /** Called after each batch with the running means of the epoch so far (`loss`, metrics). */
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  /** Called by fit before training starts with the model being trained. */
  setModel?(model: TrainableModel): void;
  /** Called by fit before training starts with the number of epochs and steps per epoch. */
  setParams?(params: TrainingParams): void;
}

/** What fit tells callbacks about the run (`setParams`). */
export interface TrainingParams {
  /** The `epochs` given to fit: epochs initialEpoch .. epochs - 1 run. */
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  /** The resolved verbosity: 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose: 0 | 1 | 2;
}

/**
 * Base class of callbacks: override the hooks you need; `this.model` and `this.params` are set
 * before training starts.
 * @example
 * class StopAt99 extends Callback {
 *   override onEpochEnd(epoch: number, logs?: Logs): void {
 *     if ((logs?.accuracy ?? 0) > 0.99) this.model!.stopTraining = true;
 *   }
 * }
 * await model.fit(xTrain, yTrain, { epochs: 20, callbacks: [new StopAt99()] });
 */
export class Callback implements CallbackHooks {
  /** The model being trained, set by fit (null before). */
  model: TrainableModel | null = null;
  /** The run's epochs, steps and verbosity, set by fit (null before). */
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

/** The hook names a callback object may have (TF.js's and Keras' names). */
export const CALLBACK_HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'setModel', 'setParams'] as const;

/** Brackets every hook call: fit uses it to let callbacks (and only them) set weights mid-fit. */
export interface HookScope {
  enter(): void;
  exit(): void;
}

/** Runs a list of callbacks in order, awaiting async ones. */
export class CallbackList {
  constructor(
    readonly callbacks: CallbackHooks[],
    private readonly scope: HookScope = { enter() {}, exit() {} },
  ) {}
  setModel(m: TrainableModel): void {
    for (const c of this.callbacks) c.setModel?.(m);
  }
  setParams(p: TrainingParams): void {
    for (const c of this.callbacks) c.setParams?.(p);
  }
  /** Calls `hook` of every callback that has it, inside the scope; awaits only what returns a promise. */
  private async each(call: (c: CallbackHooks) => void | Promise<void> | undefined): Promise<void> {
    for (const c of this.callbacks) {
      this.scope.enter();
      try {
        const r = call(c);
        if (r) await r;
      } finally {
        this.scope.exit();
      }
    }
  }
  async trainBegin(logs: Logs): Promise<void> {
    await this.each((c) => c.onTrainBegin?.(logs));
  }
  async trainEnd(logs: Logs): Promise<void> {
    await this.each((c) => c.onTrainEnd?.(logs));
  }
  async epochBegin(e: number, logs: Logs): Promise<void> {
    await this.each((c) => c.onEpochBegin?.(e, logs));
  }
  async epochEnd(e: number, logs: Logs): Promise<void> {
    await this.each((c) => c.onEpochEnd?.(e, logs));
  }
  /** Batch hooks stay synchronous unless a callback returns a promise, to keep the step cheap. */
  async batchBegin(b: number, logs: Logs): Promise<void> {
    await this.each((c) => c.onBatchBegin?.(b, logs));
  }
  async batchEnd(b: number, logs: Logs): Promise<void> {
    await this.each((c) => c.onBatchEnd?.(b, logs));
  }
}
