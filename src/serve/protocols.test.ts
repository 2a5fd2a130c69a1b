// The two predict bodies, decoded against a [28, 28] -> [10] model: accepted forms, and for each bad
// request the 400 message naming the field and the shapes (expected vs got).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonText } from './json.js';
import { decodeRequest, type DecodedRequest, type Protocol } from './protocols.js';
import { ByteWriter, RequestError, formatFloat32, formatFloat32Slow } from './tensor-json.js';
import type { ModelSpec } from './model-spec.js';

const spec: ModelSpec = { name: 'mnist', version: '1', inputName: 'flatten_input', inputShape: [28, 28], outputName: 'dense_1', outputShape: [10] };
const image = (v = 0.5) => Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => v));

/** A response body as text: what respond writes after whatever the writer already holds. */
function respondText(d: DecodedRequest, y: Float32Array, start: number): string {
  const w = new ByteWriter(16);
  w.text('é-prefix');
  const from = w.len;
  d.respond(y, start, w);
  return new TextDecoder().decode(w.buf.subarray(from, w.len));
}

function decode(protocol: Protocol, body: unknown, s: ModelSpec = spec) {
  return decodeRequest(protocol, parseJsonText(typeof body === 'string' ? body : JSON.stringify(body)), s);
}

function rejects(protocol: Protocol, body: unknown, message: RegExp, s: ModelSpec = spec): void {
  assert.throws(
    () => decode(protocol, body, s),
    (e: unknown) => e instanceof RequestError && e.status === 400 && message.test(e.message),
    `${JSON.stringify(body).slice(0, 60)} should fail with ${message}`,
  );
}

