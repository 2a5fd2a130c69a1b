// nerva's public API: everything a user imports comes from here.

export { Tensor } from './tensor/tensor.js';
export type { TensorLike, NestedArray } from './tensor/tensor.js';
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
} from './ops/index.js';
export type { ReduceOptions } from './ops/reduction.js';
export type { MatMulOptions } from './ops/linalg.js';
export { grad, grads, valueAndGrad, noGrad } from './autograd/engine.js';
export { getBackend, setBackend, listBackends } from './backend/index.js';
export { NervaError, ShapeError, DtypeError, ArgumentError, FormatError, UnsupportedError } from './errors.js';
