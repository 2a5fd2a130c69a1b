// Reading, validating and writing TensorFlow.js layers-model artifacts (model.json + binary weights).
// Files are untrusted input: every field is checked and every size is known before anything big is
// allocated. Mapping the topology to layers is not done here (see src/models).
import { open, stat, realpath, constants } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ArgumentError, FormatError, UnsupportedError, fmtShape } from '../errors.js';
import { MODEL_JSON, commitModelFiles, weightsFileName } from './atomic.js';
import { ensureDir, errorCode, fileSystemError, modelSaveDir, toLocalPath } from './paths.js';
import { inSaveQueue } from './lock.js';

export type WeightDtype = 'float32' | 'int32' | 'bool';
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

/** One weight tensor's values, row-major, with its manifest name (`dense_1/kernel`). */
export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  data: Float32Array | Int32Array | Uint8Array;
  /** `"optimizer"` for optimizer state saved with includeOptimizer. */
  group?: string;
}

/** A layers model as stored: topology JSON plus weights. */
export interface ModelArtifacts {
  /** Always the `{class_name, config, ...}` object (a `model_config` wrapper is unwrapped on read). */
  modelTopology: JsonObject;
  weights: NamedWeight[];
  trainingConfig?: JsonObject;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: JsonObject;
}

/** A weightsManifest entry as TF.js writes it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  group?: string;
}

/** The in-memory form `tf.io.fromMemory` takes and `tf.io.withSaveHandler` gives. */
export interface MemoryArtifacts {
  modelTopology: JsonObject;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
  format: string;
  generatedBy: string;
  convertedBy: string | null;
  trainingConfig?: JsonObject;
  userDefinedMetadata?: JsonObject;
}

/** Default cap on model.json size: a real topology is kilobytes; this stops a hostile file early. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024 * 1024;

const DTYPE_BYTES: Record<WeightDtype, number> = { float32: 4, int32: 4, bool: 1 };
const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;
type QuantDtype = keyof typeof QUANT_BYTES;
interface Quantization { dtype: QuantDtype; scale: number; min: number }

/** A manifest entry after validation, with its element count and byte length in the file. */
interface CheckedSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  group?: string;
  quantization?: Quantization;
  size: number;
  byteLength: number;
}

type PathPart = string | number;

/** `['weightsManifest', 0, 'weights', 3, 'shape']` -> `weightsManifest[0].weights[3].shape`. */
export function describeJsonPath(path: readonly PathPart[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === '' ? '(root)' : out;
}

function isObject(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);
}

