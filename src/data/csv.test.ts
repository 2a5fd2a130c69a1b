// data.loadCsv / loadCsvSync / parseCsv on real files in a temp dir: quoting, CRLF, BOM, header or
// not, label by name or index, categories, missing cells, and every malformed case named by row and column.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, ArgumentError, FormatError, type Tensor } from '../index.js';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nerva-csv-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

let fileNo = 0;
function file(text: string | Buffer): string {
  const p = join(tmp, `f${fileNo++}.csv`);
  writeFileSync(p, text);
  return p;
}

const arr = (t: Tensor | null): unknown => t?.toArray();

/** Asserts that both loaders (async and sync) reject the file with an error of `cls` matching every pattern. */
async function rejectsBoth(path: string, opts: data.CsvOptions, cls: typeof FormatError | typeof ArgumentError, ...patterns: RegExp[]): Promise<void> {
  const check = (e: unknown): boolean => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  };
  await assert.rejects(data.loadCsv(path, opts), check);
  assert.throws(() => data.loadCsvSync(path, opts), check);
}

describe('loadCsv reads good files', () => {
  test('header, label by name: x float32 [rows, features], integer labels int32', async () => {
    const p = file('a,b,label\n1,2,0\n3.5,-4e-1,1\n');
    for (const [x, y, info] of [await data.loadCsv(p, { label: 'label' }), data.loadCsvSync(p, { label: 'label' })]) {
      assert.equal(x.dtype, 'float32');
      assert.deepEqual(x.shape, [2, 2]);
      assert.deepEqual(arr(x), [[1, 2], [3.5, Math.fround(-0.4)]]);
      assert.equal(y.dtype, 'int32');
      assert.deepEqual(arr(y), [0, 1]);
      assert.deepEqual(info, { featureNames: ['a', 'b'], labelName: 'label', categories: {} });
    }
  });

  test('a fractional label makes y float32; label by index; no label gives y null', async () => {
    const p = file('x,y\n1,0.5\n2,1\n');
    const [, y] = await data.loadCsv(p, { label: 1 });
    assert.equal(y.dtype, 'float32');
    assert.deepEqual(arr(y), [0.5, 1]);
    const [x2, y2, info] = await data.loadCsv(p);
    assert.equal(y2, null);
    assert.deepEqual(x2.shape, [2, 2]);
    assert.equal(info.labelName, null);
  });

  test('quoted fields (delimiters, quotes and a line break inside), CRLF, BOM, blank and trailing lines', async () => {
    const p = file('\ufeff"size, cm","say ""hi""",label\r\n"15",2,0\r\n\r\n" 3 ","4\n",1\r\n5,6,0\r\n\r\n');
    const [x, y, info] = await data.loadCsv(p, { label: 'label' });
    assert.deepEqual(info.featureNames, ['size, cm', 'say "hi"']);
    assert.deepEqual(arr(x), [[15, 2], [3, 4], [5, 6]]);
    assert.deepEqual(arr(y), [0, 1, 0]);
    // The BOM is not part of the first name, so label by that name works.
    const [, y2] = data.parseCsv('\ufeffc,d\n1,2\n', { label: 'c' });
    assert.deepEqual(arr(y2), [1]);
  });

  test('no header: columns by 0-based index, names are the indices', async () => {
    const p = file('1,2,3\n4,5,6\n');
    const [x, y, info] = await data.loadCsv(p, { header: false, label: 0 });
    assert.deepEqual(arr(x), [[2, 3], [5, 6]]);
    assert.deepEqual(arr(y), [1, 4]);
    assert.deepEqual(info.featureNames, ['1', '2']);
    await rejectsBoth(p, { header: false, label: 'a' }, ArgumentError, /no column names \(header: false\).*index/);
  });

  test('columns picks and orders features; delimiter ; and tab', async () => {
    const [x, , info] = data.parseCsv('a;b;c;y\n1;2;3;0\n', { delimiter: ';', label: 'y', columns: ['c', 0] });
    assert.deepEqual(arr(x), [[3, 1]]);
    assert.deepEqual(info.featureNames, ['c', 'a']);
    const [xt] = data.parseCsv('a\tb\n1\t2\n', { delimiter: '\t' });
    assert.deepEqual(arr(xt), [[1, 2]]);
  });

  test('categories: auto sorts the values; a list fixes the order; oneHot expands a feature', async () => {
    const p = file('petal,color,species\n1.4,red,setosa\n4.7,blue,versicolor\n5.9,red,virginica\n1.3,green,setosa\n');
    const [x, y, info] = await data.loadCsv(p, { label: 'species', categories: { species: 'auto' }, oneHot: ['color'] });
    assert.deepEqual(info.categories, { species: ['setosa', 'versicolor', 'virginica'], color: ['blue', 'green', 'red'] });
    assert.deepEqual(info.featureNames, ['petal', 'color_blue', 'color_green', 'color_red']);
    assert.equal(y.dtype, 'int32');
    assert.deepEqual(arr(y), [0, 1, 2, 0]);
    assert.deepEqual(arr(x), [[Math.fround(1.4), 0, 0, 1], [Math.fround(4.7), 1, 0, 0], [Math.fround(5.9), 0, 0, 1], [Math.fround(1.3), 0, 1, 0]]);
    // An explicit list: that order, and a feature mapped to indices (no oneHot) stays one column.
    const [x2, y2, info2] = await data.loadCsv(p, {
      label: 'species', categories: { species: ['virginica', 'versicolor', 'setosa'], color: ['red', 'green', 'blue'] },
    });
    assert.deepEqual(arr(y2), [2, 1, 0, 2]);
    assert.deepEqual(arr(x2), [[Math.fround(1.4), 0], [Math.fround(4.7), 2], [Math.fround(5.9), 0], [Math.fround(1.3), 1]]);
    assert.deepEqual(info2.categories.species, ['virginica', 'versicolor', 'setosa']);
  });

  test('fillNa fills missing numeric cells (empty, NA, NaN, ?)', async () => {
    const p = file('a,b,y\n1,,0\nNA,2,1\nNaN,?,0\n');
    const [x] = await data.loadCsv(p, { label: 'y', fillNa: -1 });
    assert.deepEqual(arr(x), [[1, -1], [-1, 2], [-1, -1]]);
  });

  test('a large file streams through', async () => {
    const lines = ['f0,f1,f2,y'];
    for (let i = 0; i < 20000; i++) lines.push(`${i},${i * 0.5},${-i},${i % 3}`);
    const p = file(lines.join('\n'));
    const [x, y] = await data.loadCsv(p, { label: 'y' });
    assert.deepEqual(x.shape, [20000, 3]);
    assert.deepEqual(Array.from(x.values.subarray(3 * 19999)), [19999, 9999.5, -19999]);
    assert.equal(y.values[19999], 19999 % 3);
  });
});

