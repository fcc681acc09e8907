import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pHashFromPixels } from '../../../src/core/images/perceptualHash';

// pHashes are stored in manifests and compared across runs, so a faster implementation must give
// the same bits. These values were produced by the first (per-pixel) implementation.
function lcgNoise(length: number): Uint8Array {
  const data = new Uint8Array(length);
  let s = 1;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (s >> 16) & 255;
  }
  return data;
}

function gradient(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let k = 0; k < 3; k++) data[(y * width + x) * 3 + k] = (x * 7 + y * 3 + k * 50) & 255;
  return data;
}

test('pHash: the same bits as the per-pixel implementation (RGB, odd and tiny sizes, grey)', () => {
  const grad = gradient(300, 300);
  assert.equal(pHashFromPixels(lcgNoise(300 * 300 * 3), 300, 300, 3), 'f761c119f009e35e');
  assert.equal(pHashFromPixels(grad, 300, 300, 3), 'ff005f007f007f55');
  // Smaller than 32×32: empty cells are filled from their neighbours.
  assert.equal(pHashFromPixels(grad.subarray(0, 17 * 13 * 3), 17, 13, 3), 'fd9bc2f98e838890');
  assert.equal(pHashFromPixels(grad.subarray(0, 40 * 50), 40, 50, 1), 'd52ec290513eef8a');
});

test('pHash: 4 channels read as RGB (alpha ignored), and an odd width uses every column', () => {
  const rgb = gradient(301, 299);
  const rgba = new Uint8Array(301 * 299 * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) rgba.set([rgb[i]!, rgb[i + 1]!, rgb[i + 2]!, (i * 31) & 255], j);
  assert.equal(pHashFromPixels(rgba, 301, 299, 4), pHashFromPixels(rgb, 301, 299, 3));
  // Changing only the last column moves its cells' averages: the hash must see it.
  const changed = Uint8Array.from(rgb);
  for (let y = 0; y < 299; y++) for (let x = 290; x < 301; x++) changed.fill(255, (y * 301 + x) * 3, (y * 301 + x + 1) * 3);
  assert.notEqual(pHashFromPixels(changed, 301, 299, 3), pHashFromPixels(rgb, 301, 299, 3));
});
