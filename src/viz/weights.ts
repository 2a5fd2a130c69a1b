// Pictures of what a layer's units look for: each hidden unit of a Dense layer drawn as an image of
// its incoming weights, and each filter of a conv layer as a small image, on one diverging scale.

import type { Layer } from '../layers/layer.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { maxAbs } from './colorbar.js';
import { diverging, Figure, savePicture, type Picture, type SaveOptions } from './figure.js';
import { describeLayer, layerWeight } from './model-input.js';
import { drawSection, sectionSize, type Tile, type TileLayout } from './tiles.js';

/** Options shared by the weight pictures. */
export interface WeightsOptions extends SaveOptions {
  /** Most tiles to draw (default 64). */
  readonly max?: number;
  /** 'norm' (default): largest weight norm first; 'index': in unit order. */
  readonly sort?: 'norm' | 'index';
  /** Tiles per row (default: as many as fit in about 800 pixels). */
  readonly cols?: number;
  /** The heading (default: says which layer and what the tiles show). */
  readonly title?: string;
}

/** Options of plotDenseWeights. */
export interface DenseWeightsOptions extends WeightsOptions {
  /** How the layer's inputs lie as an image, [h, w] or [h, w, channels] (default: square, if the input count is one). */
  readonly inputShape?: readonly number[];
}

/** A weights picture, with what it shows. */
export interface WeightsPicture extends Picture {
  /** The unit (or filter) index of each tile, in drawing order. */
  readonly units: number[];
  /** The L2 norm of each drawn unit's weights, in drawing order. */
  readonly norms: number[];
  /** The shared colour scale runs from -scale (dark blue) through 0 to +scale (dark red). */
  readonly scale: number;
  /** @internal Where each tile and the colour bar were drawn (tests find pixels by it). */
  readonly layout: TileLayout;
}

const MAX_CHANNELS = 8;

function checkLayer(layer: Layer, className: string, who: string, hint: string): void {
  if (!layer || typeof layer !== 'object' || typeof (layer as Layer).className !== 'string') {
    throw new ArgumentError(`${who}: expected a ${className} layer, got ${layer === null ? 'null' : typeof layer}`);
  }
  if (layer.className !== className) {
    throw new ArgumentError(`${who}: layer "${layer.name}" is a ${layer.className}, not a ${className} layer${hint}`);
  }
}

function checkOptions(o: WeightsOptions, who: string): number {
  const max = o.max ?? 64;
  if (!Number.isInteger(max) || max < 1) throw new ArgumentError(`${who}: max must be a positive integer, got ${max}`);
  if (o.sort !== undefined && o.sort !== 'norm' && o.sort !== 'index') {
    throw new ArgumentError(`${who}: sort must be 'norm' or 'index', got ${JSON.stringify(o.sort)}`);
  }
  return max;
}

/**
 * Unit u's weights from a kernel whose last axis is the units (row-major, `units` wide), split into
 * `channels` planes of `size` values each: input i = pixel * channels + channel, as Flatten lays out
 * an [h, w, channels] image (and as a conv kernel [kh, kw, in, out] lies).
 */
function unitPlanes(kernel: ArrayLike<number>, units: number, u: number, size: number, channels: number): Float64Array[] {
  return Array.from({ length: channels }, (_, c) => {
    const plane = new Float64Array(size);
    for (let p = 0; p < size; p++) plane[p] = kernel[(p * channels + c) * units + u];
    return plane;
  });
}

/** Draws the tiles of `units` units (sorted, cut to max) on a symmetric diverging scale. */
function weightTiles(
  kernel: ArrayLike<number>,
  units: number,
  [rows, cols, channels]: readonly [number, number, number],
  title: string,
  note: string,
  label: (u: number) => string,
  o: WeightsOptions,
  who: string,
  maxPlanes = channels,
): WeightsPicture {
  const max = checkOptions(o, who);
  const norms = Array.from({ length: units }, (_, u) => {
    let s = 0;
    for (let i = 0; i < rows * cols * channels; i++) s += kernel[i * units + u] ** 2;
    return Math.sqrt(s);
  });
  const order = Array.from({ length: units }, (_, u) => u);
  if ((o.sort ?? 'norm') === 'norm') order.sort((a, b) => norms[b] - norms[a] || a - b);
  const shown = order.slice(0, max);
  const tiles: Tile[] = shown.map((u) => ({ label: label(u), planes: unitPlanes(kernel, units, u, rows * cols, channels).slice(0, maxPlanes) }));
  const scale = maxAbs(tiles.flatMap((t) => t.planes.flatMap((p) => Array.from(p))));

  const section = {
    title: o.title ?? title,
    note,
    tiles,
    rows,
    cols,
    scale: { lo: -scale, hi: scale, color: (v: number) => diverging(v / scale) },
    colorCaption: 'weight',
    gridCols: o.cols,
  };
  const size = sectionSize(section);
  const fig = new Figure(size.width + 24, size.height + 24);
  const layout = drawSection(fig, section, 16, 14);
  const picture = fig.finish();
  savePicture(picture, o, who);
  return { ...picture, units: shown, norms: shown.map((u) => norms[u]), scale, layout };
}

