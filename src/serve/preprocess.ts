// MNIST-style preprocessing of a drawing, as JavaScript source that the page embeds and tests
// evaluate: the exact code the browser runs. MNIST digits were made by scaling each digit into a
// 20x20 box (keeping its aspect ratio, anti-aliased) and centring it by its centre of mass in a
// 28x28 field; a hand-drawn digit is recognised only if it is prepared the same way.
//
// Centring target: on MNIST's training images the mean centre of mass, in pixel-index coordinates
// (pixel i spans [i, i+1), weights at i), is (14.00, 14.00) (measured over 10,000 images; the
// largest side of every digit's bounding box is 20 pixels). The code below puts the drawing's
// centre of mass there, with sub-pixel precision.
//
// Anti-aliasing: each output pixel is the average of the drawing over the square it covers (a box
// filter with fractional coverage), computed separably: rows first, then columns.

/** The source of `function mnistPreprocess(ink, width, height)`; see the comments inside. */
export const PREPROCESS_JS = String.raw`
/**
 * ink: row-major ink intensities 0..1 (0 = background), width x height.
 * Returns a Float32Array of 28*28 values in 0..1, or null when nothing is drawn.
 */
function mnistPreprocess(ink, width, height) {
  var SIDE = 28, BOX = 20, TARGET = 14;
  // Faint anti-aliasing fringes do not count towards the bounding box.
  var THRESHOLD = 0.1;
  var minX = width, minY = height, maxX = -1, maxY = -1;
  var mass = 0, mx = 0, my = 0;
  for (var y = 0; y < height; y++) {
    for (var x = 0; x < width; x++) {
      var v = ink[y * width + x];
      if (v <= 0) continue;
      mass += v;
      mx += v * x;
      my += v * y;
      if (v >= THRESHOLD) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  if (maxX < 0 || mass === 0) return null;
  var scale = BOX / Math.max(maxX - minX + 1, maxY - minY + 1);
  // Output coordinate = scale * input coordinate + offset, chosen so that the centre of mass lands
  // on TARGET in pixel-index coordinates (a pixel's weight sits at its index, in both images).
  var offX = TARGET + 0.5 - scale * (mx / mass + 0.5);
  var offY = TARGET + 0.5 - scale * (my / mass + 0.5);

  // weights[o] lists, for output index o, the input indices it covers and the covered fraction
  // (in output pixels): input pixel i spans [i, i+1), output pixel o spans [(o-off)/scale, (o+1-off)/scale).
  function coverage(n, off) {
    var lists = [];
    for (var o = 0; o < SIDE; o++) {
      var a = (o - off) / scale, b = (o + 1 - off) / scale;
      var from = Math.max(0, Math.floor(a)), to = Math.min(n, Math.ceil(b));
      var idx = [], w = [];
      for (var i = from; i < to; i++) {
        var overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 0) { idx.push(i); w.push(overlap * scale); }
      }
      lists.push({ idx: idx, w: w });
    }
    return lists;
  }
  var cx = coverage(width, offX), cy = coverage(height, offY);

  // Rows first: tmp[y][ox] = sum over x of ink[y][x] * coverage; only rows that some output covers.
  var tmp = new Float64Array(height * SIDE);
  var rowNeeded = new Uint8Array(height);
  for (var oy = 0; oy < SIDE; oy++) for (var k = 0; k < cy[oy].idx.length; k++) rowNeeded[cy[oy].idx[k]] = 1;
  for (var y2 = 0; y2 < height; y2++) {
    if (!rowNeeded[y2]) continue;
    for (var ox = 0; ox < SIDE; ox++) {
      var s = 0, cxo = cx[ox];
      for (var k2 = 0; k2 < cxo.idx.length; k2++) s += ink[y2 * width + cxo.idx[k2]] * cxo.w[k2];
      tmp[y2 * SIDE + ox] = s;
    }
  }
  var out = new Float32Array(SIDE * SIDE);
  for (var oy2 = 0; oy2 < SIDE; oy2++) {
    var cyo = cy[oy2];
    for (var ox2 = 0; ox2 < SIDE; ox2++) {
      var t = 0;
      for (var k3 = 0; k3 < cyo.idx.length; k3++) t += tmp[cyo.idx[k3] * SIDE + ox2] * cyo.w[k3];
      out[oy2 * SIDE + ox2] = t > 1 ? 1 : t;
    }
  }
  return out;
}
`;

type Preprocess = (ink: ArrayLike<number>, width: number, height: number) => Float32Array | null;

/** The page's preprocessing as a function in this process (for tests and tools). */
export function loadPreprocess(): Preprocess {
  // The source is a constant of this module, not input: evaluating it is the point (one code for
  // the page and its tests).
  return new Function(`${PREPROCESS_JS}\nreturn mnistPreprocess;`)() as Preprocess;
}