test('TF Serving row format: instances, also named, also from a parsed object', () => {
  const d = decode('v1', { instances: [image(0.25), image(0.75)] });
  assert.equal(d.rows, 2);
  assert.equal(d.data.length, 2 * 784);
  assert.equal(d.data[0], 0.25);
  assert.equal(d.data[784], 0.75);
  const named = decode('v1', { signature_name: 'serving_default', instances: [{ flatten_input: image(0.5) }] });
  assert.equal(named.rows, 1);
  assert.equal(named.data[100], 0.5);
  const y = new Float32Array([0.1, 0.2, 0.7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(respondText(d, y, 0), '{"predictions":[[0.100000001,0.200000003,0.699999988,0,0,0,0,0,0,0],[1,0,0,0,0,0,0,0,0,0]]}');
  // A body a framework (express.json()) already parsed: plain arrays, same result.
  const plain = decodeRequest('v1', { instances: [image(0.25)] }, spec);
  assert.equal(plain.data[783], 0.25);
});

test('TF Serving columnar format: inputs -> outputs', () => {
  const d = decode('v1', { inputs: [image(1), image(0)] });
  assert.equal(d.rows, 2);
  assert.match(respondText(d, new Float32Array(20), 0), /^\{"outputs":\[\[0,/);
  assert.equal(decode('v1', { inputs: { flatten_input: [image()] } }).rows, 1);
});

test('a model with input shape [1] takes bare numbers, as Keras predict([5]) does', () => {
  const s1: ModelSpec = { ...spec, inputShape: [1], outputShape: [1] };
  assert.equal(decode('v1', { instances: [1, 2, 3] }, s1).rows, 3);
  assert.equal(decode('v1', { instances: [[1], [2]] }, s1).rows, 2);
  assert.equal(decode('v1', { inputs: [3, 4] }, s1).rows, 2);
  assert.equal(decode('v1', { instances: [1, [2]] }, s1).rows, 2);
});

test('TF Serving bad requests name the field and the shapes', () => {
  rejects('v1', [1, 2], /the body must be a JSON object with "instances" or "inputs", got a JSON list/);
  rejects('v1', {}, /needs "instances" \(a list of rows\) or "inputs" \(columnar\); got an empty object/);
  rejects('v1', { instance: [image()] }, /needs "instances".*got keys "instance"/);
  rejects('v1', { instances: [image()], inputs: [image()] }, /both "instances" and "inputs"/);
  rejects('v1', { instances: [] }, /"instances" is empty/);
  rejects('v1', { instances: image()[0][0] }, /"instances" must be a list with one entry of shape \[28, 28\] per instance, got 0.5/);
  rejects('v1', { instances: [Array(784).fill(0)] }, /instances\[0\]: expected shape \[28, 28\], got \[784\]/);
  rejects('v1', { instances: [image(), Array(784).fill(0)] }, /instances\[1\]: expected shape \[28, 28\], got \[784\]/);
  const ragged = image();
  ragged[5] = ragged[5].slice(1);
  rejects('v1', { instances: [ragged] }, /instances\[0\] is ragged: instances\[0\]\[0\] has 28 values but instances\[0\]\[5\] has 27 values; expected shape \[28, 28\]/);
  const text = image() as unknown[][];
  text[3][4] = 'abc';
  rejects('v1', { instances: [text] }, /instances\[0\]\[3\]\[4\]: expected a number, got the string "abc"/);
  const nul = image() as unknown[][];
  nul[0][27] = null;
  rejects('v1', { instances: [nul] }, /instances\[0\]\[0\]\[27\]: expected a number, got null/);
  const nested = image() as unknown[][];
  nested[2][2] = [1];
  rejects('v1', { instances: [nested] }, /instances\[0\] is ragged|instances\[0\]\[2\]/);
  rejects('v1', { instances: [{ x: image() }] }, /instances\[0\]: unknown input "x"; the model has one input, "flatten_input"/);
  rejects('v1', { signature_name: 'classify', instances: [image()] }, /"signature_name": the model has no signature "classify"/);
  rejects('v1', { inputs: 'abc' }, /"inputs" must be a tensor of shape \[N, 28, 28\], got "abc"/);
  rejects('v1', { inputs: [image(), image().slice(1)] }, /inputs is ragged: inputs\[0\] has shape \[28, 28\] but inputs\[1\] has shape \[27, 28\]/);
  rejects('v1', { inputs: [Array(784).fill(0)] }, /inputs: expected shape \[N, 28, 28\], got \[1, 784\]/);
});

test('NaN, Infinity and numbers beyond float32 are refused with their position', () => {
  rejects('v1', `{"instances": [${JSON.stringify(image()).replace('0.5', 'NaN')}]}`, /instances\[0\]\[0\]\[0\]: NaN is not a finite number/);
  rejects('v1', `{"instances": [${JSON.stringify(image()).replace(/0\.5\]\]$/, '-Infinity]]')}]}`, /instances\[0\]\[27\]\[27\]: -Infinity is not a finite number/);
  rejects('v1', `{"instances": [${JSON.stringify(image()).replace('0.5', '1e39')}]}`, /instances\[0\]\[0\]\[0\]: 1e\+39 is outside the float32 range/);
});

const v2 = (over: Record<string, unknown> = {}, input: Record<string, unknown> = {}) => ({
  id: 'req-1',
  inputs: [{ name: 'flatten_input', shape: [1, 28, 28], datatype: 'FP32', data: [image()], ...input }],
  ...over,
});

test('Open Inference Protocol: nested or flat data, the id echoed', () => {
  const nested = decode('v2', v2());
  assert.equal(nested.rows, 1);
  const out = respondText(nested, new Float32Array(10).fill(0.1), 0);
  assert.equal(out, '{"model_name":"mnist","model_version":"1","id":"req-1","outputs":[{"name":"dense_1","datatype":"FP32","shape":[1,10],"data":[0.100000001,0.100000001,0.100000001,0.100000001,0.100000001,0.100000001,0.100000001,0.100000001,0.100000001,0.100000001]}]}');
  const flat = decode('v2', v2({ id: undefined }, { shape: [2, 28, 28], data: Array(2 * 784).fill(0.25) }));
  assert.equal(flat.rows, 2);
  assert.doesNotMatch(respondText(flat, new Float32Array(20), 0), /"id"/);
  assert.equal(decode('v2', v2({ outputs: [{ name: 'dense_1' }], parameters: { a: 1 } }, { datatype: 'FP64' })).rows, 1);
});

test('Open Inference Protocol bad requests name the field and the shapes', () => {
  rejects('v2', 'null', /the body must be a JSON object with "inputs", got null/);
  rejects('v2', { id: 'x' }, /the body needs "inputs": \[\{"name": "flatten_input", "shape": \[N, 28, 28\]/);
  rejects('v2', v2({ id: 42 }), /"id" must be a string, got 42/);
  rejects('v2', v2({ inputs: {} }), /"inputs" must be a list of input tensor objects/);
  rejects('v2', v2({ inputs: [] }), /the model has one input \("flatten_input"\), got 0/);
  rejects('v2', v2({}, { name: 'x' }), /inputs\[0\].name: unknown input "x"; the model's input is "flatten_input"/);
  rejects('v2', v2({}, { datatype: 'INT32' }), /inputs\[0\].datatype: expected "FP32" \(or "FP64"\), got "INT32"/);
  rejects('v2', v2({}, { shape: [1, 784] }), /inputs\[0\].shape: expected \[N, 28, 28\], got \[1, 784\]/);
  rejects('v2', v2({}, { shape: [1, 28.5, 28] }), /inputs\[0\].shape must be a list of non-negative integers/);
  rejects('v2', v2({}, { shape: [0, 28, 28], data: [] }), /the batch dimension is 0/);
  rejects('v2', v2({}, { data: Array(783).fill(0) }), /inputs\[0\].data: shape \[1, 28, 28\] needs 784 values, got 783/);
  rejects('v2', v2({}, { shape: [2, 28, 28] }), /inputs\[0\].data: expected shape \[2, 28, 28\] \(from inputs\[0\].shape\), got \[1, 28, 28\]/);
  rejects('v2', v2({}, { data: 'abc' }), /inputs\[0\].data must be a list/);
  const bad = Array(784).fill(0) as unknown[];
  bad[100] = true;
  rejects('v2', v2({}, { data: bad }), /inputs\[0\].data\[100\]: expected a number, got true/);
  rejects('v2', v2({ outputs: [{ name: 'probs' }] }), /outputs\[0\].name: unknown output "probs"; the model's output is "dense_1"/);
  rejects('v2', v2({}, { parameters: { binary_data_size: 3136 } }), /binary tensor data extension is not supported/);
});

test('the shape texts in messages belong to the spec decoded against, request after request', () => {
  const wide: ModelSpec = { ...spec, inputShape: [3, 4] };
  for (let i = 0; i < 2; i++) {
    rejects('v1', { inputs: 'abc' }, /"inputs" must be a tensor of shape \[N, 28, 28\], got "abc"/);
    rejects('v1', { inputs: 'abc' }, /"inputs" must be a tensor of shape \[N, 3, 4\], got "abc"/, wide);
    rejects('v1', { instances: 7 }, /one entry of shape \[3, 4\] per instance/, wide);
    rejects('v2', v2({}, { shape: [1, 784] }), /inputs\[0\].shape: expected \[N, 3, 4\], got \[1, 784\]/, wide);
  }
});

test('float32 outputs are written in at most 9 digits that read back exactly, as valid JSON', () => {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const values = [0.1, 1 / 3, 1e-7, 123456.789, 3.4028234663852886e38, 1.401298464324817e-45, -0.5, 1, 100, 1e21, 2.5e-8, -0];
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20000; i++) values.push(random() ** 8 * (random() < 0.5 ? -1 : 1));
  for (let i = 0; i < 20000; i++) {
    u[0] = Math.floor(random() * 0xff800000);
    if ((u[0] & 0x7f800000) !== 0x7f800000) values.push(f[0]);
  }
  for (const v of values) {
    f[0] = v;
    const s = formatFloat32(f[0]);
    assert.equal(Math.fround(JSON.parse(s) as number), f[0], s);
    assert.ok(s.replace(/^-|e.*$/g, '').replace('.', '').replace(/^0+/, '').length <= 9, s);
  }
  assert.equal(formatFloat32(0.5), '0.5');
  assert.equal(formatFloat32(Math.fround(1e-7)), '1.00000001e-7');
  assert.equal(formatFloat32(Math.fround(2 ** -30)), '9.31322575e-10');
  assert.equal(formatFloat32(100), '100');
  assert.equal(formatFloat32(NaN), 'NaN');
  assert.equal(formatFloat32(-Infinity), '-Infinity');
});

test('float32 outputs are written as toPrecision(9) writes them (trimmed), ties and powers of two included', () => {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const values: number[] = [0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, 123456789, 999999999, 9.99999999e-7];
  // Powers of two and small multiples: their exact decimals end in ...5, some exactly on a 9-digit tie.
  for (let e = -149; e <= 127; e++) for (const m of [1, 3, 5, 7, 15]) values.push(m * 2 ** e, -m * 2 ** e);
  for (let e = -45; e <= 38; e++) for (const m of [1, 1.5, 9.999999, 9.9999999]) values.push(m * 10 ** e);
  let seed = 99;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 50000; i++) {
    u[0] = Math.floor(random() * 2 ** 32);
    values.push(f[0]);
  }
  for (const v of values) {
    f[0] = v;
    assert.equal(formatFloat32(f[0]), formatFloat32Slow(f[0]), String(f[0]));
  }
});

test('a response body is UTF-8 after whatever the writer holds (a non-ASCII id)', () => {
  const d = decode('v2', v2({ id: 'réq-é' }));
  const text = respondText(d, new Float32Array(10).fill(0.5), 0);
  assert.equal((JSON.parse(text) as { id: string }).id, 'réq-é');
});

test('decoded values go where the allocator says (a slice of the worker batch buffer)', () => {
  const batch = new Float32Array(3 * 784).fill(-1);
  let used = 784;
  const alloc = (n: number) => batch.subarray(used, used + n);
  const d = decodeRequest('v1', parseJsonText(JSON.stringify({ instances: [image(0.25), image(0.75)] })), spec, alloc);
  used += d.data.length;
  assert.equal(d.data.buffer, batch.buffer);
  assert.deepEqual([batch[783], batch[784], batch[2 * 784], batch[3 * 784 - 1]], [-1, 0.25, 0.75, 0.75]);
});


test('values beyond the float32 range are found wherever they are and however they are written', () => {
  for (const big of ['1e39', '-3.5e38', '340282360000000000000000000000000000000', '3.4028236e38', '1e400']) {
    const images = [image(0.5), image(0.25), image(0)] as (number | string)[][][];
    images[2][5][7] = big;
    const text = `{"instances": ${JSON.stringify(images).replace('"' + big + '"', big)}}`;
    rejects('v1', text, new RegExp(`instances\\[2\\]\\[5\\]\\[7\\]: .* (is outside the float32 range|is not a finite number)`));
  }
  // The largest float32 and values that round to it are accepted.
  const images = [image(0.5)] as (number | string)[][][];
  images[0][3][3] = '3.4028234e38';
  const d = decode('v1', `{"instances": ${JSON.stringify(images).replace('"3.4028234e38"', '3.4028234e38')}}`);
  assert.equal(d.data[3 * 28 + 3], 3.4028234663852886e38);
});
