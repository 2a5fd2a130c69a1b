// The public `viz` namespace: pictures of data, predictions and training, drawn in plain Node
// (PNG through pngjs, or SVG) with a built-in bitmap font, so no browser or system fonts are needed.

export type { ArrayInput, NestedNumbers, TensorLike } from './input.js';
export type { Picture, SaveOptions } from './figure.js';
export { displayPrediction, predictionGrid } from './prediction.js';
export type { GridOptions, PredictionPicture } from './prediction.js';
export { plotHistory } from './history.js';
export type { HistoryOptions } from './history.js';
export { confusionMatrix, plotConfusionMatrix } from './confusion.js';
export type { ConfusionOptions } from './confusion.js';
export { report } from './report.js';
export type { ReportOptions } from './report.js';

// Inside the network: weights, activations, saliency, confusions.
export { plotDenseWeights, plotConvFilters } from './weights.js';
export type { WeightsOptions, DenseWeightsOptions, WeightsPicture } from './weights.js';
export { layerOutputs, plotActivations, plotFeatureMaps } from './activations.js';
export type { ActivationsOptions, ActivationsPicture, FeatureMapsOptions } from './activations.js';
export type { LayerOutput } from './model-input.js';
export { saliency } from './saliency.js';
export type { SaliencyOptions, SaliencyOutput } from './saliency.js';
export { plotSaliency } from './saliency-plot.js';
export type { SaliencyPlotOptions, SaliencyPicture, Explanation } from './saliency-plot.js';
export { mostConfused, plotMostConfused } from './confused.js';
export type { ConfusedPair, MostConfusedOptions } from './confused.js';
export { saveImage } from './save-image.js';
export type { SaveImageOptions } from './save-image.js';
