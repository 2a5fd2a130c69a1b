// The two predict bodies: TF Serving REST (`instances` row format or `inputs` columnar →
// `predictions` / `outputs`) and the Open Inference Protocol (`inputs: [{name, shape, datatype,
// data}]` → `outputs`). Each decoder checks a parsed body against the model and returns float32 rows
// plus the function that writes the response for its slice of the model's output.

import { shapesEqual, sizeOf } from '../tensor/shape.js';
import { NumArray, type JsonNode } from './json.js';
import { batchShapeText, type ModelSpec } from './model-spec.js';
import { badRequest, isList, listLength, readTensor, shapeText, show, writeFlat, writeNested, type ByteWriter } from './tensor-json.js';

export type Protocol = 'v1' | 'v2';

/** A checked request: `rows` instances in `data` ([rows, ...inputShape], row-major). */
export interface DecodedRequest {
  rows: number;
  data: Float32Array;
  /** Writes the response body for output rows [start, start + rows) of `out` ([*, ...outputShape]). */
  respond(out: Float32Array, start: number, w: ByteWriter): void;
}

/**
 * Where a request's input values go: a Float32Array of n values. The inference worker hands out
 * consecutive slices of one batch buffer, so that the values are written once, straight where
 * predict reads them.
 */
export type Allocate = (n: number) => Float32Array;

const newArray: Allocate = (n) => new Float32Array(n);

type JsonObject = { [key: string]: JsonNode };

function isObject(v: JsonNode | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof NumArray);
}

