// Saving and loading Sequential models in the TensorFlow.js layers format. This file maps layers
// to and from Keras-2-style `{class_name, config}` JSON; artifacts.ts owns the files and their
// validation. A load builds everything off to the side and returns only a complete model.

import { Tensor } from '../tensor/tensor.js';
import { Sequential } from '../models/sequential.js';
import { Layer, withWeightBudget, type LayerArgs, type LayerConfig } from '../layers/layer.js';
import { LAYER_CLASSES } from '../layers/registry.js';
import { InputLayer } from '../layers/input.js';
import { ConfigReader, isConfigError, showJson } from '../layers/config.js';
import { snakeCase } from '../activations.js';
import { ArgumentError, FormatError, NervaError, UnsupportedError } from '../errors.js';
import { bool, checkOptions, describeValue, keyList } from '../options.js';
import { restoreTrainingConfig, trainingConfigArtifacts } from './training-config.js';
import {
  readModelArtifacts, writeModelArtifacts, describeJsonPath,
  type JsonObject, type JsonValue, type ModelArtifacts, type NamedWeight,
} from './artifacts.js';

/** Options of `model.save`. */
export interface SaveOptions {
  /**
   * Also save the compile settings (loss, metrics, optimizer) and the optimizer's state, so a loaded
   * model's fit continues where this one stopped. Default: true when the model is compiled, as Keras.
   */
  includeOptimizer?: boolean;
}

const SAVE_OPTIONS = keyList<SaveOptions>({ includeOptimizer: true });

const KERAS_VERSION = 'tfjs-layers 4.22.0';

// TF.js has no 'silu' activation string: silu is its 'swish'. It has no 'leaky_relu' activation
// either (only a LeakyReLU layer, default alpha 0.3 where Keras' activation uses 0.2); nerva still
// writes 'leaky_relu', which nerva and Keras read and TF.js refuses at load with "Unknown activation:
// leakyRelu", rather than refusing to save (a checkpoint must never fail for a model nerva can build).
const TO_TFJS_ACTIVATION: Record<string, string> = { silu: 'swish' };

/** TF.js snake_cases every key (and nested keys) on save. */
function snakeKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v && typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[snakeCase(k)] = snakeKeys(x);
    return out;
  }
  return v;
}

function layerToJson(layer: Layer, batchInputShape: (number | null)[] | null): JsonObject {
  const c = layer.getConfig() as LayerConfig;
  if (typeof c.activation === 'string') c.activation = TO_TFJS_ACTIVATION[c.activation] ?? c.activation;
  delete c.batchInputShape;
  // Nested `{ className, config }` objects (initializers) become `{ class_name, config }` here too.
  const config = snakeKeys(c) as JsonObject;
  if (batchInputShape) {
    config.batch_input_shape = batchInputShape;
    config.dtype = 'float32';
  }
  return { class_name: layer.className, config };
}

/** @internal The artifacts of a model (topology, weights, and optionally optimizer state). */
export function modelToArtifacts(model: Sequential, opts: SaveOptions = {}): ModelArtifacts {
  const o = checkOptions<SaveOptions>('save', opts, SAVE_OPTIONS, { what: 'the second argument', example: '{ includeOptimizer: false }' });
  if (!model.built) {
    throw new ArgumentError(`save: Sequential "${model.name}" is not built yet (no input shape): give the first layer an inputShape or call fit/predict first`);
  }
  const layers = model.layers.map((l, i) => layerToJson(l, i === 0 ? model.inputShape : null));
  const modelTopology: JsonObject = {
    class_name: 'Sequential',
    config: { name: model.name, layers },
    keras_version: KERAS_VERSION,
    backend: 'tensor_flow.js',
  };
  const toNamed = (name: string, t: Tensor, group?: string): NamedWeight => ({
    name,
    shape: [...t.shape],
    dtype: 'float32',
    data: t.dtype === 'float32' ? (t.values as Float32Array).slice() : Float32Array.from(t.values),
    ...(group ? { group } : {}),
  });
  // TF.js order: every trainable weight in layer order, then the non-trainable ones.
  const vars = [...model.trainableWeights, ...model.nonTrainableWeights];
  const weights = vars.map((v) => toNamed(v.name, v.value));
  const art: ModelArtifacts = { modelTopology, weights, format: 'layers-model', generatedBy: 'nerva 0.1.0', convertedBy: null };
  const compiled = model.optimizer !== null && model.loss !== null;
  const includeOptimizer = o.includeOptimizer === undefined ? compiled : bool('save', 'includeOptimizer', o.includeOptimizer);
  if (includeOptimizer) {
    if (!compiled) throw new ArgumentError(`save: includeOptimizer needs a compiled model (Sequential "${model.name}" is not compiled)`);
    Object.assign(art, trainingConfigArtifacts(model));
    // TF.js order: 'iter', then slot by slot over all variables (all m's, then all v's).
    const state = model.optimizer!.getStateWeights(model.trainableWeights);
    const [iter, ...slots] = state;
    const slotNames = [...new Set(slots.map((s) => s.name.slice(s.name.lastIndexOf('/') + 1)))];
    weights.push(toNamed(iter.name, iter.tensor, 'optimizer'));
    for (const sn of slotNames) for (const s of slots) if (s.name.endsWith(`/${sn}`)) weights.push(toNamed(s.name, s.tensor, 'optimizer'));
  }
  return art;
}

