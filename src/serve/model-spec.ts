// What a served model looks like from outside: its name, version, input and output tensors, and
// the metadata bodies both protocols return for it (TF Serving's signature_def, the Open Inference
// Protocol's model metadata). Built once from the model when serving starts.

import type { Sequential } from '../models/sequential.js';
import { ArgumentError } from '../errors.js';

/** The served model's public description; plain data, so it can be posted to worker threads. */
export interface ModelSpec {
  /** The name in the URLs: `/v1/models/{name}`, `/v2/models/{name}`. */
  name: string;
  /** The only version served; TF Serving and the V2 protocol both carry versions as strings. */
  version: string;
  /** Keras' name for a Sequential's input tensor: `<first layer>_input`. */
  inputName: string;
  /** Input shape of one instance (no batch dimension), e.g. [28, 28]. */
  inputShape: number[];
  /** The last layer's name. */
  outputName: string;
  /** Output shape of one instance, e.g. [10]. */
  outputShape: number[];
}

/** Model names go into URL paths and Prometheus labels: keep them to characters safe in both. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkModelName(name: string, who: string): string {
  if (typeof name !== 'string' || !MODEL_NAME_PATTERN.test(name)) {
    throw new ArgumentError(`${who}: model name ${JSON.stringify(name)} must be 1-128 letters, digits, '.', '_' or '-' (starting with a letter or digit)`);
  }
  return name;
}

function knownDims(shape: readonly (number | null)[] | null, what: string, model: Sequential): number[] {
  if (!shape) {
    throw new ArgumentError(`serve: Sequential "${model.name}" is not built (its input shape is unknown): give the first layer an inputShape`);
  }
  const inner = shape.slice(1);
  if (inner.some((d) => d === null)) {
    const shown = `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
    throw new ArgumentError(`serve: Sequential "${model.name}" has ${what} shape ${shown}; serving needs every dimension but the batch known`);
  }
  return inner as number[];
}

export function modelSpec(model: Sequential, name: string): ModelSpec {
  const inputShape = knownDims(model.inputShape, 'input', model);
  const outputShape = knownDims(model.outputShape, 'output', model);
  return {
    name: checkModelName(name, 'serve'),
    version: '1',
    inputName: `${model.layers[0].name}_input`,
    inputShape,
    outputName: model.layers[model.layers.length - 1].name,
    outputShape,
  };
}

/** `[N, 28, 28]`: a shape with a batch dimension, for messages. */
export function batchShapeText(inner: readonly number[], batch: number | string = 'N'): string {
  return `[${[batch, ...inner].join(', ')}]`;
}

// ---- TF Serving REST ------------------------------------------------------------------------

/** `GET /v1/models/{name}`: TF Serving's GetModelStatusResponse. */
export function v1Status(spec: ModelSpec, ready: boolean): object {
  return {
    model_version_status: [
      { version: spec.version, state: ready ? 'AVAILABLE' : 'LOADING', status: { error_code: 'OK', error_message: '' } },
    ],
  };
}

function tfTensorInfo(inner: readonly number[], tensorName: string): object {
  return {
    dtype: 'DT_FLOAT',
    // TF Serving writes int64 sizes as strings, the batch dimension as -1.
    tensor_shape: { dim: [-1, ...inner].map((d) => ({ size: String(d), name: '' })), unknown_rank: false },
    name: tensorName,
  };
}

/** `GET /v1/models/{name}/metadata`: TF Serving's GetModelMetadataResponse (note the doubled signature_def). */
export function v1Metadata(spec: ModelSpec): object {
  return {
    model_spec: { name: spec.name, signature_name: '', version: spec.version },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: { [spec.inputName]: tfTensorInfo(spec.inputShape, `serving_default_${spec.inputName}:0`) },
            outputs: { [spec.outputName]: tfTensorInfo(spec.outputShape, 'StatefulPartitionedCall:0') },
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}

// ---- Open Inference Protocol (KServe V2) ---------------------------------------------------------

export const SERVER_NAME = 'nerva';
export const SERVER_VERSION = '0.1.0';

/** `GET /v2/models/{name}`: model metadata, variable dimensions as -1. */
export function v2Metadata(spec: ModelSpec): object {
  return {
    name: spec.name,
    versions: [spec.version],
    platform: 'nerva_layers',
    inputs: [{ name: spec.inputName, datatype: 'FP32', shape: [-1, ...spec.inputShape] }],
    outputs: [{ name: spec.outputName, datatype: 'FP32', shape: [-1, ...spec.outputShape] }],
  };
}

/** `GET /v2`: server metadata. */
export function v2ServerMetadata(): object {
  return { name: SERVER_NAME, version: SERVER_VERSION, extensions: [] };
}
