#!/usr/bin/env node
// The `nerva` command: `nerva mnist` (the main job), `nerva summary <model>`, `nerva serve <model>`,
// `nerva --help`.

import { MAIN_HELP, MNIST_HELP, SERVE_HELP, UsageError, parseMnistArgs, parseServeArgs, prepareOutDir } from './args.js';
import { NervaError } from '../errors.js';
import { errorCode, fileSystemError } from '../io/paths.js';

// The library is imported inside main's try (not at the top): choosing the backend at import can
// throw (NERVA_BACKEND=nope), and that must print as one clean line like every other error.
const library = () => import('../index.js');

/** One line for an error the user can act on; null for a bug (which keeps its stack). */
function userMessage(e: unknown): string | null {
  if (e instanceof NervaError) return e.message;
  const code = errorCode(e);
  if (code !== undefined && e instanceof Error) {
    const { syscall, path } = e as NodeJS.ErrnoException;
    return fileSystemError(e, 'nerva', syscall ?? 'access', path ?? '(unknown path)').message.replace(/^nerva: /, '');
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      process.stdout.write(MAIN_HELP + '\n');
      return cmd === undefined ? 1 : 0;
    }
    if (cmd === 'mnist') {
      const o = parseMnistArgs(rest);
      if (o.help) {
        process.stdout.write(MNIST_HELP + '\n');
        return 0;
      }
      const nv = await library();
      // Every option is checked before the data is loaded and long before training ends.
      if (o.backend !== undefined && !nv.listBackends().includes(o.backend)) {
        throw new UsageError(`--backend: unknown or unavailable backend '${o.backend}'; available here: ${nv.listBackends().join(', ')}`);
      }
      prepareOutDir(o.out);
      const { runMnist } = await import('./mnist-job.js');
      await runMnist(o);
      return 0;
    }
    if (cmd === 'summary') {
      if (rest.length !== 1 || rest[0].startsWith('-')) throw new UsageError('summary takes one argument: the saved model (a directory or its model.json)');
      const model = await (await library()).loadModel(rest[0]);
      model.summary();
      return 0;
    }
    if (cmd === 'serve') {
      const o = parseServeArgs(rest);
      if (o.help) {
        process.stdout.write(SERVE_HELP + '\n');
        return 0;
      }
      const { runServe } = await import('../serve/command.js');
      return await runServe(o);
    }
    throw new UsageError(`unknown command '${cmd}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nerva: ${e.message}\nRun 'nerva --help' for usage.\n`);
      return 2;
    }
    const message = userMessage(e);
    if (message === null) throw e;
    process.stderr.write(`nerva: ${message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
