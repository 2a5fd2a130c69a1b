// All tensor ops, as plain functions. Tensor methods forward here.

export * from './convert.js';
export * from './creation.js';
export * from './elementwise.js';
export * from './reduction.js';
export * from './linalg.js';
export * from './shape-ops.js';
export * from './nn.js';
export * from './conv.js';
export * from './pooling.js';
export * from './normalization.js';
