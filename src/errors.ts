// The few error classes nerva throws. Messages are built from who / expected / received / hint so
// that every failure names the op, layer or file and the shapes or values involved.

/**
 * Base class of every error nerva throws on purpose; `name` is the subclass's name.
 * @example
 * try { model.predict(x); } catch (e) { if (e instanceof ShapeError) console.error(e.message); else throw e; }
 */
export class NervaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Shapes that do not fit together.
 * @example matMul(zeros([32, 784]), zeros([128, 10])) // ShapeError: matMul: inner dimensions differ: [32, 784] x [128, 10]
 */
export class ShapeError extends NervaError {}

/**
 * A dtype an op cannot take, or a value that does not fit a dtype.
 * @example tensor([1.5], undefined, 'int32') // DtypeError: tensor: element 0 is 1.5, which is not a int32 value (...)
 */
export class DtypeError extends NervaError {}

/**
 * A bad argument: wrong type, out of range, unknown name.
 * @example layers.dense({ units: 0 }) // ArgumentError: Dense "dense": units must be a positive integer, got 0
 */
export class ArgumentError extends NervaError {}

/**
 * A file that cannot be read or is not what it claims to be (IDX, model.json, weights).
 * @example await loadModel('notes.txt') // FormatError: notes.txt: not valid JSON: unexpected "v" at line 1, column 1 (...)
 */
export class FormatError extends NervaError {}

/**
 * Something nerva does not do (yet), said plainly instead of silently doing something else.
 * @example await model.save('model.h5') // UnsupportedError: save: "model.h5" names a Keras .h5 file; nerva saves the TensorFlow.js layers format (...)
 */
export class UnsupportedError extends NervaError {}

/**
 * The file system refused an operation (permission denied, read-only, no space, a file where a
 * folder must be), with the Node error code and the path.
 * @example await model.save('/mnt/ro/model') // FileSystemError: save: cannot create folder /mnt/ro/model: the file system is read-only (EROFS)
 */
export class FileSystemError extends NervaError {
  constructor(
    message: string,
    /** The Node error code (`'EACCES'`, `'EROFS'`, ...) when there was one. */
    readonly code: string | undefined,
    /** The path the operation was about. */
    readonly path: string,
  ) {
    super(message);
  }
}

/** Formats a shape the way messages show it: `[32, 28, 28]`; an unknown dim shows as Keras' `None`. */
export function fmtShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'None' : d)).join(', ')}]`;
}
