// Helper process for the crash test (atomic.test.ts) and the cross-process save test
// (concurrent-save.test.ts): saves model A and model B alternately into a directory, forever (until
// the parent kills it with SIGKILL) or `count` times. Usage: crash-child <dir> [count] [first: A|B]
// [wait]. Prints "ready" once loaded (with `wait`, then waits for a line on stdin, so that several
// children can start saving together), then one "." per completed save.
import { pathToFileURL } from 'node:url';
import { writeModelArtifacts, type ModelArtifacts } from './artifacts.js';

/** The two models the child alternates between; they differ in topology, weight values and size. */
export function crashModel(which: 'A' | 'B'): ModelArtifacts {
  const n = which === 'A' ? 100_000 : 100_003;
  const kernel = new Float32Array(n);
  for (let i = 0; i < n; i++) kernel[i] = which === 'A' ? i * 0.25 : -i - 0.5;
  return {
    modelTopology: { class_name: 'Sequential', config: { name: `model_${which}`, layers: [] } },
    weights: [
      { name: 'dense_1/kernel', shape: [n], dtype: 'float32', data: kernel },
      { name: 'tag', shape: [1], dtype: 'int32', data: Int32Array.from([which === 'A' ? 1 : 2]) },
    ],
  };
}

async function main(dir: string, count: number, first: 'A' | 'B', wait: boolean): Promise<void> {
  const models = first === 'A' ? [crashModel('A'), crashModel('B')] : [crashModel('B'), crashModel('A')];
  process.stdout.write('ready\n');
  if (wait) await new Promise((resolve) => process.stdin.once('data', resolve));
  for (let i = 0; i < count; i++) {
    await writeModelArtifacts(dir, models[i % 2]);
    process.stdout.write('.');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: crash-child <dir>\n');
    process.exit(2);
  }
  const count = process.argv[3] === undefined ? Infinity : Number(process.argv[3]);
  await main(dir, count, process.argv[4] === 'B' ? 'B' : 'A', process.argv[5] === 'wait');
  process.stdin.destroy();
}
