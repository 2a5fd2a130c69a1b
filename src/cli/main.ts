#!/usr/bin/env node
// The `nerva` command: `nerva mnist` (the main job), `nerva summary <model>`, `nerva --help`.

import { MAIN_HELP, MNIST_HELP, UsageError, parseMnistArgs } from './args.js';
import { runMnist } from './mnist-job.js';
import { NervaError, loadModel } from '../index.js';

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
      await runMnist(o);
      return 0;
    }
    if (cmd === 'summary') {
      if (rest.length !== 1 || rest[0].startsWith('-')) throw new UsageError('summary takes one argument: the saved model (a directory or its model.json)');
      const model = await loadModel(rest[0]);
      model.summary();
      return 0;
    }
    throw new UsageError(`unknown command '${cmd}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nerva: ${e.message}\nRun 'nerva --help' for usage.\n`);
      return 2;
    }
    if (e instanceof NervaError) {
      process.stderr.write(`nerva: ${e.name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