function field(o: JsonObject, key: string): JsonNode | undefined {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** A JSON list as plain elements (a NumArray's rows or numbers), or null if v is not a list. */
function asList(v: JsonNode | undefined): JsonNode[] | null {
  if (Array.isArray(v)) return v;
  if (!(v instanceof NumArray)) return null;
  if (v.shape.length === 1) return Array.from(v.data);
  const inner = v.shape.slice(1);
  const size = sizeOf(inner);
  return Array.from({ length: v.shape[0] }, (_, i) => new NumArray(inner, v.data.subarray(i * size, (i + 1) * size), v.finite));
}

function describeTop(v: JsonNode): string {
  if (isList(v)) return 'a JSON list';
  return v === null ? 'null' : `a JSON ${typeof v}`;
}

/** Checks a parsed body against the model; its input values go to `alloc(rows * size)`. */
export function decodeRequest(protocol: Protocol, body: JsonNode, spec: ModelSpec, alloc: Allocate = newArray): DecodedRequest {
  return protocol === 'v1' ? decodeV1(body, spec, alloc) : decodeV2(body, spec, alloc);
}

// ---- TF Serving REST ------------------------------------------------------------------------

/** The tensor inside a named-input object `{"flatten_input": ...}`, which must name only the model's input. */
function namedInput(o: JsonObject, spec: ModelSpec, path: string): JsonNode {
  const keys = Object.keys(o);
  const unknown = keys.filter((k) => k !== spec.inputName);
  if (unknown.length > 0) {
    throw badRequest(`${path}: unknown input ${JSON.stringify(unknown[0])}; the model has one input, "${spec.inputName}"`);
  }
  if (keys.length === 0) throw badRequest(`${path}: an empty object; expected the input "${spec.inputName}" or the tensor itself`);
  return o[spec.inputName];
}

function decodeV1(body: JsonNode, spec: ModelSpec, alloc: Allocate): DecodedRequest {
  if (!isObject(body)) throw badRequest(`the body must be a JSON object with "instances" or "inputs", got ${describeTop(body)}`);
  const sig = field(body, 'signature_name');
  if (sig !== undefined && sig !== null) {
    if (typeof sig !== 'string') throw badRequest(`"signature_name" must be a string, got ${show(sig)}`);
    if (sig !== 'serving_default' && sig !== '') {
      throw badRequest(`"signature_name": the model has no signature ${JSON.stringify(sig)}; its only signature is "serving_default"`);
    }
  }
  const instances = field(body, 'instances');
  const inputs = field(body, 'inputs');
  if (instances !== undefined && inputs !== undefined) {
    throw badRequest('the body has both "instances" and "inputs"; send one of them ("instances": a list of rows, "inputs": columnar)');
  }
  const inner = spec.inputShape;
  const size = sizeOf(inner);
  // Texts for messages: a few hundred nanoseconds per request, not worth caching per spec.
  const perRow = shapeText(inner);
  const batch = batchShapeText(inner);
  let rows: number;
  let data: Float32Array;
  let key: 'predictions' | 'outputs';
  if (instances !== undefined) {
    if (!isList(instances)) throw badRequest(`"instances" must be a list with one entry of shape ${perRow} per instance, got ${show(instances)}`);
    rows = listLength(instances);
    if (rows === 0) throw badRequest('"instances" is empty; send at least one instance');
    data = alloc(rows * size);
    if (instances instanceof NumArray) {
      // The common case: all instances are numbers of one shape, known from parsing.
      const per = instances.shape.slice(1);
      // Keras' predict([5]) for a model with input shape [1]: bare numbers are instances.
      const given = per.length === 0 && size === 1 ? new NumArray([rows, 1], instances.data, instances.finite) : instances;
      if (!shapesEqual(given.shape.slice(1), inner)) {
        throw badRequest(`instances[0]: expected shape ${perRow}, got ${per.length === 0 ? 'a single number' : shapeText(per)}`);
      }
      readTensor(given, [rows, ...inner], data, 0, 'instances', batch);
    } else {
      for (let i = 0; i < rows; i++) {
        let x = instances[i];
        let path = `instances[${i}]`;
        if (isObject(x)) {
          x = namedInput(x, spec, path);
          path = `${path}.${spec.inputName}`;
        }
        if (typeof x === 'number' && size === 1) x = [x];
        readTensor(x, inner, data, i * size, path);
      }
    }
    key = 'predictions';
  } else if (inputs !== undefined) {
    let x = inputs;
    let path = 'inputs';
    if (isObject(x)) {
      x = namedInput(x, spec, path);
      path = `inputs.${spec.inputName}`;
    }
    if (!isList(x)) throw badRequest(`"${path}" must be a tensor of shape ${batch}, got ${show(x)}`);
    rows = listLength(x);
    if (rows === 0) throw badRequest(`"${path}" is empty; send at least one instance`);
    // A model with input shape [1] takes a flat list of numbers, as Keras' predict does.
    if (size === 1 && inner.length === 1) {
      if (x instanceof NumArray && x.shape.length === 1) x = new NumArray([rows, 1], x.data, x.finite);
      else if (Array.isArray(x) && x.every((v) => typeof v === 'number')) x = x.map((v) => [v]);
    }
    data = alloc(rows * size);
    readTensor(x, [rows, ...inner], data, 0, path, batch);
    key = 'outputs';
  } else {
    const keys = Object.keys(body);
    throw badRequest(`the body needs "instances" (a list of rows) or "inputs" (columnar); got ${keys.length ? `keys ${keys.map((k) => JSON.stringify(k)).join(', ')}` : 'an empty object'}`);
  }
  const head = `{"${key}":`;
  return {
    rows,
    data,
    respond: (out, start, w) => {
      w.text(head);
      writeNested(w, out, start, rows, spec.outputShape);
      w.text('}');
    },
  };
}

// ---- Open Inference Protocol --------------------------------------------------------------

const ACCEPTED_DATATYPES = ['FP32', 'FP64'];

function decodeV2(body: JsonNode, spec: ModelSpec, alloc: Allocate): DecodedRequest {
  if (!isObject(body)) throw badRequest(`the body must be a JSON object with "inputs", got ${describeTop(body)}`);
  const id = field(body, 'id');
  if (id !== undefined && typeof id !== 'string') throw badRequest(`"id" must be a string, got ${show(id)}`);
  const params = field(body, 'parameters');
  if (params !== undefined && !isObject(params)) throw badRequest(`"parameters" must be an object, got ${show(params)}`);
  const inputsField = field(body, 'inputs');
  if (inputsField === undefined) throw badRequest(`the body needs "inputs": [{"name": "${spec.inputName}", "shape": ${batchShapeText(spec.inputShape)}, "datatype": "FP32", "data": [...]}]`);
  const inputs = asList(inputsField);
  if (!inputs) throw badRequest(`"inputs" must be a list of input tensor objects, got ${show(inputsField)}`);
  if (inputs.length !== 1) throw badRequest(`"inputs": the model has one input ("${spec.inputName}"), got ${inputs.length}`);
  const t = inputs[0];
  if (!isObject(t)) throw badRequest(`inputs[0] must be an object {name, shape, datatype, data}, got ${show(t)}`);
  const name = field(t, 'name');
  if (typeof name !== 'string') throw badRequest(`inputs[0].name must be a string, got ${show(name)}`);
  if (name !== spec.inputName) throw badRequest(`inputs[0].name: unknown input ${JSON.stringify(name)}; the model's input is "${spec.inputName}"`);
  const datatype = field(t, 'datatype');
  if (typeof datatype !== 'string' || !ACCEPTED_DATATYPES.includes(datatype)) {
    throw badRequest(`inputs[0].datatype: expected "FP32" (or "FP64"), got ${show(datatype)}`);
  }
  const tp = field(t, 'parameters');
  if (isObject(tp) && field(tp, 'binary_data_size') !== undefined) {
    throw badRequest('inputs[0].parameters.binary_data_size: the binary tensor data extension is not supported; send "data" as JSON');
  }
  const shapeField = field(t, 'shape');
  const shape = asList(shapeField) ?? shapeField;
  const expected = batchShapeText(spec.inputShape);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw badRequest(`inputs[0].shape must be a list of non-negative integers like ${expected}, got ${Array.isArray(shape) ? shapeText(shape.map((d) => show(d))) : show(shape)}`);
  }
  const dims = shape as number[];
  if (dims.length !== spec.inputShape.length + 1 || !shapesEqual(dims.slice(1), spec.inputShape)) {
    throw badRequest(`inputs[0].shape: expected ${expected}, got ${shapeText(dims)}`);
  }
  const rows = dims[0];
  if (rows === 0) throw badRequest(`inputs[0].shape: the batch dimension is 0; send at least one instance`);
  const data = field(t, 'data');
  const total = sizeOf(dims);
  if (!isList(data)) throw badRequest(`inputs[0].data must be a list (flat or nested) of ${total} numbers, got ${show(data)}`);
  const out = alloc(total);
  // Row-major data, flat or nested: the protocol allows either.
  const flat = data instanceof NumArray ? data.shape.length === 1 : data.length > 0 && !isList(data[0]);
  if (flat) {
    if (listLength(data) !== total) throw badRequest(`inputs[0].data: shape ${shapeText(dims)} needs ${total} values, got ${listLength(data)}`);
    readTensor(data, [total], out, 0, 'inputs[0].data');
  } else {
    readTensor(data, dims, out, 0, 'inputs[0].data', `${shapeText(dims)} (from inputs[0].shape)`);
  }
  const wantedField = field(body, 'outputs');
  if (wantedField !== undefined) {
    const wanted = asList(wantedField);
    if (!wanted) throw badRequest(`"outputs" must be a list of {"name": ...}, got ${show(wantedField)}`);
    wanted.forEach((o, i) => {
      const n = isObject(o) ? field(o, 'name') : undefined;
      if (n !== spec.outputName) {
        throw badRequest(`outputs[${i}].name: unknown output ${n === undefined ? '(none given)' : JSON.stringify(n)}; the model's output is "${spec.outputName}"`);
      }
    });
  }
  const outSize = sizeOf(spec.outputShape);
  const head = `{"model_name":${JSON.stringify(spec.name)},"model_version":"${spec.version}"${id !== undefined ? `,"id":${JSON.stringify(id)}` : ''},"outputs":[{"name":${JSON.stringify(spec.outputName)},"datatype":"FP32","shape":${shapeText([rows, ...spec.outputShape]).replace(/ /g, '')},"data":`;
  return {
    rows,
    data: out,
    respond: (y, start, w) => {
      w.text(head);
      writeFlat(w, y, start * outSize, rows * outSize);
      w.text('}]}');
    },
  };
}
