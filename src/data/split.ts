// data.trainTestSplit: scikit-learn's train_test_split for tensors (its return order, its default
// test share and rounding), shuffled by nerva's seeded generator, optionally stratified by class.

import { Tensor } from '../tensor/tensor.js';
import { SeededGenerator, permutation } from '../tensor/random.js';
import { gather } from '../ops/index.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { checkOptionKeys } from './table.js';

/** Options of trainTestSplit, scikit-learn's names in camelCase and its defaults. */
export interface SplitOptions {
  /**
   * The test share: a fraction in (0, 1), rounded up to whole rows as scikit-learn does, or a whole
   * number >= 1 of rows. Default 0.25, scikit-learn's default.
   */
  testSize?: number;
  /** Shuffle before splitting (default true). Without it the last rows are the test set. */
  shuffle?: boolean;
  /**
   * A seed for this split alone: the same seed gives the same split, and nerva's global generator
   * (setSeed) is left where it was. Default: draw from the global generator.
   */
  seed?: number;
  /** Keep each class's share of y the same in both sets (y must hold integer class ids). */
  stratify?: boolean;
}

function rowsOf(idx: Int32Array, from: number, to: number): Tensor {
  return new Tensor(idx.slice(from, to), [to - from], 'int32');
}

/** Per class, how many rows go to the test set: exact shares rounded down, the rows left over to the largest remainders. */
function stratifiedCounts(sizes: number[], nTest: number, n: number): number[] {
  const exact = sizes.map((s) => (s * nTest) / n);
  const counts = exact.map(Math.floor);
  let left = nTest - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, k) => k).sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b);
  // First pass keeps a row of every class for training; a second takes whatever is still owed.
  for (const keepOne of [true, false]) {
    for (const k of order) {
      if (left === 0) break;
      if (keepOne && counts[k] + 1 > sizes[k] - 1) continue;
      counts[k]++;
      left--;
    }
  }
  return counts;
}

/**
 * Splits rows of x and y into train and test sets, rows of x and y staying paired. Returns
 * `[xTrain, xTest, yTrain, yTest]`, the order of scikit-learn's train_test_split.
 * @example const [xTrain, xTest, yTrain, yTest] = data.trainTestSplit(x, y, { testSize: 0.2, seed: 42 });
 */
export function trainTestSplit(x: Tensor, y: Tensor, opts: SplitOptions = {}): [xTrain: Tensor, xTest: Tensor, yTrain: Tensor, yTest: Tensor] {
  const who = 'trainTestSplit';
  checkOptionKeys(who, opts, ['testSize', 'shuffle', 'seed', 'stratify']);
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new ArgumentError(`${who}: x and y must be tensors`);
  if (x.rank === 0 || y.rank === 0) throw new ShapeError(`${who}: x and y need a first (row) axis, got x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)}`);
  const n = x.shape[0];
  if (y.shape[0] !== n) {
    throw new ShapeError(`${who}: x has ${n} rows ${fmtShape(x.shape)} but y has ${y.shape[0]} ${fmtShape(y.shape)}; they must pair row by row`);
  }
  const size = opts.testSize ?? 0.25;
  if (typeof size !== 'number' || !Number.isFinite(size) || size <= 0 || (size >= 1 && !Number.isInteger(size))) {
    throw new ArgumentError(`${who}: testSize must be a fraction in (0, 1) or a whole number of rows >= 1, got ${size}`);
  }
  const nTest = size < 1 ? Math.ceil(size * n) : size;
  const nTrain = n - nTest;
  if (nTrain < 1) {
    throw new ArgumentError(`${who}: testSize ${size} of ${n} rows leaves ${nTrain <= 0 ? 'no' : nTrain} rows to train on; use a smaller testSize`);
  }
  const shuffle = opts.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new ArgumentError(`${who}: shuffle must be true or false, got ${JSON.stringify(shuffle)}`);
  if (opts.seed !== undefined && (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed))) {
    throw new ArgumentError(`${who}: seed must be a finite number, got ${JSON.stringify(opts.seed)}`);
  }
  const gen = opts.seed !== undefined ? new SeededGenerator(opts.seed) : null;
  const perm = (k: number): Int32Array => (gen ? gen.permutation(k) : permutation(k));

  let order: Int32Array;
  if (opts.stratify) {
    if (!shuffle) throw new ArgumentError(`${who}: stratify needs shuffle: true (as in scikit-learn)`);
    order = stratifiedOrder(who, y, nTest, perm);
  } else {
    // As scikit-learn: shuffled, the first nTest of a permutation are the test rows; unshuffled,
    // the first nTrain rows train and the rest test.
    if (shuffle) {
      const p = perm(n);
      order = new Int32Array(n);
      order.set(p.subarray(nTest), 0);
      order.set(p.subarray(0, nTest), nTrain);
    } else {
      order = Int32Array.from({ length: n }, (_, i) => i);
    }
  }
  const train = rowsOf(order, 0, nTrain);
  const test = rowsOf(order, nTrain, n);
  return [gather(x, train), gather(x, test), gather(y, train), gather(y, test)];
}

/** Train rows then test rows, each class split in proportion, each set in shuffled order. */
function stratifiedOrder(who: string, y: Tensor, nTest: number, perm: (k: number) => Int32Array): Int32Array {
  const n = y.shape[0];
  if (y.size !== n) throw new ShapeError(`${who}: stratify needs one class id per row, y is ${fmtShape(y.shape)}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = y.values[i];
    if (!Number.isInteger(c)) throw new ArgumentError(`${who}: stratify needs integer class ids in y; y[${i}] is ${c}`);
    let rows = byClass.get(c);
    if (!rows) byClass.set(c, (rows = []));
    rows.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  for (const c of classes) {
    if (byClass.get(c)!.length < 2) throw new ArgumentError(`${who}: class ${c} has only 1 row; stratify needs at least 2 per class`);
  }
  const nTrain = n - nTest;
  if (nTest < classes.length || nTrain < classes.length) {
    throw new ArgumentError(`${who}: with stratify, the test (${nTest}) and train (${nTrain}) sets need at least one row per class (${classes.length} classes)`);
  }
  const counts = stratifiedCounts(classes.map((c) => byClass.get(c)!.length), nTest, n);
  const train: number[] = [];
  const test: number[] = [];
  classes.forEach((c, k) => {
    const rows = byClass.get(c)!;
    const p = perm(rows.length);
    for (let j = 0; j < rows.length; j++) (j < counts[k] ? test : train).push(rows[p[j]]);
  });
  // Class blocks in order would give fit sorted batches with shuffle off; mix each set.
  const pTrain = perm(train.length);
  const pTest = perm(test.length);
  const order = new Int32Array(n);
  for (let j = 0; j < train.length; j++) order[j] = train[pTrain[j]];
  for (let j = 0; j < test.length; j++) order[train.length + j] = test[pTest[j]];
  return order;
}
