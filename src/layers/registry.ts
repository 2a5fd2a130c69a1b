// The one list of built-in layer classes. Loading (class_name -> class), saving (each class's
// getConfig), the `layers.*` factories (checked against it by a test) and the training loop's
// built-in check all derive from it: adding a layer is its class file plus one line here.

import type { Layer, LayerClass } from './layer.js';
import { Dense } from './dense.js';
import { Activation, Dropout, Flatten, Reshape } from './simple.js';
import { InputLayer } from './input.js';
import { Conv2D } from './conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from './pooling.js';
import { BatchNormalization } from './normalization.js';

function registry(classes: readonly LayerClass[]): ReadonlyMap<string, LayerClass> {
  const byName = new Map<string, LayerClass>();
  for (const c of classes) {
    // Two classes under one name would make loading pick one silently.
    if (byName.has(c.className)) throw new Error(`layer registry: two classes are named '${c.className}'`);
    byName.set(c.className, c);
  }
  return byName;
}

/** Built-in layer classes by Keras class name. */
export const LAYER_CLASSES: ReadonlyMap<string, LayerClass> = registry([
  Dense, Flatten, Activation, Dropout, Reshape, InputLayer,
  Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization,
]);

/**
 * True for layers of the library's own classes (not subclasses): they never keep a reference to
 * their input after a call, so the training loop may reuse a batch's storage.
 */
export function isBuiltInLayer(layer: Layer): boolean {
  return LAYER_CLASSES.get(layer.className) === layer.constructor;
}
