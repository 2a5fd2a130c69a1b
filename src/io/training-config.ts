// The compile state in a saved model (loss, metrics, optimizer and its settings): written so that
// TensorFlow.js still loads the file, read back from nerva, TF.js and Keras files. What cannot be
// written or restored (a loss function of the user's, a Keras learning-rate schedule) is said in a
// NervaWarning, and the model still loads with its topology and weights, as Keras does.
//
// Where it goes. TF.js's `loadLayersModel` compiles the model from `trainingConfig` and fails the
// whole load when it cannot: a loss object (`{class_name, config}`, Keras' form for options such as
// from_logits), a loss or metric name it lacks (huber, mean_squared_error as a metric,
// sparse_categorical_accuracy), an optimizer it lacks (AdamW, RMSprop spelled as Keras spells it),
// or no loss at all (TF.js 4.22, checked in model-interop.test.ts). So `trainingConfig` holds the
// compile state only when TF.js compiles it to the same training; otherwise the file has no
// `trainingConfig` (TF.js then loads the model uncompiled, as for a file saved without the
// optimizer) and nerva keeps the exact record, in Keras' form, under
// `userDefinedMetadata.nerva.training_config`, which TF.js passes through untouched.

import type { Sequential } from '../models/sequential.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { optimizerFromConfig } from '../optimizers/index.js';
import { getLoss, hasDefaultOptions, isBuiltInLoss, lossFromConfig, lossToConfig, type LossFn } from '../losses/index.js';
import { getMetric } from '../metrics/index.js';
import { snakeCase } from '../activations.js';
import { Tensor } from '../tensor/tensor.js';
import { FormatError, NervaError } from '../errors.js';
import { showJson } from '../layers/config.js';
import { warn, warnOnce } from '../warnings.js';
import type { JsonObject, JsonValue, ModelArtifacts } from './artifacts.js';

/** What TF.js 4.22 compiles from a training config (each checked against TF.js in model-interop.test.ts). */
export const TFJS_LOSSES: readonly string[] = ['mean_squared_error', 'mean_absolute_error', 'binary_crossentropy', 'categorical_crossentropy', 'sparse_categorical_crossentropy'];
export const TFJS_METRICS: readonly string[] = ['accuracy', 'acc', 'binary_accuracy', 'categorical_accuracy', 'mse', 'mae'];
/** Optimizer classes TF.js rebuilds with the same update (its SGD has no momentum; no class clips gradients). */
export const TFJS_OPTIMIZERS: readonly string[] = ['SGD', 'Adam', 'Adagrad'];

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when TF.js compiles `record` to the same loss, metrics and optimizer. */
function tfjsCompilesSame(record: JsonObject): boolean {
  const oc = record.optimizer_config as JsonObject;
  const cfg = oc.config as JsonObject;
  const clips = ['clipnorm', 'clipvalue', 'globalClipnorm'].some((k) => cfg[k] !== undefined && cfg[k] !== null);
  return (
    typeof record.loss === 'string' && TFJS_LOSSES.includes(record.loss) &&
    (record.metrics as string[]).every((m) => TFJS_METRICS.includes(m)) &&
    TFJS_OPTIMIZERS.includes(oc.class_name as string) && !clips &&
    !(oc.class_name === 'SGD' && cfg.momentum !== 0) &&
    record.nerva_unsaved === undefined
  );
}

/**
 * The compile state of a compiled model for saving: in `trainingConfig` when TF.js compiles it
 * the same, else in `userDefinedMetadata.nerva.training_config` (see the top of this file). A loss
 * with non-default options is written in Keras' object form; a loss or metric function of the
 * user's cannot be written, which a warning (once per model) says.
 */