function show(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // Too deep for the stack, or refers to itself: say what it is instead.
    s = Array.isArray(v) ? '[...]' : typeof v === 'object' ? '{...}' : typeof v;
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Deeper than any model.json (a few levels); what is deeper is refused before anything recurses. */
export const MAX_JSON_DEPTH = 200;

/** Throws a FormatError when `root` nests arrays/objects more than MAX_JSON_DEPTH deep (iterative). */
function checkJsonDepth(root: unknown, source: string): void {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw new FormatError(`${source}: JSON nested more than ${MAX_JSON_DEPTH} levels deep (a model.json is a few levels deep); refusing it`);
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

function assertLittleEndianHost(): void {
  // The format is little-endian and we hand typed-array bytes straight to and from disk.
  if (endianness() !== 'LE') throw new UnsupportedError('model weights: big-endian hosts are not supported');
}

// ---------------------------------------------------------------------------------------------
// Validation of the model.json structure (shared by files and memory)

interface CheckedModelJson {
  topology: JsonObject;
  trainingConfig?: JsonObject;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: JsonObject;
}

function checkModelFields(root: unknown, source: string): CheckedModelJson {
  checkJsonDepth(root, source);
  if (!isObject(root)) throw new FormatError(`${source}: expected a JSON object at the top level, got ${show(root)}`);
  let topology = root.modelTopology;
  if (topology === undefined || topology === null) {
    const bareKeras = !('modelTopology' in root) && isObject(root.model_config);
    const hint = bareKeras ? ' (this looks like a bare Keras config; expected {"modelTopology": ...})' : '';
    throw new FormatError(`${source}: missing modelTopology${hint}`);
  }
  if (!isObject(topology)) throw new FormatError(`${source}: modelTopology must be a JSON object, got ${show(topology)}`);
  let trainingConfig = root.trainingConfig;
  let where = 'modelTopology';
  if (topology.model_config !== undefined && topology.model_config !== null) {
    // The Python converter wraps the Keras config: {keras_version, backend, model_config, training_config}.
    if (trainingConfig == null && topology.training_config != null) trainingConfig = topology.training_config;
    topology = topology.model_config;
    where = 'modelTopology.model_config';
    if (!isObject(topology)) throw new FormatError(`${source}: ${where} must be a JSON object, got ${show(topology)}`);
  }
  if (typeof topology.class_name !== 'string') {
    throw new FormatError(`${source}: ${where}.class_name must be a string (e.g. "Sequential"), got ${show(topology.class_name)}`);
  }
  if (root.format !== undefined && root.format !== 'layers-model') {
    throw new FormatError(`${source}: format is ${show(root.format)}; nerva reads TF.js layers models ("layers-model") only`);
  }
  const out: CheckedModelJson = { topology: topology as JsonObject };
  if (root.format !== undefined) out.format = root.format;
  if (trainingConfig != null) {
    if (!isObject(trainingConfig)) throw new FormatError(`${source}: trainingConfig must be a JSON object, got ${show(trainingConfig)}`);
    out.trainingConfig = trainingConfig as JsonObject;
  }
  if (root.generatedBy != null) {
    if (typeof root.generatedBy !== 'string') throw new FormatError(`${source}: generatedBy must be a string, got ${show(root.generatedBy)}`);
    out.generatedBy = root.generatedBy;
  }
  if (root.convertedBy !== undefined) {
    if (root.convertedBy !== null && typeof root.convertedBy !== 'string') {
      throw new FormatError(`${source}: convertedBy must be a string or null, got ${show(root.convertedBy)}`);
    }
    out.convertedBy = root.convertedBy;
  }
  if (root.userDefinedMetadata != null) {
    if (!isObject(root.userDefinedMetadata)) {
      throw new FormatError(`${source}: userDefinedMetadata must be a JSON object, got ${show(root.userDefinedMetadata)}`);
    }
    out.userDefinedMetadata = root.userDefinedMetadata as JsonObject;
  }
  return out;
}

/** Checks one manifest entry; `seen` collects names across all groups to catch duplicates. */
function checkSpec(raw: unknown, path: PathPart[], source: string, seen: Map<string, string>): CheckedSpec {
  const at = describeJsonPath(path);
  if (!isObject(raw)) throw new FormatError(`${source}: ${at} must be an object {name, shape, dtype}, got ${show(raw)}`);
  const { name } = raw;
  if (typeof name !== 'string' || name === '') throw new FormatError(`${source}: ${at}.name must be a non-empty string, got ${show(name)}`);
  const who = `${source}: weight "${name}" (${at})`;
  const first = seen.get(name);
  if (first !== undefined) throw new FormatError(`${who}: name appears twice in the manifest (first at ${first})`);
  seen.set(name, at);

  const { dtype } = raw;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new FormatError(`${who}: dtype must be one of "float32", "int32", "bool", got ${show(dtype)}`);
  }
  if (!Array.isArray(raw.shape)) throw new FormatError(`${who}: shape must be an array of sizes, got ${show(raw.shape)}`);
  const shape: number[] = [];
  let size = 1;
  for (let i = 0; i < raw.shape.length; i++) {
    const d: unknown = raw.shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new FormatError(`${who}: shape[${i}] must be a non-negative integer, got ${show(d)} in shape ${show(raw.shape)}`);
    }
    shape.push(d);
    size *= d;
    if (!Number.isSafeInteger(size)) throw new FormatError(`${who}: shape ${fmtShape(shape)}... has more elements than can be counted exactly`);
  }
  const spec: CheckedSpec = { name, shape, dtype, size, byteLength: 0 };
  if (raw.group !== undefined) {
    if (typeof raw.group !== 'string') throw new FormatError(`${who}: group must be a string, got ${show(raw.group)}`);
    spec.group = raw.group;
  }
  let bytesPer = DTYPE_BYTES[dtype];
  if (raw.quantization !== undefined) {
    spec.quantization = checkQuantization(raw.quantization, dtype, who);
    bytesPer = QUANT_BYTES[spec.quantization.dtype];
  }
  spec.byteLength = size * bytesPer;
  if (!Number.isSafeInteger(spec.byteLength)) throw new FormatError(`${who}: shape ${fmtShape(shape)} is too large`);
  return spec;
}

