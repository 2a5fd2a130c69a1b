// A titled grid of small heat-map tiles on one shared colour scale, with its colour bar: the layout
// behind the pictures of Dense units' weights, conv filters and feature maps.

import { textWidth } from './font.js';
import { COLORS, type Figure } from './figure.js';
import type { Box } from './axes.js';
import { COLOR_BAR_CAPTION, colorBarWidth, drawColorBar, type ColorScale } from './colorbar.js';

/** One tile: a label and one or more planes (rows x cols values each), drawn side by side. */
export interface Tile {
  readonly label: string;
  readonly planes: readonly ArrayLike<number>[];
}

/** A section of a picture: a title line, an optional note line, the tiles and the colour bar. */
export interface TileSection {
  readonly title: string;
  readonly note?: string;
  readonly tiles: readonly Tile[];
  /** Size of each plane. */
  readonly rows: number;
  readonly cols: number;
  readonly scale: ColorScale;
  /** Printed under the colour bar, e.g. `weight`. */
  readonly colorCaption: string;
  /** Tiles per row (default: as many as fit in about 800 pixels). */
  readonly gridCols?: number;
}

/** Where a drawn section put its tiles (one box per tile, in order) and its colour bar. */
export interface TileLayout {
  readonly tiles: Box[];
  readonly colorBar: Box;
  /** Pixels per value: each value is a cell x cell square. */
  readonly cell: number;
}

const GAP = 12; // between tiles
const PLANE_GAP = 3; // between the planes of one tile
const GRID_WIDTH = 800;
const BAR_W = 16;

interface Metrics {
  cell: number;
  tileW: number;
  tileH: number;
  labelScale: number;
  labelH: number;
  gridCols: number;
  gridRows: number;
  top: number;
  width: number;
  height: number;
  barH: number;
}

function measure(s: TileSection): Metrics {
  const cell = Math.min(28, Math.max(2, Math.floor(84 / Math.max(s.rows, s.cols))));
  const planes = Math.max(1, ...s.tiles.map((t) => t.planes.length));
  const tileW = planes * s.cols * cell + (planes - 1) * PLANE_GAP;
  const tileH = s.rows * cell;
  const labelScale = tileW >= 48 ? 2 : 1;
  const labelW = Math.max(0, ...s.tiles.map((t) => textWidth(t.label) * labelScale));
  const slotW = Math.max(tileW, labelW) + GAP;
  const labelH = 8 + 9 * labelScale;
  const gridCols = Math.max(1, Math.min(s.tiles.length, s.gridCols ?? Math.floor(GRID_WIDTH / slotW)));
  const gridRows = Math.max(1, Math.ceil(s.tiles.length / gridCols));
  const top = s.note ? 58 : 34;
  const gridH = gridRows * (tileH + labelH);
  const barH = Math.max(80, Math.min(gridH - 10, 300));
  const titleW = Math.max(textWidth(s.title), textWidth(s.note ?? '')) * 2;
  const width = Math.max(titleW, gridCols * slotW + 24 + colorBarWidth(s.scale, s.colorCaption, BAR_W)) + 8;
  const height = top + Math.max(gridH, barH + COLOR_BAR_CAPTION + 6) + 4;
  return { cell, tileW, tileH, labelScale, labelH, gridCols, gridRows, top, width, height, barH };
}

/** The pixel size a section needs. */
export function sectionSize(s: TileSection): { width: number; height: number } {
  const m = measure(s);
  return { width: m.width, height: m.height };
}

/** Draws a section with its top-left corner at (x, y). */
export function drawSection(fig: Figure, s: TileSection, x: number, y: number): TileLayout {
  const m = measure(s);
  fig.text(s.title, x, y + 8, COLORS.black, { scale: 2 });
  if (s.note) fig.text(s.note, x, y + 32, COLORS.grey, { scale: 2 });
  const labelW = Math.max(0, ...s.tiles.map((t) => textWidth(t.label) * m.labelScale));
  const slotW = Math.max(m.tileW, labelW) + GAP;
  const boxes: Box[] = [];
  s.tiles.forEach((tile, n) => {
    const tx = x + (n % m.gridCols) * slotW + Math.floor((slotW - GAP - m.tileW) / 2);
    const ty = y + m.top + Math.floor(n / m.gridCols) * (m.tileH + m.labelH);
    tile.planes.forEach((plane, p) => {
      const px = tx + p * (s.cols * m.cell + PLANE_GAP);
      fig.image(plane, s.rows, s.cols, px, ty, m.cell, (v) => s.scale.color(v));
      fig.strokeRect(px - 1, ty - 1, s.cols * m.cell + 2, m.tileH + 2, COLORS.frame);
    });
    fig.text(tile.label, tx + m.tileW / 2, ty + m.tileH + 5, COLORS.black, { align: 'center', scale: m.labelScale });
    boxes.push({ x: tx, y: ty, w: m.tileW, h: m.tileH });
  });
  const bar: Box = { x: x + m.gridCols * slotW + 24, y: y + m.top, w: BAR_W, h: m.barH };
  drawColorBar(fig, bar, s.scale, s.colorCaption);
  return { tiles: boxes, colorBar: bar, cell: m.cell };
}
