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