function checkQuantization(q: unknown, dtype: WeightDtype, who: string): Quantization {
  if (!isObject(q)) throw new FormatError(`${who}: quantization must be an object {dtype, scale, min}, got ${show(q)}`);
  const qd = q.dtype;
  if (qd !== 'uint8' && qd !== 'uint16' && qd !== 'float16') {
    throw new FormatError(`${who}: quantization.dtype must be "uint8", "uint16" or "float16", got ${show(qd)}`);
  }
  if (qd === 'float16') {
    if (dtype !== 'float32') throw new FormatError(`${who}: float16 quantization needs dtype "float32", got "${dtype}"`);
    return { dtype: qd, scale: 1, min: 0 };
  }
  if (dtype === 'bool') throw new FormatError(`${who}: ${qd} quantization needs dtype "float32" or "int32", got "bool"`);
  for (const k of ['scale', 'min'] as const) {
    if (typeof q[k] !== 'number' || !Number.isFinite(q[k])) {
      throw new FormatError(`${who}: ${qd} quantization needs a finite number quantization.${k}, got ${show(q[k])}`);
    }
  }
  return { dtype: qd, scale: q.scale as number, min: q.min as number };
}

interface CheckedGroup { paths: string[]; specs: CheckedSpec[]; byteLength: number; index: number }

function checkManifest(raw: unknown, source: string): CheckedGroup[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new FormatError(`${source}: weightsManifest must be an array of groups, got ${show(raw)}`);
  const seen = new Map<string, string>();
  return raw.map((g: unknown, gi): CheckedGroup => {
    const at = describeJsonPath(['weightsManifest', gi]);
    if (!isObject(g)) throw new FormatError(`${source}: ${at} must be an object {paths, weights}, got ${show(g)}`);
    if (!Array.isArray(g.paths) || !g.paths.every((p: unknown) => typeof p === 'string' && p !== '')) {
      throw new FormatError(`${source}: ${at}.paths must be an array of file names, got ${show(g.paths)}`);
    }
    if (!Array.isArray(g.weights)) throw new FormatError(`${source}: ${at}.weights must be an array, got ${show(g.weights)}`);
    const specs = g.weights.map((w: unknown, wi) => checkSpec(w, ['weightsManifest', gi, 'weights', wi], source, seen));
    let byteLength = 0;
    for (const s of specs) byteLength += s.byteLength;
    if (!Number.isSafeInteger(byteLength)) throw new FormatError(`${source}: ${at} needs more bytes than can be counted exactly`);
    return { paths: g.paths as string[], specs, byteLength, index: gi };
  });
}

