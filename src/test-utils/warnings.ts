// Collects the process warnings emitted while a function runs (process.emitWarning delivers them
// on a later tick, so this waits one turn of the event loop before it stops listening).

export interface CaughtWarning {
  name: string;
  code: string | undefined;
  message: string;
}

export async function warningsDuring<T>(f: () => T | Promise<T>): Promise<{ result: T; warnings: CaughtWarning[] }> {
  const warnings: CaughtWarning[] = [];
  const listener = (w: Error & { code?: string }): void => void warnings.push({ name: w.name, code: w.code, message: w.message });
  process.on('warning', listener);
  try {
    const result = await f();
    await new Promise((r) => setImmediate(r));
    return { result, warnings };
  } finally {
    process.off('warning', listener);
  }
}
