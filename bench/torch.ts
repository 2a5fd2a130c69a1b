// The PyTorch column of `npm run bench`: torch_bench.py (Debian's python3-torch, one thread) kept
// running as a child, so that its training can be alternated with nerva's rep by rep.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultMnistDir } from '../src/data/mnist-files.js';
import { quick, rows } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A running torch_bench.py --serve: its rows are in, and it trains more on request. */
export interface TorchProc {
  note: string;
  /** Milliseconds per step of `steps` more PyTorch training steps. */
  train(steps: number): Promise<number>;
  /** Wall and CPU milliseconds of one full epoch: 1875 steps of batch 32, then validation on the 10k test images. */
  epoch(): Promise<{ ms: number; cpuMs: number }>;
  close(): void;
}

export async function benchTorch(): Promise<TorchProc | string> {
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'PyTorch: not installed (apt-get install python3-torch libopenblas0-pthread to add its column; without OpenBLAS, Debian falls back to the slow reference BLAS)';
  const child = spawn(py, [join(here, 'torch_bench.py'), defaultMnistDir(), ...(quick ? ['--quick'] : []), '--serve'], {
    // This workplace sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow a
    // current one several-fold, so the PyTorch column is measured without them.
    env: Object.fromEntries(
      Object.entries({ ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }).filter(
        ([k]) => k !== 'OPENBLAS_CORETYPE' && k !== 'OPENBLAS_L2_SIZE',
      ),
    ),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`PyTorch benchmark ended early: ${stderr.slice(-500)}`);
    return r.value;
  };
  const ask = async (cmd: string): Promise<{ ms: number; cpuMs: number }> => {
    child.stdin.write(`${cmd}\n`);
    return JSON.parse(await next()) as { ms: number; cpuMs: number };
  };
  try {
    const res = JSON.parse(await next()) as { version: string; rows: [string, number | null][] };
    for (const [name, v] of res.rows) {
      const row = rows.find((x) => x.name === name);
      if (row) row.values['pytorch-1t'] = v;
    }
    return {
      note: `PyTorch ${res.version}, 1 thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)`,
      train: async (steps) => (await ask(`train ${steps}`)).ms,
      epoch: () => ask('epoch'),
      close: () => child.stdin.end(),
    };
  } catch (e) {
    child.kill();
    return `PyTorch: benchmark failed: ${(e as Error).message}`;
  }
}