export function trainingConfigArtifacts(model: Sequential): Pick<ModelArtifacts, 'trainingConfig' | 'userDefinedMetadata'> {
  const opt = model.optimizer!;
  const loss = model.loss!;
  const unsaved: string[] = [];
  let lossJson: JsonValue = null;
  if (isBuiltInLoss(loss)) lossJson = hasDefaultOptions(loss) ? loss.lossName! : lossToConfig(loss);
  else unsaved.push(`the loss function${loss.name ? ` '${loss.name}'` : ''}`);
  const named = model.metricSpecs.filter((m): m is string => typeof m === 'string').map((m) => snakeCase(m));
  for (const m of model.metricSpecs) if (typeof m === 'function') unsaved.push(`the metric function${m.name ? ` '${m.name}'` : ''}`);
  const record: JsonObject = {
    loss: lossJson,
    metrics: named,
    optimizer_config: { class_name: opt.className, config: opt.getConfig() },
  };
  if (unsaved.length > 0) {
    record.nerva_unsaved = unsaved;
    warnOnce(
      model,
      'NERVA_COMPILE_NOT_SAVED',
      `save: Sequential "${model.name}": ${unsaved.join(' and ')} cannot be saved (a file holds no code); ` +
        `the optimizer, its state and the named metrics are saved, and loadModel will ask to compile the model again with your ${isBuiltInLoss(loss) ? 'metrics' : 'loss'}`,
    );
  }
  if (tfjsCompilesSame(record)) return { trainingConfig: record };
  return { userDefinedMetadata: { nerva: { training_config: record } } };
}

/**
 * The optimizer config with camelCase keys: TF.js writes `learningRate`, `beta1`; Keras writes
 * `learning_rate`, `beta_1`. A learning-rate schedule (an object) cannot be honoured.
 */
function optimizerConfig(raw: JsonValue | undefined): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new FormatError(`optimizer_config.config must be an object, got ${showJson(raw)}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())] = v;
  if (out.learningRate !== undefined && typeof out.learningRate !== 'number') {
    throw new FormatError(`the learning rate is ${showJson(out.learningRate as JsonValue)}, not a number (nerva has no learning-rate schedules in saved models)`);
  }
  if (out.amsgrad === true) throw new FormatError('amsgrad is true; nerva\'s Adam has no AMSGrad variant');
  return out;
}

/** The loss of a training config: a name, Keras' object form, or Keras 3's `{class_name: 'function', config: name}`. */
function readLoss(raw: JsonValue | undefined): LossFn {
  if (typeof raw === 'string') return getLoss(raw);
  if (isObject(raw) && typeof raw.class_name === 'string') {
    if (raw.class_name === 'function' && typeof raw.config === 'string') return getLoss(raw.config);
    const config = raw.config ?? {};
    if (!isObject(config)) throw new FormatError(`loss ${raw.class_name}: config must be an object, got ${showJson(config)}`);
    const { loss, ignored } = lossFromConfig(raw.class_name, config);
    if (ignored.length > 0) throw new FormatError(`loss ${raw.class_name} has settings nerva's loss does not have: ${ignored.map((k) => `${k} = ${showJson(config[k])}`).join(', ')}`);
    return loss;
  }
  if (raw === undefined || raw === null) throw new FormatError('no loss is recorded');
  throw new FormatError(`loss ${showJson(raw)} is neither a name nor a {class_name, config} object`);
}

/** One metric entry: a name, or a Keras metric object (`MeanMetricWrapper` with its `fn`, `SparseCategoricalAccuracy`, ...). */
function readMetric(raw: JsonValue): string {
  const known = (name: unknown): name is string => {
    if (typeof name !== 'string') return false;
    try {
      getMetric(name);
      return true;
    } catch {
      return false;
    }
  };
  if (known(raw)) return raw;
  if (isObject(raw) && typeof raw.class_name === 'string') {
    const cfg = isObject(raw.config) ? raw.config : {};
    // Keras logs a metric under its config name ('accuracy' for a wrapper of sparse_categorical_accuracy).
    for (const name of [cfg.name, cfg.fn, snakeCase(raw.class_name)]) if (known(name)) return name;
  }
  throw new FormatError(`metric ${showJson(raw)} is not one nerva has`);
}

