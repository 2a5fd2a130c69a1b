// One save at a time per model folder. Saves from one process queue up on a promise chain keyed by
// the folder's real path; saves from different processes take turns through a lock file in the
// folder. A lock whose owner died (same host, its pid is gone) or that nobody refreshed for STALE_MS
// is taken over, so a killed save never blocks the next one.
//
// Why a lock and not only careful cleanup: each save deletes the weights file the model.json it
// replaces referred to; two interleaved saves could otherwise delete each other's files or commit
// out of order (BUG-1). The owner refreshes the lock's mtime every HEARTBEAT_MS, so a live but slow
// save is never taken for dead, and checks that the lock is still its own just before committing.
import { link, open, readFile, rename, unlink, utimes, writeFile, constants, stat } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { FileSystemError } from '../errors.js';
import { errorCode, fileSystemError } from './paths.js';

/** The lock file in a model folder while a save runs. */
export const LOCK_FILE = '.nerva-save.lock';
/** Touched by processes waiting for the lock, so the owner's next save lets them in first. */
const WAITING_FILE = '.nerva-save.waiting';
const HEARTBEAT_MS = 1000;
/** A lock not refreshed for this long belongs to a process that died or hangs. */
export const STALE_MS = 15_000;
/** Waiters poll at most this far apart; a fresh waiting file makes the next owner yield longer. */
const MAX_POLL_MS = 40;
const WAITING_FRESH_MS = 150;

interface LockInfo {
  pid: number;
  host: string;
  token: string;
}

