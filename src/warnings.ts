// The few warnings nerva gives, where Keras warns too and refusing would lose the user's work
// (a model that saves or loads without its compile state). They go through Node's own
// `process.emitWarning` with type 'NervaWarning' and a stable code, so they appear once on stderr
// like Node's own warnings and can be watched or silenced by code:
//   process.on('warning', (w) => { if (w.name === 'NervaWarning') log(w.code, w.message); });
//   node --disable-warning=NERVA_COMPILE_NOT_RESTORED app.js   (Node 21.3+)

/** Every warning code nerva emits. */
export const WARNING_CODES = {
  /** save: part of the compile state cannot be written (a custom loss or metric function). */
  NERVA_COMPILE_NOT_SAVED: 'NERVA_COMPILE_NOT_SAVED',
  /** loadModel: part of the file's compile state cannot be restored; the model must be compiled again (or loses metrics). */
  NERVA_COMPILE_NOT_RESTORED: 'NERVA_COMPILE_NOT_RESTORED',
} as const;

export type WarningCode = keyof typeof WARNING_CODES;

/** Emits a NervaWarning with `code` (see the codes above). */
export function warn(code: WarningCode, message: string): void {
  process.emitWarning(message, { type: 'NervaWarning', code });
}

/**
 * Emits a warning at most once per `owner` and message: a checkpoint callback saving every epoch
 * should say once that it drops a custom loss, not fifty times.
 */
const given = new WeakMap<object, Set<string>>();
export function warnOnce(owner: object, code: WarningCode, message: string): void {
  let seen = given.get(owner);
  if (!seen) given.set(owner, (seen = new Set()));
  if (seen.has(message)) return;
  seen.add(message);
  warn(code, message);
}