/** Throws unless `actual` bytes is exactly what the group's weights need, naming the weight at fault. */
function checkGroupLength(specs: readonly CheckedSpec[], actual: number, files: string): void {
  let offset = 0;
  for (const s of specs) {
    const end = offset + s.byteLength;
    if (end > actual) {
      const total = specs.reduce((n, x) => n + x.byteLength, 0);
      throw new FormatError(
        `${files}: weight data too short: ${actual} bytes, the manifest needs ${total}; ` +
          `weight "${s.name}" ${fmtShape(s.shape)} needs bytes ${offset}..${end}`,
      );
    }
    offset = end;
  }
  if (actual !== offset) {
    const last = specs.length > 0 ? `after the last weight "${specs[specs.length - 1].name}"` : 'and the manifest lists no weights';
    throw new FormatError(`${files}: weight data has ${actual - offset} extra byte(s): ${actual} bytes, the manifest needs ${offset} (${last})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

let halfTable: Float32Array | undefined;

/** IEEE 754 binary16 -> float32 for all 65,536 bit patterns (subnormals, infinities and NaN included). */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac === 0 ? sign * Infinity : NaN;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return (halfTable = t);
}

/** Decodes `spec`'s bytes (at any alignment) into a fresh typed array. */
function decodeWeight(spec: CheckedSpec, bytes: Uint8Array): NamedWeight {
  let data: Float32Array | Int32Array | Uint8Array;
  const q = spec.quantization;
  if (q) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = spec.dtype === 'int32' ? new Int32Array(spec.size) : new Float32Array(spec.size);
    if (q.dtype === 'float16') {
      const table = float16Table();
      for (let i = 0; i < spec.size; i++) out[i] = table[dv.getUint16(2 * i, true)];
    } else {
      const round = spec.dtype === 'int32';
      for (let i = 0; i < spec.size; i++) {
        const v = q.dtype === 'uint8' ? bytes[i] : dv.getUint16(2 * i, true);
        // Same formula (and rounding for int32) as TF.js, so values match what TF.js loads.
        out[i] = round ? Math.round(v * q.scale + q.min) : v * q.scale + q.min;
      }
    }
    data = out;
  } else {
    // Copy into a fresh buffer: the bytes may sit at any offset of a shared read buffer.
    const copy = bytes.slice();
    data = spec.dtype === 'float32' ? new Float32Array(copy.buffer) : spec.dtype === 'int32' ? new Int32Array(copy.buffer) : copy;
  }
  const w: NamedWeight = { name: spec.name, shape: spec.shape, dtype: spec.dtype, data };
  if (spec.group !== undefined) w.group = spec.group;
  return w;
}

function decodeGroup(specs: readonly CheckedSpec[], bytes: Uint8Array): NamedWeight[] {
  let offset = 0;
  return specs.map((s) => {
    const w = decodeWeight(s, bytes.subarray(offset, offset + s.byteLength));
    offset += s.byteLength;
    return w;
  });
}

function assemble(m: CheckedModelJson, weights: NamedWeight[]): ModelArtifacts {
  const a: ModelArtifacts = { modelTopology: m.topology, weights };
  if (m.trainingConfig) a.trainingConfig = m.trainingConfig;
  if (m.format !== undefined) a.format = m.format;
  if (m.generatedBy !== undefined) a.generatedBy = m.generatedBy;
  if (m.convertedBy !== undefined) a.convertedBy = m.convertedBy;
  if (m.userDefinedMetadata) a.userDefinedMetadata = m.userDefinedMetadata;
  return a;
}

// ---------------------------------------------------------------------------------------------
// JSON text

/** Finds where `text` stops being JSON (offset, line, column) for error messages; null if it parses. */
export function locateJsonError(text: string): { offset: number; line: number; column: number; reason: string } | null {
  let i = 0;
  const fail = (reason: string): never => {
    throw { offset: i, reason };
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describeChar(text[i])}`);
  };
  const str = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('bad escape in string');
      } else i++;
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail(`unexpected ${describeChar(text[i])}`);
    else i += m[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10000) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) { i++; return; }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail(`expected a "quoted" property name, found ${describeChar(text[i])}`);
          str();
          ws();
          if (text[i] !== ':') fail(`expected ':' after property name, found ${describeChar(text[i])}`);
          i++;
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === close) { i++; return; }
        fail(`expected ',' or '${close}', found ${describeChar(text[i])}`);
      }
    } else if (c === '"') str();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else num();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${describeChar(text[i])} after the end of the JSON value`);
    return null;
  } catch (e) {
    if (e instanceof RangeError) return { offset: i, line: 0, column: 0, reason: 'nesting too deep' };
    const { offset, reason } = e as { offset: number; reason: string };
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return { offset, line, column, reason };
  }
}

function describeChar(c: string | undefined): string {
  return c === undefined ? 'end of input' : JSON.stringify(c);
}

/** Parses JSON text, turning a syntax error into a FormatError with line and column. */
function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const loc = locateJsonError(text);
    if (!loc) throw new FormatError(`${source}: not valid JSON`);
    throw new FormatError(`${source}: not valid JSON: ${loc.reason} at line ${loc.line}, column ${loc.column} (byte offset ${loc.offset})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Files

