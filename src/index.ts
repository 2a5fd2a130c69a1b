// nerva's public API: everything a user imports comes from here.

export { Tensor } from './tensor/tensor.js';
export type { TensorLike, NestedArray, TensorArray, Axis } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export { setSeed } from './tensor/random.js';
export {
  tensor, scalar, fill, zeros, ones, zerosLike, onesLike, range, eye, randomNormal, randomUniform, truncatedNormal,
  add, sub, mul, div, pow, maximum, minimum, mod, floorDiv, neg, abs, exp, log, sqrt, square, reciprocal, sign,
  log1p, expm1, sin, cos, floor, ceil, round, erf, clip, where, logicalAnd, logicalOr, logicalNot, isNaN, isFinite,
  equal, notEqual, greater, greaterEqual, less, lessEqual,
  relu, sigmoid, tanh, softplus, leakyRelu, elu, silu, gelu, softmax, logSoftmax,
  matMul, sum, mean, max, min, prod, argMax, argMin,
  reshape, flatten, transpose, expandDims, squeeze, slice, pad, gather, concat, stack, oneHot, cast, broadcastTo,
  conv2d, maxPool2d, avgPool2d, batchNorm, batchNormTraining,
} from './ops/index.js';
export type { Conv2dOptions, Padding, Size2d } from './ops/conv.js';
export type { DenseActivation } from './backend/backend.js';
export type { Pool2dOptions } from './ops/pooling.js';
export type { BatchNormOptions, BatchNormTrainingResult } from './ops/normalization.js';
export type { ReduceOptions } from './ops/reduction.js';
export type { MatMulOptions } from './ops/linalg.js';
export { grad, grads, valueAndGrad, noGrad } from './autograd/engine.js';
export { getBackend, setBackend, listBackends } from './backend/index.js';
export { setNumThreads, getNumThreads, warmUpThreads } from './backend/wasm/threads.js';
export { NervaError, ShapeError, DtypeError, ArgumentError, FormatError, UnsupportedError, FileSystemError } from './errors.js';

// Models, layers and training.
export { Sequential } from './models/sequential.js';
export type { CompileArgs, EvaluateOptions, PredictOptions } from './models/sequential.js';
export type { FitOptions } from './models/training.js';
export { History } from './models/history.js';
/**
 * Keras' layers: factories named as TF.js's (`layers.dense({ units: 10 })`, `layers.conv2d(...)`)
 * and the classes (`new layers.Dense({ units: 10 })`). Each takes one options object in
 * camelCase; an unknown key is refused with its right spelling.
 * @example
 * const model = new Sequential([
 *   layers.flatten({ inputShape: [28, 28] }),
 *   layers.dense({ units: 128, activation: 'relu' }),
 *   layers.dense({ units: 10, activation: 'softmax' }),
 * ]);
 */
export * as layers from './layers/index.js';
export { Layer } from './layers/layer.js';
export { Variable } from './layers/variable.js';
export { optimizers, Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad } from './optimizers/index.js';
export type { OptimizerArgs, SGDArgs, AdamArgs, AdamWArgs, RMSpropArgs, AdagradArgs } from './optimizers/index.js';
export { losses } from './losses/index.js';
export type { LossFn, LossConfig, CrossentropyOptions } from './losses/index.js';
export { metrics } from './metrics/index.js';
export type { MetricFn } from './metrics/index.js';
export { initializers } from './initializers.js';
export type { Initializer } from './initializers.js';
export { Callback } from './callbacks/callback.js';
export type { CallbackHooks, Logs, TrainableModel, TrainingParams } from './callbacks/callback.js';
export { callbacks, EarlyStopping, TerminateOnNaN, ReduceLROnPlateau, LearningRateScheduler, CSVLogger } from './callbacks/builtins.js';
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs, CSVLoggerArgs } from './callbacks/builtins.js';
export type { Verbose, ProgressStream } from './models/progress.js';

// Datasets, your own data, and helpers for labels.
/**
 * Keras' `keras.datasets`: MNIST (bundled) and Fashion-MNIST (from your copy of the files), as tensors.
 * @example const [[xTrain, yTrain], [xTest, yTest]] = datasets.mnist.loadData();
 */
export * as datasets from './data/datasets.js';
/**
 * Your own data into tensors: CSV files and text, rows from a database, folders of images, one
 * uploaded image; and a train/test split. See docs/your-own-data.md.
 * @example
 * const [x, y] = await data.loadCsv('flats.csv', { label: 'price_k' });
 * const [xTrain, xTest, yTrain, yTest] = data.trainTestSplit(x, y, { testSize: 0.2, seed: 1 });
 */
export * as data from './data/index.js';
/**
 * Keras' `keras.utils`: helpers for labels.
 * @example utils.toCategorical([0, 2, 1]) // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 */
export * as utils from './utils/index.js';

// Saving and loading (TensorFlow.js layers format).
export { loadModel } from './io/model-io.js';
export type { SaveOptions } from './io/model-io.js';
export { ModelCheckpoint } from './callbacks/builtins.js';
export type { ModelCheckpointArgs } from './io/checkpoint.js';

// Pictures.
/**
 * Pictures of data, predictions, training and the inside of a network, as PNG (or SVG when the
 * file name ends in .svg), drawn in Node with no browser and no system fonts. Each function
 * returns the picture's bytes and what it shows, and writes `file` when given.
 * @example
 * viz.plotHistory(history.history, { file: 'out/history.png' });
 * viz.displayPrediction(100, predictions, yTest, xTest, { file: 'out/prediction.png' });
 */
export * as viz from './viz/index.js';

// Serving over HTTP (TF Serving REST and the Open Inference Protocol).
export { serve } from './serve/server.js';
export type { ServeOptions, ServeHandle } from './serve/server.js';
export { createHandler } from './serve/handler.js';
export type { HandlerOptions, ModelHandler } from './serve/handler.js';
export type { ModelSpec } from './serve/model-spec.js';