/**
 * Saves `model` into directory `dir` as model.json plus one weights file, atomically: a crash at
 * any moment leaves the previous complete model or the new one.
 */
export async function saveModel(model: Sequential, dir: string, opts: SaveOptions = {}): Promise<void> {
  await writeModelArtifacts(dir, modelToArtifacts(model, opts));
}

// ---- loading -------------------------------------------------------------------------------

type Path = (string | number)[];

/** A layer read from the file, constructed later (once the model's input shape is known). */
interface ParsedLayer {
  index: number;
  className: string;
  name: string;
  make: (base: LayerArgs) => Layer;
}

/** Keras 3 writes dtype as a DTypePolicy object; Keras 2 and TF.js as a string. */
function dtypeName(v: JsonValue | undefined): JsonValue | undefined {
  if (v && typeof v === 'object' && !Array.isArray(v) && v.class_name === 'DTypePolicy' && v.config && typeof v.config === 'object' && !Array.isArray(v.config)) {
    return v.config.name;
  }
  return v;
}

function layerFromJson(file: string, json: JsonValue, index: number, loading: { on: boolean }): { spec: ParsedLayer; batchInputShape: (number | null)[] | null } {
  const path: Path = ['modelTopology', 'config', 'layers', index];
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new FormatError(`${file}: ${describeJsonPath(path)} must be an object {class_name, config}`);
  const cls = json.class_name;
  const cfgRaw = json.config;
  if (typeof cls !== 'string') throw new FormatError(`${file}: ${describeJsonPath([...path, 'class_name'])} must be a string`);
  if (!cfgRaw || typeof cfgRaw !== 'object' || Array.isArray(cfgRaw)) throw new FormatError(`${file}: ${describeJsonPath([...path, 'config'])} must be an object`);
  const shownName = typeof cfgRaw.name === 'string' ? ` ${showJson(cfgRaw.name)}` : '';
  const layerClass = LAYER_CLASSES.get(cls);
  if (!layerClass) {
    // The format holds no code; nerva builds only layers it knows and never evaluates anything.
    throw new FormatError(`${file}: layer ${index}${shownName} has unknown class '${cls}'; nerva can load: ${[...LAYER_CLASSES.keys()].join(', ')}`);
  }
  const name = typeof cfgRaw.name === 'string' ? cfgRaw.name : `layer ${index}`;
  const r = new ConfigReader(file, cfgRaw, [...path, 'config'], `${cls} "${name}"`, loading);
  // Keras 3 names the input shape batch_shape (on its InputLayer); Keras 2 and TF.js batch_input_shape.
  const shapeKey = r.has('batch_input_shape') ? 'batch_input_shape' : r.has('batch_shape') ? 'batch_shape' : null;
  const batchInputShape = shapeKey ? r.intList(shapeKey, true) : null;
  const base = { name: r.str('name'), trainable: r.bool('trainable', true) };
  const dtype = dtypeName(cfgRaw.dtype);
  if (dtype !== undefined && dtype !== null && dtype !== 'float32') r.unsupported('dtype', `is ${showJson(cfgRaw.dtype)}; nerva layers compute in float32`);
  const make = (extra: LayerArgs): Layer => layerClass.fromConfig(r, { ...base, ...extra });
  return { spec: { index, className: cls, name: base.name, make }, batchInputShape };
}

/** How many weight values a model may need beyond what its file holds before building stops early. */
const SLACK_ELEMENTS = 1 << 20;

