// The public `viz` namespace: pictures of data, predictions and training, drawn in plain Node
// (PNG through pngjs, or SVG) with a built-in bitmap font, so no browser or system fonts are needed.

export type { ArrayInput, NestedNumbers, TensorLike } from './input.js';
export type { Picture, SaveOptions } from './figure.js';
export { displayPrediction, predictionGrid, PREDICTION_LAYOUT } from './prediction.js';
export type { GridOptions, PredictionPicture } from './prediction.js';
export { plotHistory } from './history.js';
export type { HistoryOptions } from './history.js';
export { confusionMatrix, plotConfusionMatrix } from './confusion.js';
export type { ConfusionOptions } from './confusion.js';
export { report } from './report.js';
export type { ReportOptions } from './report.js';
export { decodePng } from './png.js';