/**
 * Restores the compile state a file records (nerva's own copy first, else `trainingConfig`).
 * Whatever cannot be restored is listed in one NervaWarning and the model stays uncompiled (with
 * its optimizer and state attached when those could be read: `compile({ optimizer:
 * model.optimizer, loss })` then continues where training stopped); metrics that cannot be read
 * are left out. Corrupt optimizer state is still refused (FormatError): the file is damaged.
 */
export function restoreTrainingConfig(model: Sequential, art: ModelArtifacts, file: string): void {
  const meta = art.userDefinedMetadata;
  const ours = isObject(meta) && isObject(meta.nerva) ? meta.nerva.training_config : undefined;
  const tc = ours !== undefined ? ours : art.trainingConfig;
  if (tc === undefined || tc === null) return;
  const where = ours !== undefined ? 'userDefinedMetadata.nerva.training_config' : 'trainingConfig';
  const problems: string[] = [];
  const attempt = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof NervaError)) throw e;
      problems.push(`${what}: ${e.message}`);
      return null;
    }
  };
  if (!isObject(tc)) {
    warn('NERVA_COMPILE_NOT_RESTORED', `${file}: ${where} is ${showJson(tc)}, not an object; the model is loaded uncompiled: call compile() before fit()`);
    return;
  }
  const unsaved = Array.isArray(tc.nerva_unsaved) ? tc.nerva_unsaved.filter((u): u is string => typeof u === 'string') : [];
  const optimizer = attempt('optimizer', () => {
    const oc = tc.optimizer_config;
    if (!isObject(oc) || typeof oc.class_name !== 'string') throw new FormatError(`optimizer_config must be {class_name, config}, got ${showJson(oc)}`);
    return optimizerFromConfig(oc.class_name, optimizerConfig(oc.config));
  });
  const loss = unsaved.some((u) => u.startsWith('the loss function')) ? null : attempt('loss', () => readLoss(tc.loss));
  let metricList: JsonValue[] = [];
  if (Array.isArray(tc.metrics)) {
    // tf.keras 2 writes one list per model output: [[...]] for a Sequential.
    metricList = tc.metrics.length === 1 && Array.isArray(tc.metrics[0]) ? tc.metrics[0] : tc.metrics;
  } else if (tc.metrics !== undefined && tc.metrics !== null) {
    problems.push(`metrics: ${showJson(tc.metrics)} is not a list (per-output metrics are not supported)`);
  }
  const metrics = metricList.map((m) => attempt('metrics', () => readMetric(m))).filter((m): m is string => m !== null);

  if (optimizer && loss) model.compile({ optimizer, loss, metrics });
  else if (optimizer) model.optimizer = optimizer;
  if (optimizer) restoreOptimizerState(model, optimizer, art, file);

  if (unsaved.length > 0) problems.unshift(`${unsaved.join(' and ')} could not be saved with it`);
  if (problems.length === 0) return;
  const compiled = optimizer !== null && loss !== null;
  const next = compiled
    ? 'the model is compiled without what is listed'
    : optimizer
      ? 'topology, weights and the optimizer with its state are loaded, the model is not compiled: call model.compile({ optimizer: model.optimizer, loss: ... }) to continue training where it stopped'
      : 'topology and weights are loaded, the model is not compiled: call compile() before fit()';
  warn('NERVA_COMPILE_NOT_RESTORED', `${file}: the compile state in ${where} cannot be fully restored: ${problems.join('; ')}. ${next[0].toUpperCase()}${next.slice(1)}`);
}

function restoreOptimizerState(model: Sequential, optimizer: Optimizer, art: ModelArtifacts, file: string): void {
  const optWeights = art.weights.filter((w) => w.group === 'optimizer');
  if (optWeights.length === 0) return;
  const map = new Map(optWeights.map((w) => [w.name, new Tensor(w.data, [...w.shape], w.dtype === 'bool' ? 'bool' : w.dtype)]));
  try {
    optimizer.setStateWeights(model.trainableWeights, map);
  } catch (e) {
    throw new FormatError(`${file}: optimizer state: ${(e as Error).message}`);
  }
}