describe('loadCsv refuses bad files with row and column named', () => {
  test('a non-numeric cell: row is the file line, column by name; a typo-like cell says so', async () => {
    const p = file('a,b,y\n1,2,0\n3,x4,1\n');
    await rejectsBoth(p, { label: 'y' }, FormatError, /row 3, column "b": "x4" is not a number/, /numbers above this row: a bad cell/, /f\d+\.csv/);
  });

  test('the row counts blank lines and line breaks inside quotes, as an editor shows lines', async () => {
    const p = file('a,y\n1,0\n\n"2",1\n"3\n",0\nbad,1\n');
    await rejectsBoth(p, { label: 'y' }, FormatError, /row 7, column "a": "bad"/);
    const q = file('a,y\n1,0\n"x\ny",1\n');
    await rejectsBoth(q, { label: 'y' }, FormatError, /row 3 \(lines 3-4\), column "a"/);
  });

  test('a text column without a mapping gets the categories hint', async () => {
    const p = file('size,color,y\n1,red,0\n2,blue,1\n');
    await rejectsBoth(p, { label: 'y' }, FormatError, /row 2, column "color": "red" is not a number/, /categories: \{ color: 'auto' \}/, /oneHot: \["color"\]/);
    const q = file('size,species\n1,setosa\n');
    await rejectsBoth(q, { label: 'species' }, FormatError, /row 2, column "species".*class name, map the label: categories: \{ species: 'auto' \}/);
  });

  test('a value outside a given category list is named with the list', async () => {
    await assert.rejects(data.loadCsv(file('c,y\nred,0\npink,1\n'), { label: 'y', categories: { c: ['red', 'blue'] } }),
      /row 3, column "c": "pink" is not one of its categories \("red", "blue"\)/);
  });

  test('a missing cell is refused unless fillNa; a missing label always', async () => {
    const p = file('a,b,y\n1,2,0\n3,,1\n');
    await rejectsBoth(p, { label: 'y' }, FormatError, /row 3, column "b": missing value \(""\); pass fillNa/);
    const q = file('a,y\n1,0\n2,NA\n');
    await rejectsBoth(q, { label: 'y', fillNa: 0 }, FormatError, /row 3, column "y": missing label/);
  });

  test('a ragged row names its line and the header width', async () => {
    const p = file('a,b,y\n1,2,0\n3,4\n');
    await rejectsBoth(p, { label: 'y' }, FormatError, /row 3 has 2 fields, but the header \(row 1\) has 3/);
    const q = file('a,b,y\n1,2,0\n3,4,5,6\n');
    await rejectsBoth(q, { label: 'y' }, FormatError, /row 3 has 4 fields.*quote that field/);
  });

  test('empty file, blank-only file, header-only file', async () => {
    await rejectsBoth(file(''), {}, FormatError, /empty \(0 bytes\)/);
    await rejectsBoth(file('\n\r\n\n'), {}, FormatError, /no rows: the file is empty or holds only blank lines/);
    await rejectsBoth(file('a,b,y\n'), { label: 'y' }, FormatError, /has a header \(row 1\) but no data rows/);
    assert.throws(() => data.parseCsv(''), FormatError);
  });

  test('malformed quoting is a FormatError naming the file', async () => {
    const p = file('a,y\n1,"0\n');
    await rejectsBoth(p, { label: 'y' }, FormatError, /loadCsv(Sync)? ".*f\d+\.csv": malformed CSV: Quote Not Closed/);
  });

  test('a ;-separated file read with the default delimiter gets a hint', async () => {
    await rejectsBoth(file('a;b;y\n1;2;0\n'), { label: 'y' }, FormatError, /looks ";"-separated: pass delimiter: ";"/);
  });

  test('missing file and directory', async () => {
    await rejectsBoth(join(tmp, 'nope.csv'), {}, FormatError, /file not found: ".*nope\.csv"/);
    const d = join(tmp, 'dir.csv');
    mkdirSync(d);
    await rejectsBoth(d, {}, FormatError, /is a directory/);
  });
});

