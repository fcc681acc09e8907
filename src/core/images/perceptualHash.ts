// A 64-bit perceptual hash (pHash): average the image down to 32×32 grey cells, take the 2-D DCT,
// and keep one bit per coefficient of the 8×8 lowest frequencies (above or below their median).
// Re-encoding at another JPEG quality or a mild resize moves only a few bits, so a Hamming distance
// ≤ ~4 flags near-duplicates while unrelated images sit around 32. (A dHash of 9×8 cells was tried
// first: on flat areas its neighbour comparisons flip with compression noise, up to 10 bits.)
// It is computed in JS from the decoded tile that is encoded anyway, so hashing costs no second
// decode (a separate sharp pass cost ~60% of an encode; see bench/prepare.bench.ts).

/** The hash as 16 lowercase hex digits (stable, JSON-friendly). */
export type PHash = string;

const N = 32;
const K = 8;
/** cos((2x + 1) u π / 2N) for u < K, x < N. */
const COS = (() => {
  const t = new Float64Array(K * N);
  for (let u = 0; u < K; u++) for (let x = 0; x < N; x++) t[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return t;
})();

/** Perceptual hash of 8-bit interleaved pixels (3+ channels read as RGB; 1–2 as grey). */
export function pHashFromPixels(data: Uint8Array, width: number, height: number, channels: number): PHash {
  const sums = new Float64Array(N * N);
  const counts = new Uint32Array(N * N);
  // Column x belongs to cell floor(x·N / width): each cell is a run of columns [colStart[c], colStart[c + 1]).
  // Summing a run in a local variable keeps the per-pixel work to loads and adds (this loop is the
  // hash's whole cost, and it runs on the main thread once per image).
  const colStart = new Uint32Array(N + 1);
  for (let c = 0, x = 0; c <= N; c++) {
    while (x < width && Math.min(N - 1, Math.floor((x * N) / width)) < c) x++;
    colStart[c] = c === N ? width : x;
  }
  const grey3 = channels >= 3;
  for (let y = 0; y < height; y++) {
    const rowBase = Math.min(N - 1, Math.floor((y * N) / height)) * N;
    const rowOffset = y * width * channels;
    for (let cx = 0; cx < N; cx++) {
      const x0 = colStart[cx]!;
      const x1 = colStart[cx + 1]!;
      if (x1 <= x0) continue;
      // Integer channel sums, weighted once per run (grey is linear in R, G and B).
      let r = 0;
      let g = 0;
      let b = 0;
      let o = rowOffset + x0 * channels;
      if (grey3) {
        for (let x = x0; x < x1; x++, o += channels) {
          r += data[o]!;
          g += data[o + 1]!;
          b += data[o + 2]!;
        }
      } else for (let x = x0; x < x1; x++, o += channels) r += data[o]!;
      const sum = grey3 ? 0.299 * r + 0.587 * g + 0.114 * b : r;
      sums[rowBase + cx] = sums[rowBase + cx]! + sum;
      counts[rowBase + cx] = counts[rowBase + cx]! + (x1 - x0);
    }
  }
  // Images smaller than 32 px on an edge leave empty cells: copy the nearest filled neighbour row/column.
  const grey = new Float64Array(N * N);
  for (let cy = 0; cy < N; cy++) {
    for (let cx = 0; cx < N; cx++) {
      const sy = Math.min(cy, Math.max(0, Math.floor(((Math.floor((cy * height) / N) + 0.5) * N) / height)));
      const sx = Math.min(cx, Math.max(0, Math.floor(((Math.floor((cx * width) / N) + 0.5) * N) / width)));
      const c = counts[cy * N + cx] ? cy * N + cx : sy * N + sx;
      grey[cy * N + cx] = counts[c] ? sums[c]! / counts[c]! : 0;
    }
  }
  // Separable DCT-II, only the K lowest frequencies in each direction.
  const rows = new Float64Array(N * K);
  for (let y = 0; y < N; y++) for (let u = 0; u < K; u++) {
    let s = 0;
    for (let x = 0; x < N; x++) s += grey[y * N + x]! * COS[u * N + x]!;
    rows[y * K + u] = s;
  }
  const coeffs = new Float64Array(K * K);
  for (let v = 0; v < K; v++) for (let u = 0; u < K; u++) {
    let s = 0;
    for (let y = 0; y < N; y++) s += rows[y * K + u]! * COS[v * N + y]!;
    coeffs[v * K + u] = s;
  }
  // Median of the AC coefficients (the DC term only measures overall brightness).
  const ac = Array.from(coeffs.subarray(1)).sort((a, b) => a - b);
  const median = (ac[31]! + ac[32]!) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    const bit = coeffs[i]! > median ? 1 : 0;
    if (i < 32) hi = (hi << 1) | bit;
    else lo = (lo << 1) | bit;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hammingDistance(a: PHash, b: PHash): number {
  const ah = parseInt(a.slice(0, 8), 16);
  const al = parseInt(a.slice(8), 16);
  const bh = parseInt(b.slice(0, 8), 16);
  const bl = parseInt(b.slice(8), 16);
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}

/** Split a hash into (threshold + 1) bands: two hashes within `threshold` bits share at least one band exactly. */
export function hashBands(hash: PHash, threshold: number): string[] {
  const bits = BigInt('0x' + hash).toString(2).padStart(64, '0');
  const n = threshold + 1;
  const out: string[] = [];
  for (let b = 0; b < n; b++) {
    const start = Math.floor((b * 64) / n);
    const end = Math.floor(((b + 1) * 64) / n);
    out.push(`${b}:${bits.slice(start, end)}`);
  }
  return out;
}
