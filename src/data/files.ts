// File access shared by the data loaders (IDX, CSV, image folders): fs errors become FormatErrors
// that name the path, sync and async alike.

import { readFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FormatError } from '../errors.js';
import { errorCode } from '../io/paths.js';

/** The FormatError for a failed read of `path` (ENOENT, EISDIR, permissions, too large ...). */
export function fileError(path: string, e: unknown): FormatError {
  const code = errorCode(e);
  if (code === 'ENOENT') {
    let hint = '';
    if (path.endsWith('.gz') && existsSync(path.slice(0, -3))) hint = ` (but "${path.slice(0, -3)}" exists)`;
    else if (!path.endsWith('.gz') && existsSync(`${path}.gz`)) hint = ` (but "${path}.gz" exists)`;
    return new FormatError(`file not found: "${path}"${hint}`);
  }
  if (code === 'EISDIR') return new FormatError(`"${path}" is a directory, expected a file`);
  if (code === 'EACCES' || code === 'EPERM') return new FormatError(`cannot read "${path}": permission denied`);
  if (code === 'ERR_FS_FILE_TOO_LARGE') return new FormatError(`cannot read "${path}": file is too large (over 2 GiB)`);
  return new FormatError(`cannot read "${path}": ${e instanceof Error ? e.message : String(e)}`);
}

/** Reads a whole file for the data loaders, turning fs errors into FormatErrors that name the path. */
export function readFileBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fileError(path, e);
  }
}

/** The async form of readFileBytes. */
export async function readFileBytesAsync(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
}
