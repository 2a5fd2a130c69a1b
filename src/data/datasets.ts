// The `datasets` namespace (Keras' keras.datasets).

export { mnist } from './mnist.js';
export type { MnistLoadOptions } from './mnist.js';
