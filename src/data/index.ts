// The `data` namespace: your own data into tensors (CSV files, rows from a database, image folders)
// and splitting it for training.

export { loadCsv, loadCsvSync, parseCsv } from './csv.js';
export type { CsvOptions } from './csv.js';
export { fromRows } from './rows.js';
export type { TableOptions, TableInfo, TableData, LabeledTableData, ColumnRef, CategoryList } from './table.js';
export { loadImageFolder, loadImageFolderSync, decodeImage } from './image-folder.js';
export type { ImageFolderOptions, ImageFolderData } from './image-folder.js';
export type { PixelOptions, AlphaMode } from './image-decode.js';
export { trainTestSplit } from './split.js';
export type { SplitOptions } from './split.js';
