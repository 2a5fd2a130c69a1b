// Command-line option parsing with clear errors: every bad value names the option and what came.

import { parseArgs } from 'node:util';
import { writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirSync, fileSystemError } from '../io/paths.js';

export class UsageError extends Error {}

/** The two models of the Keras tutorials: the MLP (default) and the "simple MNIST convnet". */
export type MnistModel = 'mlp' | 'cnn';

export interface MnistOptions {
  model: MnistModel;
  epochs: number;
  batchSize: number;
  seed: number | undefined;
  out: string;
  backend: string | undefined;
  quiet: boolean;
  limit: number | undefined;
  testLimit: number | undefined;
  data: string | undefined;
  help: boolean;
}

function int(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be an integer, got '${raw}'`);
  const v = Number(raw);
  if (v < min) throw new UsageError(`--${name} must be >= ${min}, got ${v}`);
  if (!Number.isSafeInteger(v)) throw new UsageError(`--${name} is too large: ${raw}`);
  return v;
}

/** A string option that, when given, must not be empty (`--out=` would mean the current folder). */
function nonEmpty(name: string, raw: string | undefined): string | undefined {
  if (raw !== undefined && raw.trim() === '') throw new UsageError(`--${name} needs a value, got an empty string`);
  return raw;
}

export function parseMnistArgs(argv: string[]): MnistOptions {
  // `--epochs -1` would read as a missing value followed by an unknown flag; join negative numbers
  // to their option so the range check can say what is wrong.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i].startsWith('--') && !argv[i].includes('=') && next !== undefined && /^-\d/.test(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else args.push(argv[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        model: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        backend: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        limit: { type: 'string' },
        'test-limit': { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const model = v.model ?? 'mlp';
  if (model !== 'mlp' && model !== 'cnn') throw new UsageError(`--model must be 'mlp' or 'cnn', got '${model}'`);
  // Each model's defaults are its Keras example's: the MLP tutorial's 5 epochs of 32, the convnet's 15 of 128.
  return {
    model,
    epochs: int('epochs', v.epochs, 1) ?? (model === 'cnn' ? 15 : 5),
    batchSize: int('batch-size', v['batch-size'], 1) ?? (model === 'cnn' ? 128 : 32),
    seed: int('seed', v.seed, 0),
    out: nonEmpty('out', v.out) ?? 'out/mnist',
    backend: nonEmpty('backend', v.backend),
    quiet: v.quiet ?? false,
    limit: int('limit', v.limit, 1),
    testLimit: int('test-limit', v['test-limit'], 1),
    data: nonEmpty('data', v.data),
    help: v.help ?? false,
  };
}

/**
 * Makes sure the --out folder exists and takes files, before any training: a file in its place, a
 * read-only disk or missing permissions are reported now rather than after the epochs ran.
 */
export function prepareOutDir(out: string): void {
  const dir = ensureDirSync(out, '--out', { fileHint: 'nerva mnist writes its results into a folder: give a folder path' });
  const probe = join(dir, `.nerva-write-test.${process.pid}.tmp`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw fileSystemError(e, '--out', 'write into', dir);
  }
}

export interface ServeArgs {
  model: string;
  name: string | undefined;
  port: number;
  host: string;
  workers: number | undefined;
  maxBatchSize: number | undefined;
  batchTimeoutMs: number | undefined;
  maxQueue: number | undefined;
  timeoutMs: number | undefined;
  maxBodyBytes: number | undefined;
  help: boolean;
}

export function parseServeArgs(argv: string[]): ServeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        workers: { type: 'string' },
        'max-batch-size': { type: 'string' },
        'batch-timeout-ms': { type: 'string' },
        'max-queue': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const help = v.help ?? false;
  if (!help && parsed.positionals.length !== 1) {
    throw new UsageError(`serve takes one model (a folder or its model.json), got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`);
  }
  const port = int('port', v.port, 0) ?? 8501;
  if (port > 65535) throw new UsageError(`--port must be <= 65535, got ${port}`);
  return {
    model: parsed.positionals[0] ?? '',
    name: v.name,
    port,
    host: v.host ?? '127.0.0.1',
    workers: int('workers', v.workers, 1),
    maxBatchSize: int('max-batch-size', v['max-batch-size'], 1),
    batchTimeoutMs: int('batch-timeout-ms', v['batch-timeout-ms'], 0),
    maxQueue: int('max-queue', v['max-queue'], 1),
    timeoutMs: int('timeout-ms', v['timeout-ms'], 1),
    maxBodyBytes: int('max-body-bytes', v['max-body-bytes'], 1),
    help,
  };
}

export const MAIN_HELP = `nerva — Keras-style deep learning for TypeScript

Usage:
  nerva mnist [options]        train the reference MNIST model and write a report
  nerva summary <model>        print the summary of a saved model (directory or model.json)
  nerva serve <model>          serve a saved model over HTTP (TF Serving REST, Open Inference Protocol)
  nerva --help                 this help

Run 'nerva mnist --help' for the options of the main job.`;

export const MNIST_HELP = `nerva mnist — train Flatten / Dense 128 relu / Dense 10 softmax on MNIST (adam,
sparse categorical crossentropy, accuracy), as in the Keras tutorial, then evaluate on the test set,
show one prediction and write metrics, pictures, a report and the model into --out.
With --model cnn, the Keras "simple MNIST convnet" instead: Conv2D 32 / MaxPooling / Conv2D 64 /
MaxPooling / Flatten / Dropout 0.5 / Dense 10 softmax, one-hot labels with categorical
crossentropy, adam, batch 128, 15 epochs, 10% of the training images held out for validation.

Options:
  --model mlp|cnn   the tutorial's MLP (default) or the convnet
  --epochs N        passes over the training data (default 5; cnn 15)
  --batch-size N    samples per step (default 32; cnn 128)
  --seed N          seed for initial weights and shuffling (reproducible runs)
  --out DIR         output directory (default out/mnist)
  --backend NAME    'wasm' (fast, default when available) or 'js' (reference)
  --quiet, -q       no progress output
  --limit N         train on the first N training images only (quick runs)
  --test-limit N    evaluate on the first N test images only
  --data DIR        read the four IDX files from DIR instead of the bundled MNIST
  --help, -h        this help`;

export const SERVE_HELP = `nerva serve <model> — serve a saved model (a folder or its model.json) over HTTP:
TF Serving REST (/v1/models/NAME:predict), the Open Inference Protocol (/v2/models/NAME/infer), a
page to draw a digit (/) and Prometheus metrics (/metrics). Ready when it prints the routes; Ctrl-C
or SIGTERM stops it after the requests in flight are answered.

Options:
  --name NAME            the model's name in the URLs (default: the model folder's name)
  --port N               TCP port (default 8501; 0 picks a free one)
  --host ADDR            interface to listen on (default 127.0.0.1: this machine only)
  --workers N            inference worker threads (default: the number of cores, at most 4)
  --max-batch-size N     most requests coalesced into one predict (default 64)
  --batch-timeout-ms N   wait up to N ms for a batch to fill (default 0)
  --max-queue N          waiting requests before answering 503 (default 256)
  --timeout-ms N         deadline per request before answering 504 (default 30000)
  --max-body-bytes N     largest request body before answering 413 (default 16777216)
  --help, -h             this help`;
