// Checking what users hand to nerva: option objects (an unknown key is named, with its right
// spelling and the valid ones) and values quoted with their type, so that a message never
// contradicts itself (`units must be a positive integer, got "1" (a string)`, not `got 1`).

import { ArgumentError } from './errors.js';

const TYPED_ARRAY_NAMES = new Set([
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]);

/** A value cut short for a message: user data may be huge or deeply nested. */
function shortJson(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = undefined; // cyclic, or too deep for the stack
  }
  if (text === undefined) return Array.isArray(v) ? '[...]' : '{...}';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A received value as messages show it, with its type wherever the text alone could mislead:
 * `3`, `NaN`, `"1" (a string)`, `true (a boolean)`, `[28, 28] (an array)`, `a function (relu)`,
 * `a Tensor of shape [2, 3]`, `an Int16Array of length 4`, `{"lr":0.1} (an object)`, `null`.
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'string':
      return `${shortJson(v)} (a string)`;
    case 'boolean':
      return `${v} (a boolean)`;
    case 'bigint':
      return `${v}n (a bigint)`;
    case 'symbol':
      return `${String(v)} (a symbol)`;
    case 'function':
      return v.name ? `a function (${v.name})` : 'a function';
  }
  if (Array.isArray(v)) return `${shortJson(v)} (an array)`;
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  const ctor = typeof name === 'string' ? name : undefined;
  if (ctor && TYPED_ARRAY_NAMES.has(ctor)) {
    return `${/^[AEIOU]/.test(ctor) ? 'an' : 'a'} ${ctor} of length ${(v as ArrayLike<unknown>).length}`;
  }
  const shape = (v as { shape?: unknown }).shape;
  if (ctor === 'Tensor' && Array.isArray(shape)) return `a Tensor of shape [${shape.join(', ')}]`;
  if (ctor && ctor !== 'Object') return `${/^[AEIOU]/.test(ctor) ? 'an' : 'a'} ${ctor}`;
  return `${shortJson(v)} (an object)`;
}

/** `batch_size` -> `batchSize`, `beta_1` -> `beta1` (how Keras' names map to nerva's). */
export function camelCase(snake: string): string {
  return snake.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Names users bring from Keras, TF.js or older APIs that the snake_case rule does not map. Only
 * suggested when the target is an option of the call at hand.
 */
const ALIASES: Record<string, readonly string[]> = {
  lr: ['learningRate'],
  nb_epoch: ['epochs'],
  epoch: ['epochs'],
  batch: ['batchSize'],
  shape: ['inputShape', 'targetShape'],
  input_dim: ['inputShape'],
  inputDim: ['inputShape'],
  decay: ['rho'],
  beta_1: ['beta1'],
  beta_2: ['beta2'],
  use_nesterov: ['nesterov'],
  useNesterov: ['nesterov'],
  validation_data: ['validationData'],
};

const squash = (s: string): string => s.replace(/[_-]/g, '').toLowerCase();

/** Edit distance (insertions, deletions, substitutions), for near-miss spellings. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

/** The option a mistyped key most likely meant, if any: an alias, its camelCase, or a near spelling. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key].find((a) => allowed.includes(a)) : undefined;
  if (alias) return alias;
  const camel = camelCase(key);
  if (allowed.includes(camel)) return camel;
  const same = allowed.find((a) => squash(a) === squash(key));
  if (same) return same;
  // One or two letters off (`metric`, `onEpochEnds`), for names long enough that this is telling.
  const near = allowed.map((a) => ({ a, d: editDistance(squash(a), squash(key)) })).filter((x) => x.d <= (key.length >= 6 ? 2 : 1));
  near.sort((p, q) => p.d - q.d);
  return key.length >= 4 ? near[0]?.a : undefined;
}

/** True for a plain options object (not null, an array, a typed array, a tensor or a function). */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return ctor !== 'Tensor';
}

export interface OptionsCheck {
  /** What the options are, for the message when they are not an object (default `the options`). */
  what?: string;
  /** An example of the right form, possibly built from what was received: `{ epochs: 500 }`. */
  example?: string | ((received: unknown) => string);
}

/**
 * Checks an options argument: undefined gives `{}`; anything but an object, or a key that is not
 * in `allowed`, is refused with a message naming `who`, the key, its likely right spelling and
 * the valid keys. Keys whose value is undefined are ignored (an optional field left unset).
 * @example checkOptions('fit', { batch_size: 2 }, ['epochs', 'batchSize'])
 *   // ArgumentError: fit: unknown option 'batch_size'; did you mean 'batchSize'? (options: epochs, batchSize)
 */
export function checkOptions<T extends object>(who: string, value: unknown, allowed: readonly string[], how: OptionsCheck = {}): T {
  if (value === undefined) return {} as T;
  if (!isOptionsObject(value)) {
    const example = typeof how.example === 'function' ? how.example(value) : how.example;
    const form = example ? `, e.g. ${example}` : allowed.length ? ` ({ ${allowed.join(', ')} })` : '';
    const got = typeof value === 'number' ? `${value} (a number)` : describeValue(value);
    throw new ArgumentError(`${who}: ${how.what ?? 'the options argument'} is an options object${form}; got ${got}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || allowed.includes(key)) continue;
    const hint = suggestKey(key, allowed);
    const list = allowed.length ? `options: ${allowed.join(', ')}` : 'it takes no options';
    throw new ArgumentError(`${who}: unknown option '${key}'${hint ? `; did you mean '${hint}'?` : ''} (${list})`);
  }
  return value as T;
}

/**
 * The keys of an options type as a list, checked by the compiler both ways: a key missing from
 * the record or not in the type is a compile error, so a list of valid options cannot drift from
 * the interface it describes.
 * @example const DENSE_ARGS = keyList<Omit<DenseArgs, keyof LayerArgs>>({ units: true, activation: true, ... })
 */
export function keyList<A>(keys: { [K in keyof Required<A>]: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

// ---- value checks, each naming who and what, and quoting what was received ----------------

/** A positive integer, or an ArgumentError: `Dense "dense": units must be a positive integer, got "1" (a string)`. */
export function positiveInt(who: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ArgumentError(`${who}: ${name} must be a positive integer, got ${describeValue(v)}`);
  return v;
}

/** A non-negative integer. */
export function nonNegativeInt(who: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ArgumentError(`${who}: ${name} must be a non-negative integer, got ${describeValue(v)}`);
  return v;
}

/** A finite number passing `ok`, described by `want` (`a number in [0, 1)`). */
export function numberWhere(who: string, name: string, v: unknown, ok: (n: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new ArgumentError(`${who}: ${name} must be ${want}, got ${describeValue(v)}`);
  return v;
}

/** true or false. */
export function bool(who: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ArgumentError(`${who}: ${name} must be true or false, got ${describeValue(v)}`);
  return v;
}