async function statOrNull(p: string) {
  try {
    return await stat(p);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever, blocking a
// libuv thread so that even process.exit() cannot end the process. Regular files ignore the flag.
const READ_NONBLOCKING = constants.O_RDONLY | constants.O_NONBLOCK;

/** What a non-regular file is, for messages. */
function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Errors a concurrent save can cause in a reader (a weights file replaced mid-read): worth a retry. */
const retryable = new WeakSet<Error>();
function vanished<E extends Error>(e: E, really = true): E {
  if (really) retryable.add(e);
  return e;
}

/** Reads exactly `length` bytes of a regular file into `into` at `at`, failing if it is not that size. */
async function readExact(file: string, length: number, into: Uint8Array, at: number): Promise<void> {
  let fh;
  try {
    fh = await open(file, READ_NONBLOCKING);
  } catch (e) {
    throw vanished(fileSystemError(e, 'loadModel', 'read', file, false), errorCode(e) === 'ENOENT');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size !== length) {
      throw vanished(new FormatError(`${file}: changed while being read (expected ${length} bytes, now ${st.size})`));
    }
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(into, at + done, length - done, done);
      if (bytesRead === 0) throw new FormatError(`${file}: ended after ${done} of ${length} bytes while being read`);
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/** Reads model.json-style text with a size cap checked before any reading. */
async function readJsonText(file: string, maxBytes: number): Promise<string> {
  let fh;
  try {
    fh = await open(file, READ_NONBLOCKING);
  } catch (e) {
    throw fileSystemError(e, 'loadModel', 'read', file, false);
  }
  let bytes: Uint8Array;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FormatError(`${file}: is not a regular file (it is ${kindOf(st)})`);
    if (st.size > maxBytes) {
      throw new FormatError(`${file}: ${st.size} bytes is over the model JSON size cap of ${maxBytes} bytes (option maxJsonBytes)`);
    }
    bytes = new Uint8Array(st.size);
    let done = 0;
    while (done < st.size) {
      const { bytesRead } = await fh.read(bytes, done, st.size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    bytes = bytes.subarray(0, done);
  } finally {
    await fh.close();
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${file}: not valid UTF-8 text`);
  }
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' ? false : !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

/** Resolves a manifest path against the model's directory, refusing anything that leaves it. */
async function resolveWeightsPath(dir: string, realDir: string, p: string, source: string, at: string): Promise<string> {
  const bad = (why: string) => new FormatError(`${source}: ${at} ${JSON.stringify(p)} ${why}`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(p)) throw bad('is a URL or drive path; weights must be files beside model.json');
  if (isAbsolute(p) || p.startsWith('/') || p.includes('\\') || p.includes('\0')) {
    throw bad('is not a plain relative path; weights must be files beside model.json');
  }
  const full = resolve(dir, p);
  if (!isInside(resolve(dir), full)) throw bad("leaves the model's directory");
  let real: string;
  try {
    real = await realpath(full);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw vanished(new FormatError(`${source}: weights file ${full} (${at}) does not exist`));
    throw fileSystemError(e, 'loadModel', 'read', full, false);
  }
  if (!isInside(realDir, real)) throw bad(`resolves (through a symlink) to ${real}, outside the model's directory`);
  return real;
}

/** A save replacing the model while it is read is retried this many times before giving up. */
const READ_ATTEMPTS = 5;

/**
 * Reads a model: a directory (its model.json) or a path to a .json file (or a `file://` URL of
 * either), plus the weight files its manifest names. Everything is validated; throws FormatError
 * naming the file and weight at fault. A save into the same folder while this reads is fine: if a
 * weights file vanishes because model.json was replaced meanwhile, the read starts over.
 */
export async function readModelArtifacts(path: string, opts: { maxJsonBytes?: number } = {}): Promise<ModelArtifacts> {
  assertLittleEndianHost();
  const local = toLocalPath(path, 'loadModel', 'a path (a model folder or its model.json) or a file:// URL');
  const maxJsonBytes = opts.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
  let st;
  try {
    st = await statOrNull(local);
  } catch (e) {
    throw fileSystemError(e, 'loadModel', 'read', local, false);
  }
  if (!st) throw new FormatError(`${local}: no such file or directory`);
  let jsonFile = local;
  if (st.isDirectory()) {
    jsonFile = join(local, MODEL_JSON);
    const jst = await statOrNull(jsonFile).catch((e: unknown) => {
      throw fileSystemError(e, 'loadModel', 'read', jsonFile, false);
    });
    if (!jst) throw new FormatError(`${local}: directory has no ${MODEL_JSON}`);
    st = jst;
  }
  // Checked before opening too (the open is non-blocking as well, in case it is swapped meanwhile).
  if (!st.isFile()) throw new FormatError(`${jsonFile}: is not a regular file (it is ${kindOf(st)})`);
  for (let attempt = 1; ; attempt++) {
    const text = await readJsonText(jsonFile, maxJsonBytes);
    try {
      return await readModelOnce(jsonFile, text);
    } catch (e) {
      if (!(e instanceof Error) || !retryable.has(e) || attempt >= READ_ATTEMPTS) throw e;
      // A save committed meanwhile and removed the weights file this model.json named. model.json
      // may read the same as before (the same model saved again, its weights file written anew), so
      // it is read again whether or not it changed; a file that is really missing fails each time.
    }
  }
}

async function readModelOnce(jsonFile: string, text: string): Promise<ModelArtifacts> {
  const root = parseJson(text, jsonFile);
  const model = checkModelFields(root, jsonFile);
  const groups = checkManifest((root as { weightsManifest?: unknown }).weightsManifest, jsonFile);

  // Resolve and size every file before allocating anything for weights.
  const dir = dirname(jsonFile);
  const realDir = await realpath(dir);
  const plans: { files: { path: string; size: number }[]; group: CheckedGroup }[] = [];
  for (const g of groups) {
    const files: { path: string; size: number }[] = [];
    for (let pi = 0; pi < g.paths.length; pi++) {
      const at = describeJsonPath(['weightsManifest', g.index, 'paths', pi]);
      const real = await resolveWeightsPath(dir, realDir, g.paths[pi], jsonFile, at);
      const fst = await stat(real).catch((e: unknown) => {
        throw vanished(fileSystemError(e, 'loadModel', 'read', real, false), errorCode(e) === 'ENOENT');
      });
      if (!fst.isFile()) throw new FormatError(`${jsonFile}: ${at} ${JSON.stringify(g.paths[pi])} is not a regular file`);
      files.push({ path: real, size: fst.size });
    }
    const first = join(dir, g.paths[0] ?? '(no paths)');
    const label = g.paths.length <= 1 ? first : `${first} (+${g.paths.length - 1} more shards of group ${g.index})`;
    checkGroupLength(g.specs, files.reduce((n, f) => n + f.size, 0), label);
    plans.push({ files, group: g });
  }

  const weights: NamedWeight[] = [];
  for (const { files, group } of plans) {
    const bytes = new Uint8Array(group.byteLength);
    let at = 0;
    for (const f of files) {
      await readExact(f.path, f.size, bytes, at);
      at += f.size;
    }
    weights.push(...decodeGroup(group.specs, bytes));
  }
  return assemble(model, weights);
}

// ---------------------------------------------------------------------------------------------
// Memory

/**
 * Validates in-memory artifacts in the shape TF.js's `io.fromMemory` takes (`modelTopology`,
 * `weightSpecs` or a `weightsManifest`, ...) with the weights' bytes; `source` names them in errors.
 */
export function artifactsFromMemory(modelJson: object, weightData: ArrayBuffer | ArrayBuffer[], source: string): ModelArtifacts {
  assertLittleEndianHost();
  const model = checkModelFields(modelJson, source);
  const raw = modelJson as { weightSpecs?: unknown; weightsManifest?: unknown };
  let specs: CheckedSpec[];
  if (raw.weightSpecs !== undefined && raw.weightSpecs !== null) {
    if (!Array.isArray(raw.weightSpecs)) throw new FormatError(`${source}: weightSpecs must be an array, got ${show(raw.weightSpecs)}`);
    const seen = new Map<string, string>();
    specs = raw.weightSpecs.map((w: unknown, i) => checkSpec(w, ['weightSpecs', i], source, seen));
  } else {
    specs = checkManifest(raw.weightsManifest, source).flatMap((g) => g.specs);
  }
  const parts = Array.isArray(weightData) ? weightData : [weightData];
  for (const [i, p] of parts.entries()) {
    if (!(p instanceof ArrayBuffer)) {
      throw new FormatError(`${source}: weightData${Array.isArray(weightData) ? `[${i}]` : ''} must be an ArrayBuffer`);
    }
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  checkGroupLength(specs, total, `${source} weightData`);
  let bytes: Uint8Array;
  if (parts.length === 1) bytes = new Uint8Array(parts[0]);
  else {
    bytes = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(new Uint8Array(p), at);
      at += p.byteLength;
    }
  }
  return assemble(model, decodeGroup(specs, bytes));
}

/** The inverse of artifactsFromMemory: what `tf.io.fromMemory` takes (one concatenated weightData). */
export function artifactsToMemory(a: ModelArtifacts): MemoryArtifacts {
  assertLittleEndianHost();
  checkWeightsToWrite(a, 'artifactsToMemory');
  const chunks = weightChunks(a.weights);
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  const m: MemoryArtifacts = {
    modelTopology: a.modelTopology,
    weightSpecs: a.weights.map(specOf),
    weightData: data.buffer,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? 'nerva',
    convertedBy: a.convertedBy ?? null,
  };
  if (a.trainingConfig) m.trainingConfig = a.trainingConfig;
  if (a.userDefinedMetadata) m.userDefinedMetadata = a.userDefinedMetadata;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Writing

function specOf(w: NamedWeight): WeightSpec {
  const s: WeightSpec = { name: w.name, shape: [...w.shape], dtype: w.dtype };
  if (w.group !== undefined) s.group = w.group;
  return s;
}

function weightChunks(weights: readonly NamedWeight[]): Uint8Array[] {
  return weights.map((w) => new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
}

/** Checks artifacts about to be written: a bug in the caller, so ArgumentError rather than FormatError. */
function checkWeightsToWrite(a: ModelArtifacts, who: string): void {
  if (!isObject(a.modelTopology) || typeof a.modelTopology.class_name !== 'string') {
    throw new ArgumentError(`${who}: modelTopology must be an object with a string class_name`);
  }
  const seen = new Set<string>();
  for (const w of a.weights) {
    if (typeof w.name !== 'string' || w.name === '') throw new ArgumentError(`${who}: a weight has no name`);
    if (seen.has(w.name)) throw new ArgumentError(`${who}: weight "${w.name}" appears twice`);
    seen.add(w.name);
    const expected = w.dtype === 'float32' ? Float32Array : w.dtype === 'int32' ? Int32Array : w.dtype === 'bool' ? Uint8Array : null;
    if (!expected) throw new ArgumentError(`${who}: weight "${w.name}": dtype must be float32, int32 or bool, got ${show(w.dtype)}`);
    if (!(w.data instanceof expected)) {
      const got = w.data?.constructor?.name ?? show(w.data);
      throw new ArgumentError(`${who}: weight "${w.name}": dtype ${w.dtype} needs data in a ${expected.name}, got ${got}`);
    }
    let size = 1;
    for (const d of w.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new ArgumentError(`${who}: weight "${w.name}": bad shape ${fmtShape(w.shape)}`);
      size *= d;
    }
    if (size !== w.data.length) {
      throw new ArgumentError(`${who}: weight "${w.name}": shape ${fmtShape(w.shape)} has ${size} elements, data has ${w.data.length}`);
    }
  }
}

/**
 * Writes dir/model.json and its weights file so that a crash at any moment leaves the old or the new
 * model complete (see atomic.ts), one save at a time per folder (see lock.ts). The weights file is
 * `weights.<content hash>.bin`, not `weights.bin`: the name must differ from the file the old
 * model.json points at until model.json is replaced. `where` is a folder, its model.json, or a
 * file:// URL of either (see paths.ts); `who` names the caller in errors.
 */
export async function writeModelArtifacts(where: string, artifacts: ModelArtifacts, who = 'save'): Promise<void> {
  assertLittleEndianHost();
  const dir = modelSaveDir(where, who);
  checkWeightsToWrite(artifacts, `writeModelArtifacts(${dir})`);
  const chunks = weightChunks(artifacts.weights);
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  const weightsName = weightsFileName(hash.digest('hex'));
  const json: { [k: string]: unknown } = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weights.map(specOf) }],
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? 'nerva',
    convertedBy: artifacts.convertedBy ?? null,
  };
  if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  const text = JSON.stringify(json);
  // Joined now, before any await, so that saves to one folder commit in the order they were called.
  await inSaveQueue(dir, async () => {
    await ensureDir(dir, who, { fileHint: `${who} writes a folder (model.json and a weights file): give a folder path` });
    await commitModelFiles(dir, weightsName, chunks, text, who);
  });
}
