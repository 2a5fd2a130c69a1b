// The `utils` namespace (Keras' keras.utils).

export { toCategorical } from './categorical.js';
