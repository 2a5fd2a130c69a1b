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
// Assumes one writer per directory at a time (a second writer's cleanup could delete the first one's
// not-yet-committed weights file).
import { open, rename, readdir, unlink, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

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
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EINVAL') throw e;
  } finally {
    await fh?.close();
  }
}

/** Writes `chunks` to dir/name through a temp file in the same directory: write, fsync, rename. */
export async function writeFileDurably(dir: string, name: string, chunks: readonly Uint8Array[]): Promise<void> {
  const temp = join(dir, `.nerva-${name}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx', 0o644);
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
    throw e;
  }
}

/**
 * Replaces the model in `dir` with model.json text `modelJson` that references `weightsName`, whose
 * bytes are `weightChunks` concatenated. See the file comment for the ordering that makes it crash-safe.
 */
export async function commitModelFiles(
  dir: string,
  weightsName: string,
  weightChunks: readonly Uint8Array[],
  modelJson: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileDurably(dir, weightsName, weightChunks);
  await fsyncDir(dir);
  await writeFileDurably(dir, MODEL_JSON, [Buffer.from(modelJson, 'utf8')]);
  await fsyncDir(dir);
  await removeStaleFiles(dir, weightsName);
}

/** Deletes this module's leftovers: temp files and weight files other than the one in use. */
async function removeStaleFiles(dir: string, keep: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name === keep) continue;
    if (OWNED_TEMP.test(name) || OWNED_WEIGHTS.test(name)) {
      await unlink(join(dir, name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  }
}
