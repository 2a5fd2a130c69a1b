// What the TF.js fixture scripts (make-tfjs-fixtures.mjs, make-tfjs-conv-fixtures.mjs) share: where
// the fixtures go, tensors as JSON, and saving a model's model.json and weights.bin as TF.js does.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** src/io/fixtures: each fixture is a folder in it. */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'io', 'fixtures');

/** model.json as TF.js's io_utils getModelJSONForModelArtifacts builds it (not exported by tfjs 4.22). */
export function modelJson(a, weightsManifest) {
  const out = {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy,
    weightsManifest,
  };
  if (a.userDefinedMetadata != null) out.userDefinedMetadata = a.userDefinedMetadata;
  if (a.trainingConfig != null) out.trainingConfig = a.trainingConfig;
  return out;
}

/** A tensor as `{shape, dtype, values}`. */
export function tensorJson(t) {
  return { shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) };
}

/** Saves `model` into `dir` (which must exist) as model.json + weights.bin, the files TF.js writes. */
export async function saveModel(dir, model, { includeOptimizer = false } = {}) {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }];
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson(artifacts, manifest)));
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer },
  );
}
