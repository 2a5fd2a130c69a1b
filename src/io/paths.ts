// Where a model goes: turning what users pass (a path, a `file://` URL as TF.js users write it,
// `x/model.json` as Keras users name it) into a file-system path, creating folders safely, and
// saying in plain words what the file system refused.
//
// Folders are created one level at a time instead of with `mkdir({ recursive: true })`: on Node 20
// the recursive form spins forever on paths under /proc, and on a read-only file system it reports
// ENOENT instead of EROFS, which sends users looking for a missing folder.
import { mkdir, stat } from 'node:fs/promises';
import { mkdirSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, FileSystemError, UnsupportedError } from '../errors.js';

/** What the file system's error codes mean, and what a user can do about them when writing. */
const ERRNO: Record<string, { what: string; fix?: string }> = {
  EACCES: { what: 'permission denied', fix: 'choose a location you can write to' },
  EPERM: { what: 'operation not permitted', fix: 'choose a location you can write to' },
  EROFS: { what: 'the file system is read-only', fix: 'choose a writable location' },
  ENOSPC: { what: 'no space left on the device', fix: 'free some space or choose another disk' },
  EDQUOT: { what: 'disk quota exceeded', fix: 'free some space or choose another disk' },
  ENOTDIR: { what: 'a part of the path is a file, not a folder' },
  EISDIR: { what: 'it is a folder' },
  ENOENT: { what: 'no such file or folder' },
  ENAMETOOLONG: { what: 'the name is too long' },
  ELOOP: { what: 'too many levels of symbolic links' },
  EMFILE: { what: 'too many open files' },
  EIO: { what: 'input/output error' },
  EBUSY: { what: 'the resource is busy' },
};

/** The Node error code of `e` (`'ENOENT'`, ...), if it has one. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a Node file-system error into a FileSystemError that names who failed, the action and the
 * path: `save: cannot create folder /mnt/ro/m: the file system is read-only (EROFS): choose a
 * writable location`. Anything that is not a file-system error is returned unchanged.
 */
export function fileSystemError(e: unknown, who: string, action: string, path: string, writing = true): Error {
  const code = errorCode(e);
  if (code === undefined || !(e instanceof Error)) return e instanceof Error ? e : new Error(String(e));
  const known = ERRNO[code];
  const what = known ? `${known.what} (${code})` : e.message;
  const fix = writing && known?.fix ? `: ${known.fix}` : '';
  return new FileSystemError(`${who}: cannot ${action} ${path}: ${what}${fix}`, code, path);
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

const URL_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

function refuseScheme(where: string, scheme: string, who: string): UnsupportedError {
  const hint =
    scheme === 'http' || scheme === 'https'
      ? ' (download model.json and its weight files into a folder first)'
      : ['indexeddb', 'localstorage', 'downloads'].includes(scheme)
        ? ` (${scheme}:// is browser storage in TF.js; nerva runs on Node.js)`
        : '';
  return new UnsupportedError(
    `${who}: ${JSON.stringify(where)} is a ${scheme}:// URL; nerva saves and loads models on the local file system only: ` +
      `give a folder path or a file:// URL${hint}`,
  );
}

/**
 * The file-system path a user means by `where`: a plain path as is; `file:///abs/p%20q` decoded
 * as a URL; `file://./rel` and `file://rel` relative to the working directory, as TF.js for Node
 * does (it takes whatever follows `file://` as a path, without URL decoding). Other URL schemes
 * (`http://`, `indexeddb://`, ...) are refused, and so is anything but a non-empty string or URL.
 * `expected` says what a good argument is, for the error message.
 */
export function toLocalPath(where: unknown, who: string, expected: string): string {
  if (where instanceof URL) {
    if (where.protocol !== 'file:') throw refuseScheme(where.href, where.protocol.slice(0, -1).toLowerCase(), who);
    return fileURLToPath(where);
  }
  if (typeof where !== 'string') throw new ArgumentError(`${who}: expected ${expected}, got ${describeValue(where)}`);
  if (where.trim() === '') throw new ArgumentError(`${who}: the path is empty; expected ${expected}`);
  if (where.includes('\0')) throw new ArgumentError(`${who}: the path ${JSON.stringify(where)} contains a NUL character`);
  const m = URL_SCHEME.exec(where);
  if (!m) return where;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'file') throw refuseScheme(where, scheme, who);
  const rest = where.slice(m[0].length);
  if (rest.startsWith('/') || /^localhost\//i.test(rest)) {
    try {
      return fileURLToPath(where);
    } catch (e) {
      throw new ArgumentError(`${who}: ${JSON.stringify(where)} is not a valid file URL (${(e as Error).message})`);
    }
  }
  if (rest.trim() === '') throw new ArgumentError(`${who}: ${JSON.stringify(where)} names no path; expected ${expected}`);
  return rest;
}

const KERAS_FILES = new Set(['.keras', '.h5', '.hdf5']);