/**
 * Draws each unit of a Dense layer as an image of its incoming weights (kernel [inputs, units]):
 * for the first hidden layer of an MNIST model, a 28x28 picture per unit of which pixels push it up
 * (red) or down (blue). One diverging scale centred on zero for all tiles, shown by the colour bar;
 * units sorted by weight norm, largest first. Tiles are labelled `#unit`.
 * @example
 * const model = new Sequential([layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 128, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })]);
 * viz.plotDenseWeights(model.layers[1], { inputShape: [28, 28], max: 64, file: 'out/weights.png' });
 */
export function plotDenseWeights(layer: Layer, options: DenseWeightsOptions = {}): WeightsPicture {
  const who = 'viz.plotDenseWeights';
  checkLayer(layer, 'Dense', who, layer?.className === 'Conv2D' ? ' (use viz.plotConvFilters for a Conv2D layer)' : '');
  const kernel = layerWeight(layer, 'kernel');
  if (!kernel) throw new ArgumentError(`${who}: Dense "${layer.name}" is not built yet (no kernel); build or fit the model first`);
  const [inputs, units] = kernel.shape;
  let shape = options.inputShape;
  if (shape === undefined) {
    const side = Math.round(Math.sqrt(inputs));
    if (side * side !== inputs) {
      throw new ArgumentError(`${who}: Dense "${layer.name}" has ${inputs} inputs, not a square image; pass inputShape (e.g. [${inputs}, 1] or [h, w])`);
    }
    shape = [side, side];
  }
  if (!Array.isArray(shape) || (shape.length !== 2 && shape.length !== 3) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ArgumentError(`${who}: inputShape must be [h, w] or [h, w, channels] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== inputs) {
    throw new ShapeError(`${who}: inputShape ${fmtShape(shape)} has ${count} values but Dense "${layer.name}" has ${inputs} inputs (kernel ${fmtShape(kernel.shape)})`);
  }
  const image: [number, number, number] = [shape[0], shape[1], shape[2] ?? 1];
  const max = Math.min(units, options.max ?? 64);
  const sorted = (options.sort ?? 'norm') === 'norm';
  const note = `${max} of ${units} units${sorted ? ', largest weight norm first' : ''}; red raises the unit, blue lowers it`;
  return weightTiles(kernel.value.values, units, image, `${describeLayer(layer)}: incoming weights per unit`, note, (u) => `#${u}`, options, who);
}

/**
 * Draws each filter of a Conv2D layer (kernel [kh, kw, in, out]) as a small kh x kw image per input
 * channel, on one diverging scale centred on zero, sorted by weight norm. Tiles are labelled `#filter`.
 * @example viz.plotConvFilters(cnn.layers[0], { file: 'out/filters.png' }); // cnn: a model whose first layer is a Conv2D
 */
export function plotConvFilters(layer: Layer, options: WeightsOptions = {}): WeightsPicture {
  const who = 'viz.plotConvFilters';
  checkLayer(layer, 'Conv2D', who, layer?.className === 'Dense' ? ' (use viz.plotDenseWeights for a Dense layer)' : '');
  const kernel = layerWeight(layer, 'kernel');
  if (!kernel) throw new ArgumentError(`${who}: Conv2D "${layer.name}" is not built yet (no kernel); build or fit the model first`);
  if (kernel.shape.length !== 4) {
    throw new ShapeError(`${who}: Conv2D "${layer.name}": expected a kernel [kh, kw, in, out], got ${fmtShape(kernel.shape)}`);
  }
  const [kh, kw, inC, outC] = kernel.shape;
  const max = Math.min(outC, options.max ?? 64);
  const sorted = (options.sort ?? 'norm') === 'norm';
  // A deeper conv layer has many input channels: a tile shows the first few, side by side.
  const planes = Math.min(inC, MAX_CHANNELS);
  const channels = inC === 1 ? '' : planes < inC ? `, input channels 0-${planes - 1} of ${inC}` : `, ${inC} input channels`;
  const note = `${max} of ${outC} filters, ${kh}x${kw}${channels}${sorted ? ', largest norm first' : ''}`;
  return weightTiles(kernel.value.values, outC, [kh, kw, inC], `${describeLayer(layer)}: filters`, note, (u) => `#${u}`, options, who, planes);
}
