// Reading a layer's saved config (the snake_case `config` object of a TF.js / Keras model.json).
// Each layer class reads its own keys through one of these in its static fromConfig; the reader
// checks every value, since files are untrusted, and names the file, the layer and the key path in
// every error.

import { ACTIVATION_NAMES, snakeCase } from '../activations.js';
import { getInitializer, initializerFromConfig, type Initializer } from '../initializers.js';
import { FormatError, UnsupportedError } from '../errors.js';
import { describeJsonPath, type JsonObject, type JsonValue } from '../io/artifacts.js';
import { zeros } from '../ops/index.js';

type Path = (string | number)[];

/** A value from the file for a message, cut short: files are untrusted and may hold anything. */
export function showJson(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(v);
  } catch {
    // A pathologically deep value overflows the stack of JSON.stringify.
    return Array.isArray(v) ? '[...]' : '{...}';
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Building a loaded model must not draw from the global generator: the drawn values are replaced by
 * the file's at once, and the draws would shift every later dropout mask and shuffle, so a seeded run
 * that saves and reloads would no longer match one that does not. The wrapper keeps the
 * initializer's name and config (they are saved again) and fills zeros only while `loading.on`.
 */
function quietWhileLoading(init: Initializer, loading: { on: boolean }): Initializer {
  const f = ((shape: number[]) => (loading.on ? zeros(shape) : init(shape))) as Initializer;
  return Object.assign(f, { className: init.className, config: init.config });
}

/** Errors a ConfigReader threw: they name the file, layer and key already, so callers pass them on as they are. */
const readerErrors = new WeakSet<Error>();

/** True for an error thrown by a ConfigReader (already names the file, layer and key). */
export function isConfigError(e: unknown): boolean {
  return e instanceof Error && readerErrors.has(e);
}

/** Checked access to one layer's config object. */
export class ConfigReader {
  constructor(
    readonly file: string,
    readonly obj: JsonObject,
    readonly path: Path,
    /** `Dense "dense_1"`, for messages. */
    readonly layer: string,
    /** While on, initializers read here fill zeros (see quietWhileLoading). */
    private readonly loading: { on: boolean } = { on: false },
  ) {}

  private where(key: string): string {
    return `${this.file}: ${this.layer}: ${describeJsonPath([...this.path, key])}`;
  }
  fail(key: string, what: string): never {
    const e = new FormatError(`${this.where(key)} ${what}`);
    readerErrors.add(e);
    throw e;
  }
  unsupported(key: string, what: string): never {
    const e = new UnsupportedError(`${this.where(key)} ${what}`);
    readerErrors.add(e);
    throw e;
  }
  /** The raw value, for messages. */
  raw(key: string): JsonValue | undefined {
    return this.obj[key];
  }
  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }
  str(key: string, dflt?: string): string {
    const v = this.obj[key];
    if ((v === undefined || v === null) && dflt !== undefined) return dflt;
    if (typeof v !== 'string') this.fail(key, `must be a string, got ${showJson(v)}`);
    return v;
  }
  /** One of `choices`; anything else is refused as unsupported, listing what nerva does. */
  oneOf<T extends string>(key: string, choices: readonly T[], dflt: T): T {
    const v = this.str(key, dflt);
    if (!(choices as readonly string[]).includes(v)) this.unsupported(key, `is ${showJson(v)}; nerva supports ${choices.map((c) => `'${c}'`).join(', ')}`);
    return v as T;
  }
  bool(key: string, dflt: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') this.fail(key, `must be true or false, got ${showJson(v)}`);
    return v;
  }
  num(key: string, check: (n: number) => boolean, want: string, dflt?: number): number {
    const v = this.obj[key];
    if ((v === undefined || v === null) && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !check(v)) this.fail(key, `must be ${want}, got ${showJson(v)}`);
    return v;
  }
  intList(key: string, allowNull: boolean): (number | null)[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || !v.every((d) => (d === null && allowNull) || (typeof d === 'number' && Number.isInteger(d) && (d > 0 || d === -1)))) {
      this.fail(key, `must be a list of positive integers${allowNull ? ' (or null)' : ''}, got ${showJson(v)}`);
    }
    return v as (number | null)[];
  }
  /**
   * A pair of positive integers, written as `[a, b]` or (as Keras and TF.js also accept) one
   * number for both: `kernel_size`, `strides`, `pool_size`, `dilation_rate`.
   */
  pair(key: string, dflt?: [number, number]): [number, number] {
    const v = this.obj[key];
    if ((v === undefined || v === null) && dflt) return dflt;
    const ok = (d: JsonValue): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0;
    if (ok(v)) return [v, v];
    if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
    this.fail(key, `must be a positive integer or a list of two, got ${showJson(v)}`);
  }
  activation(key: string): string {
    const raw = this.str(key, 'linear');
    const name = raw === 'swish' ? 'silu' : snakeCase(raw);
    if (!(ACTIVATION_NAMES as string[]).includes(name)) this.fail(key, `names an unknown activation '${raw}'; known: ${ACTIVATION_NAMES.join(', ')}`);
    return name;
  }
  initializer(key: string, dflt: string): Initializer {
    const v = this.obj[key];
    if (v === undefined || v === null) return quietWhileLoading(getInitializer(dflt), this.loading);
    // Keras 3 writes plain names too ("glorot_uniform").
    if (typeof v === 'string') {
      try {
        return quietWhileLoading(getInitializer(v), this.loading);
      } catch (e) {
        this.fail(key, (e as Error).message);
      }
    }
    if (typeof v !== 'object' || Array.isArray(v) || typeof v.class_name !== 'string') this.fail(key, `must be {class_name, config}, got ${showJson(v)}`);
    const cfg = v.config;
    try {
      const init = initializerFromConfig(v.class_name as string, cfg && typeof cfg === 'object' && !Array.isArray(cfg) ? (cfg as Record<string, unknown>) : {});
      return quietWhileLoading(init, this.loading);
    } catch (e) {
      this.fail(key, (e as Error).message);
    }
  }
  /** Refuses keys whose setting nerva would otherwise drop silently (regularizers, constraints). */
  refuseSet(keys: readonly string[], why: string): void {
    for (const k of keys) if (this.has(k)) this.unsupported(k, `is set (${showJson(this.obj[k])}); ${why}`);
  }
}