/**
 * The folder a save writes into, from what the user passed: a folder path or file:// URL, or the
 * `model.json` inside it (TF.js and Keras users name the .json). A Keras `.keras`/`.h5` file name
 * or another `.json` name is refused with the reason. Returns an absolute path; touches no files.
 * @example modelSaveDir('file://./out/model.json', 'save') // <cwd>/out
 */
export function modelSaveDir(where: unknown, who: string): string {
  const p = toLocalPath(where, who, "a folder path such as 'models/my-model' (or a file:// URL)");
  const name = basename(p);
  const ext = extname(name).toLowerCase();
  if (KERAS_FILES.has(ext)) {
    throw new UnsupportedError(
      `${who}: ${JSON.stringify(p)} names a Keras ${ext} file; nerva saves the TensorFlow.js layers format, ` +
        `a folder holding model.json and a weights file: give a folder name such as ${JSON.stringify(p.slice(0, -ext.length))}`,
    );
  }
  if (name === 'model.json') return resolve(dirname(p));
  if (ext === '.json') {
    throw new ArgumentError(
      `${who}: ${JSON.stringify(p)} names a .json file; save writes a folder holding model.json: ` +
        `give the folder (${JSON.stringify(dirname(p))}) or ${JSON.stringify(resolve(dirname(p), 'model.json'))}`,
    );
  }
  return resolve(p);
}

/** Options of ensureDir. */
export interface EnsureDirOptions {
  /** Added to the message when `dir` itself is a file, e.g. `save writes a folder`. */
  readonly fileHint?: string;
}

function notAFolder(found: string, dir: string, who: string, opts: EnsureDirOptions): FileSystemError {
  if (found === dir) {
    const hint = opts.fileHint ? `; ${opts.fileHint}` : '';
    return new FileSystemError(`${who}: ${dir} is a file, not a folder${hint}`, 'ENOTDIR', dir);
  }
  return new FileSystemError(`${who}: cannot create folder ${dir}: ${found} is a file, not a folder`, 'ENOTDIR', dir);
}

/** The missing folders from the deepest existing ancestor of `dir` down to `dir`, top first. */
function planFolders(dir: string, statOf: (p: string) => Stats | null, who: string, opts: EnsureDirOptions): string[] {
  const missing: string[] = [];
  for (let cur = dir; ; ) {
    const st = statOf(cur);
    if (st !== null) {
      if (!st.isDirectory()) throw notAFolder(cur, dir, who, opts);
      return missing.reverse();
    }
    missing.push(cur);
    const up = dirname(cur);
    if (up === cur) return missing.reverse();
    cur = up;
  }
}

function mkdirFailed(e: unknown, who: string, d: string): Error {
  // Only the last level is created here and its parent exists, so ENOENT means the file system
  // will not make folders there (/proc, /sys), not that something is missing.
  if (errorCode(e) === 'ENOENT') {
    return new FileSystemError(`${who}: cannot create folder ${d}: the file system does not allow new folders in ${dirname(d)}`, 'ENOENT', d);
  }
  return fileSystemError(e, who, 'create folder', d);
}

function statAsync(p: string): Promise<Stats | null> {
  return stat(p).catch((e: unknown) => {
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  });
}

/**
 * Makes sure `dir` exists as a folder, creating missing levels one at a time. Throws a
 * FileSystemError naming the path when it is a file, a parent is a file, or the file system refuses
 * (read-only, permission denied). Returns the absolute path.
 */
export async function ensureDir(dir: string, who: string, opts: EnsureDirOptions = {}): Promise<string> {
  const abs = resolve(dir);
  // Stat every level first (async), then plan from the answers.
  const answers = new Map<string, Stats | null>();
  for (let cur = abs; ; ) {
    let st: Stats | null;
    try {
      st = await statAsync(cur);
    } catch (e) {
      throw fileSystemError(e, who, 'look at', cur, false);
    }
    answers.set(cur, st);
    const up = dirname(cur);
    if (st !== null || up === cur) break;
    cur = up;
  }
  for (const d of planFolders(abs, (p) => answers.get(p) ?? null, who, opts)) {
    try {
      await mkdir(d);
    } catch (e) {
      // Made by someone else in the meantime: fine if it is a folder.
      if (errorCode(e) === 'EEXIST' && (await statAsync(d).catch(() => null))?.isDirectory()) continue;
      throw mkdirFailed(e, who, d);
    }
  }
  return abs;
}

/** The synchronous ensureDir, for the picture and report writers. */
export function ensureDirSync(dir: string, who: string, opts: EnsureDirOptions = {}): string {
  const abs = resolve(dir);
  const statOf = (p: string): Stats | null => {
    try {
      return statSync(p);
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw fileSystemError(e, who, 'look at', p, false);
    }
  };
  for (const d of planFolders(abs, statOf, who, opts)) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (errorCode(e) === 'EEXIST' && statOf(d)?.isDirectory()) continue;
      throw mkdirFailed(e, who, d);
    }
  }
  return abs;
}
