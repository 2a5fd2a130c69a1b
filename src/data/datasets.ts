// The `datasets` namespace (Keras' keras.datasets).

export { mnist } from './mnist.js';
export type { MnistLoadOptions, Split } from './mnist.js';
export { fashionMnist } from './fashion-mnist.js';
export type { FashionMnistLoadOptions } from './fashion-mnist.js';