/** @internal Builds a model from checked artifacts; throws without side effects on any mismatch. */
export function modelFromArtifacts(art: ModelArtifacts, file: string): Sequential {
  const topo = art.modelTopology;
  if (topo.class_name === 'Model' || topo.class_name === 'Functional') {
    throw new UnsupportedError(`${file}: this is a functional model (modelTopology.class_name ${JSON.stringify(topo.class_name)}); nerva loads Sequential models only`);
  }
  if (topo.class_name !== 'Sequential') {
    throw new FormatError(`${file}: modelTopology.class_name is ${JSON.stringify(topo.class_name)}; nerva loads Sequential models`);
  }
  const cfg = topo.config;
  // Keras 2.2 wrote the layer list directly as config.
  const layerList = Array.isArray(cfg) ? cfg : cfg && typeof cfg === 'object' ? (cfg as JsonObject).layers : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) throw new FormatError(`${file}: modelTopology.config.layers must be a non-empty list`);
  const loading = { on: true };
  const parsed = layerList.map((l, i) => layerFromJson(file, l, i, loading));
  const specs = parsed.map((p) => p.spec);
  if (!specs.some((l) => l.className !== InputLayer.className)) throw new FormatError(`${file}: the model has no layers besides its input`);
  const names = new Set<string>();
  for (const l of specs) {
    if (names.has(l.name)) throw new FormatError(`${file}: two layers are named "${l.name}"`);
    names.add(l.name);
  }
  // Keras puts the input shape on the first layer, or on an InputLayer before it; only the first
  // layer may carry it, and a file that puts it elsewhere is read as if it were on the first.
  const inputShape = parsed.find((p) => p.batchInputShape)?.batchInputShape;
  if (!inputShape) throw new FormatError(`${file}: no layer declares batch_input_shape, so the model's input shape is unknown`);
  const modelName = !Array.isArray(cfg) && cfg && typeof cfg === 'object' && typeof (cfg as JsonObject).name === 'string' ? ((cfg as JsonObject).name as string) : undefined;
  const model = new Sequential([], { name: modelName });
  // Building allocates every weight before the file's weights are matched to the layers: stop as
  // soon as the layers need clearly more than the file holds (a small excess is left to the
  // weight-by-weight check below, which names the missing weight).
  const fileElements = art.weights.reduce((n, w) => n + (w.group === 'optimizer' ? 0 : w.data.length), 0);
  withWeightBudget(fileElements + SLACK_ELEMENTS, fileElements, () => {
    for (const [i, spec] of specs.entries()) {
      try {
        model.add(spec.make(i === 0 ? { batchInputShape: inputShape } : {}));
      } catch (e) {
        if (!(e instanceof NervaError) || isConfigError(e)) throw e;
        throw new FormatError(`${file}: layer ${spec.index} ${spec.className} "${spec.name}": ${e.message}`);
      }
    }
  });
  loading.on = false;

  // Weights by name, strictly both ways, as TF.js does.
  const modelWeights = art.weights.filter((w) => w.group !== 'optimizer');
  const byName = new Map(modelWeights.map((w) => [w.name, w]));
  const vars = model.weights;
  const varNames = new Set(vars.map((v) => v.name));
  for (const w of modelWeights) {
    if (!varNames.has(w.name)) throw new FormatError(`${file}: weight '${w.name}' does not belong to any layer of the model (its weights: ${[...varNames].join(', ')})`);
  }
  const values: Tensor[] = vars.map((v) => {
    const w = byName.get(v.name);
    if (!w) throw new FormatError(`${file}: weight '${v.name}' of the model is missing from the weights manifest`);
    if (w.shape.join() !== v.shape.join()) throw new FormatError(`${file}: weight '${v.name}' has shape [${w.shape.join(', ')}] in the file, the layer needs [${v.shape.join(', ')}]`);
    if (w.dtype !== 'float32') throw new FormatError(`${file}: weight '${v.name}' is ${w.dtype}, expected float32`);
    return new Tensor(w.data, [...w.shape], 'float32');
  });
  model.setWeights(values);

  restoreTrainingConfig(model, art, file);
  return model;
}

/**
 * Loads a model saved by nerva or TensorFlow.js (a directory holding model.json, or the path of
 * the .json file). Refuses unknown layer classes, bad configs, and weights that do not match.
 * @example const model = await loadModel('out/mnist/model');
 */
export async function loadModel(path: string): Promise<Sequential> {
  const art = await readModelArtifacts(path);
  return modelFromArtifacts(art, path);
}