describe('loadCsv options are checked', () => {
  const p = (): string => file('a,b,y\n1,2,0\n');
  test('unknown column names suggest a near match and list the columns', async () => {
    await rejectsBoth(p(), { label: 'Y' }, ArgumentError, /no column "Y" \(label\) \(did you mean "y"\?\); the columns are "a", "b", "y"/);
    await rejectsBoth(p(), { label: 7 }, ArgumentError, /label index 7 is out of range: there are 3 columns/);
  });
  test('unknown option keys, bad delimiter, label among columns, oneHot on the label', async () => {
    await rejectsBoth(p(), { labels: 'y' } as data.CsvOptions, ArgumentError, /unknown option "labels"/);
    await rejectsBoth(p(), { delimiter: ';;' }, ArgumentError, /delimiter must be one character/);
    await rejectsBoth(p(), { label: 'y', columns: ['a', 'y'] }, ArgumentError, /label column "y" is also in columns/);
    await rejectsBoth(p(), { label: 'y', oneHot: ['y'] }, ArgumentError, /oneHot names column "y", which is the label.*toCategorical/);
    await rejectsBoth(p(), { label: 'y', categories: { q: 'auto' } }, ArgumentError, /no column "q" \(categories key\)/);
  });
  test("an unnamed column (pandas' index) must be left out with columns", async () => {
    const q = file(',a,y\n0,5,1\n1,6,0\n');
    await rejectsBoth(q, { label: 'y' }, FormatError, /column index 0 has no name in the header \(row 1\); pandas' to_csv\(\)/);
    const [x] = await data.loadCsv(q, { label: 'y', columns: ['a'] });
    assert.deepEqual(arr(x), [[5], [6]]);
  });
  test('a duplicated header name must be chosen by index', async () => {
    const q = file('a,a,y\n1,2,0\n');
    await rejectsBoth(q, { label: 'y', columns: ['a'] }, ArgumentError, /"a" is ambiguous: columns 0 and 1/);
    const [x] = data.loadCsvSync(q, { label: 'y', columns: [1] });
    assert.deepEqual(arr(x), [[2]]);
  });
});
