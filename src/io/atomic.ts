// Crash-safe replacement of a saved model (model.json + its weights file) in a directory: a SIGKILL
// or power cut at any moment leaves either the complete old model or the complete new one.
//
// Why this scheme: two files cannot be renamed together atomically, and a reader always follows
// model.json. So the weights go to a file whose name is new for this content
// (`weights.<16 hex of sha256>.bin`), written to a temp file, fsynced and renamed into place while the
// old model.json still points at the old weights file, which is left untouched. Only then is
// model.json replaced (temp + fsync + rename, the single commit point), and only after that commit is
// the old weights file deleted. Before the commit a reader sees the old pair; after it, the new pair.
// If the new content equals the old, the rename swaps in identical bytes under the same name, which
// is also safe. Directory fsyncs make each rename durable before the next step relies on it.
// One writer per directory at a time is enforced by lock.ts; cleanup deletes only the weights file
// the replaced model.json referred to, plus leftovers of writers that died (temp files, and weights
// files no model.json refers to, which only a dead writer can have left while we hold the lock).
import { open, rename, readdir, unlink, lstat, readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { errorCode, fileSystemError } from './paths.js';
import { STALE_MS, isAlive, withDirLock } from './lock.js';

/** The file a model directory is read through. */
export const MODEL_JSON = 'model.json';

/** Weight files this module names, and so may delete once no model.json refers to them. */
const OWNED_WEIGHTS = /^weights\.[0-9a-f]{16}\.bin$/;
/** Temp files of this module; ones left by a killed writer are removed by the next save. */
const OWNED_TEMP = /^\.nerva-.+\.tmp$/;

/** The weights file name for a content hash (hex): unique per distinct content. */
export function weightsFileName(hashHex: string): string {
  return `weights.${hashHex.slice(0, 16)}.bin`;
}

/** fsync a directory so that renames inside it survive a power cut; a no-op where unsupported. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Windows cannot open directories and some filesystems refuse directory fsync: nothing to do.
    const code = errorCode(e);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EINVAL') throw e;
  } finally {
    await fh?.close();
  }
}

/** Writes `chunks` to dir/name through a temp file in the same directory: write, fsync, rename. */
export async function writeFileDurably(dir: string, name: string, chunks: readonly Uint8Array[], who = 'save'): Promise<void> {
  const temp = join(dir, `.nerva-${name}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(temp, 'wx', 0o644);
  } catch (e) {
    throw fileSystemError(e, who, 'write into', dir);
  }
  try {
    try {
      for (const c of chunks) {
        let done = 0;
        while (done < c.byteLength) {
          const { bytesWritten } = await fh.write(c, done, c.byteLength - done);
          done += bytesWritten;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, join(dir, name));
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw fileSystemError(e, who, 'write', join(dir, name));
  }
}

/** Model files at most this big are read back to learn which weights file they refer to. */
const MAX_REFERENCING_JSON = 64 * 1024 * 1024;

/** The plain file names the current dir/model.json lists in its weightsManifest (none if unreadable). */
async function referencedWeights(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const file = join(dir, MODEL_JSON);
  try {
    const st = await lstat(file);
    if (!st.isFile() || st.size > MAX_REFERENCING_JSON) return names;
    const json: unknown = JSON.parse(await readFile(file, 'utf8'));
    const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
    if (!Array.isArray(manifest)) return names;
    for (const group of manifest) {
      const paths = (group as { paths?: unknown } | null)?.paths;
      if (Array.isArray(paths)) for (const p of paths) if (typeof p === 'string') names.add(p);
    }
  } catch {
    // No model yet, or one that is not ours to understand: nothing to clean up after.
  }
  return names;
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch((e: unknown) => {
    if (errorCode(e) !== 'ENOENT') throw e;
  });
}

/**
 * Replaces the model in `dir` (which must exist) with model.json text `modelJson` that references
 * `weightsName`, whose bytes are `weightChunks` concatenated. Saves to one directory run one at a
 * time, across processes too. See the file comment for the ordering that makes it crash-safe.
 */
export async function commitModelFiles(
  dir: string,
  weightsName: string,
  weightChunks: readonly Uint8Array[],
  modelJson: string,
  who = 'save',
): Promise<void> {
  await withDirLock(dir, who, async (lock) => {
    const replaced = await referencedWeights(dir);
    let committed = false;
    try {
      await writeFileDurably(dir, weightsName, weightChunks, who);
      await fsyncDir(dir);
      await lock.verify();
      await writeFileDurably(dir, MODEL_JSON, [Buffer.from(modelJson, 'utf8')], who);
      committed = true;
      await fsyncDir(dir);
    } catch (e) {
      // The old model stays; our weights file goes unless the old model uses the same bytes.
      if (!committed && !replaced.has(weightsName)) await removeQuietly(join(dir, weightsName)).catch(() => undefined);
      throw e;
    }
    await removeStaleFiles(dir, weightsName, replaced, lock.tookOverStale);
  });
}

/** The pid in a temp file name of this module (`.nerva-<what>.<pid>-<hex>[.stale].tmp`). */
function tempOwner(name: string): number | null {
  const m = /\.(\d+)-[0-9a-f]+(\.stale)?\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  const st = await lstat(path).catch(() => null);
  return st !== null && Date.now() - st.mtimeMs > ms;
}

/**
 * After a commit: deletes the weights files the replaced model.json referred to, and leftovers of
 * writers that are gone: their temp files (owner pid dead, or untouched for STALE_MS) and weights
 * files no model refers to (when this save took over a dead writer's lock, or untouched for
 * STALE_MS). A live writer's files are never touched, even if the lock was wrongly taken over.
 */
async function removeStaleFiles(dir: string, keep: string, replaced: ReadonlySet<string>, tookOverStale: boolean): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name === keep) continue;
    const path = join(dir, name);
    let stale = false;
    if (OWNED_WEIGHTS.test(name)) {
      stale = replaced.has(name) || tookOverStale || (await olderThan(path, STALE_MS));
    } else if (OWNED_TEMP.test(name)) {
      const pid = tempOwner(name);
      // Our own data temps are leftovers: saves in this process run one at a time.
      const ownLeftover = pid === process.pid && !name.startsWith('.nerva-lock.');
      stale = ownLeftover || (pid !== null && pid !== process.pid && !isAlive(pid)) || (await olderThan(path, STALE_MS));
    }
    if (stale) await removeQuietly(path);
  }
}