/** What a save holding the lock can ask. */
export interface DirLock {
  /** True when this save took over a lock left by a dead or hung process (its leftovers are garbage). */
  readonly tookOverStale: boolean;
  /** Throws unless the lock is still this save's: called right before committing. */
  verify(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const newToken = (): string => randomBytes(8).toString('hex');

// Shared through the global symbol registry so that two copies of nerva in one process (an ESM
// and a CommonJS import of different versions) still queue on one chain per folder.
const QUEUES_KEY = Symbol.for('nerva.io.saveQueues');
const holder = globalThis as unknown as Record<symbol, Map<string, Promise<void>> | undefined>;
const queues: Map<string, Promise<void>> = (holder[QUEUES_KEY] ??= new Map());

/**
 * The queue key of a folder: its real path, worked out synchronously so that saves queue in the
 * order they were called. The folder may not exist yet: the deepest existing ancestor is resolved
 * and the rest appended.
 */
function queueKey(dir: string): string {
  const tail: string[] = [];
  for (let cur = resolve(dir); ; ) {
    try {
      return join(realpathSync.native(cur), ...tail.reverse());
    } catch {
      const up = dirname(cur);
      if (up === cur) return resolve(dir);
      tail.push(basename(cur));
      cur = up;
    }
  }
}

/**
 * Runs `fn` after every earlier call for the same folder from this process has finished (success
 * or failure), in call order: the queue is joined synchronously, before `fn` or anything async runs.
 */
export function inSaveQueue<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const key = queueKey(dir);
  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = before.then(() => new Promise<void>((r) => (done = r)));
  queues.set(key, mine);
  return before.then(fn).finally(() => {
    done();
    if (queues.get(key) === mine) queues.delete(key);
  });
}

/** Whether a process with this pid exists on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM'; // exists, owned by another user
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return null;
    const { pid, host, token } = v as Record<string, unknown>;
    if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof host !== 'string' || typeof token !== 'string') return null;
    return { pid: pid as number, host, token };
  } catch {
    return null;
  }
}

/** The lock as found on disk (`info` null when unreadable), or null when there is none. */
async function readLock(path: string, who: string): Promise<{ info: LockInfo | null; mtimeMs: number } | null> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO planted under the lock's name must not hang the save.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return null;
    throw fileSystemError(e, who, 'read the lock file', path, false);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileSystemError(`${who}: ${path} is not a regular file; remove it (nerva uses that name as its save lock)`, undefined, path);
    const buf = Buffer.alloc(Math.min(st.size, 4096));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { info: parseLock(buf.subarray(0, bytesRead).toString('utf8')), mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

function isStale(seen: { info: LockInfo | null; mtimeMs: number }): boolean {
  if (Date.now() - seen.mtimeMs > STALE_MS) return true;
  const { info } = seen;
  // Same host and a different process that no longer exists: it died holding the lock. (A process
  // in another pid namespace with the same host name would look dead; containers sharing a model
  // folder should have distinct host names, as they do by default.)
  return info !== null && info.host === hostname() && info.pid !== process.pid && !isAlive(info.pid);
}

/** Creates the lock with its content in one step (write a temp file, hard-link it into place). */
async function tryCreate(dir: string, path: string, text: string, who: string): Promise<boolean> {
  const temp = join(dir, `.nerva-lock.${process.pid}-${newToken()}.tmp`);
  try {
    await writeFile(temp, text, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    throw fileSystemError(e, who, 'write into', dir);
  }
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    const code = errorCode(e);
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // No hard links on this file system: exclusive create, then write (a crash in between leaves
      // an empty lock, which the age rule takes over).
      try {
        await writeFile(path, text, { flag: 'wx', mode: 0o644 });
        return true;
      } catch (e2) {
        if (errorCode(e2) === 'EEXIST') return false;
        throw fileSystemError(e2, who, 'create the lock file', path);
      }
    }
    throw fileSystemError(e, who, 'create the lock file', path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Removes a stale lock, unless someone replaced it since it was judged: the lock is first renamed
 * aside (only one contender can do that), then checked; a fresh lock moved by mistake is put back.
 */
async function breakLock(dir: string, path: string, judged: LockInfo | null): Promise<boolean> {
  const aside = join(dir, `.nerva-lock.${process.pid}-${newToken()}.stale.tmp`);
  try {
    await rename(path, aside);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return false;
    throw e;
  }
  const moved = parseLock(await readFile(aside, 'utf8').catch(() => ''));
  const same = judged === null ? moved === null : moved?.token === judged.token;
  if (!same) {
    // If yet another lock appeared meanwhile, the owner of the one moved finds out in verify().
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
  return same;
}

/** Tells the current owner that someone waits (best effort). */
async function announceWaiting(dir: string): Promise<void> {
  const p = join(dir, WAITING_FILE);
  const now = new Date();
  await utimes(p, now, now).catch(() => writeFile(p, '').catch(() => undefined));
}

async function someoneWaits(dir: string): Promise<boolean> {
  const st = await stat(join(dir, WAITING_FILE)).catch(() => null);
  return st !== null && Date.now() - st.mtimeMs < WAITING_FRESH_MS;
}

class HeldLock implements DirLock {
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly path: string,
    readonly token: string,
    readonly tookOverStale: boolean,
    readonly who: string,
  ) {
    this.#timer = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  async verify(): Promise<void> {
    const now = await readLock(this.path, this.who);
    if (now?.info?.token !== this.token) {
      throw new FileSystemError(
        `${this.who}: another process took over the save lock ${this.path} (this one did not refresh it for ` +
          `${STALE_MS / 1000} s); this save was abandoned so that the two saves do not mix`,
        'ELOCKLOST',
        this.path,
      );
    }
  }

  async release(): Promise<void> {
    clearInterval(this.#timer);
    const now = await readLock(this.path, this.who).catch(() => null);
    if (now?.info?.token === this.token) {
      await unlink(this.path).catch((e: unknown) => {
        if (errorCode(e) !== 'ENOENT') throw e;
      });
    }
    // A waiting file nobody refreshes any more was left by a waiter that went away.
    const waiting = join(dirname(this.path), WAITING_FILE);
    const st = await stat(waiting).catch(() => null);
    if (st && Date.now() - st.mtimeMs > 10 * WAITING_FRESH_MS) await unlink(waiting).catch(() => undefined);
  }
}

async function acquire(dir: string, who: string): Promise<HeldLock> {
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), token: newToken() };
  const text = JSON.stringify({ ...info, since: new Date().toISOString() });
  let tookOver = false;
  // Fairness: a process saving in a loop would re-take the lock before a waiter polls again.
  if (await someoneWaits(dir)) await sleep(MAX_POLL_MS + 10);
  for (let wait = 2; ; wait = Math.min(wait * 2, MAX_POLL_MS)) {
    if (await tryCreate(dir, path, text, who)) {
      if (tookOver || wait > 2) await unlink(join(dir, WAITING_FILE)).catch(() => undefined);
      return new HeldLock(path, info.token, tookOver, who);
    }
    const seen = await readLock(path, who);
    if (seen === null) continue; // released in between
    if (isStale(seen)) {
      if (await breakLock(dir, path, seen.info)) tookOver = true;
      continue;
    }
    await announceWaiting(dir);
    await sleep(wait);
  }
}

/**
 * Runs `fn` while holding `dir`'s save lock file, so that no other process saves there meanwhile.
 * `dir` must exist. Saves from this process must also go through inSaveQueue (the lock file alone
 * would make them poll each other).
 */
export async function withDirLock<T>(dir: string, who: string, fn: (lock: DirLock) => Promise<T>): Promise<T> {
  const lock = await acquire(dir, who);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
