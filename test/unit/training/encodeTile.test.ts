import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { encodeTile, ImageRejectedError, readImageHeader, tileSize, toDataUrl } from '../../../src/core/images/encodeTile';
import { texturedJpeg } from './trainingFixtures';
import { png16, tiff16 } from '../../fixtures/generateProblemDataset';

async function pixelAt(bytes: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return [...data.subarray(o, o + info.channels)];
}

const near = (a: number[], b: number[], tol = 12) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);

test('default: 600×600 JPEG → 300×300 JPEG at quality 90, as a data URL', async () => {
  const tile = await encodeTile(await texturedJpeg(600, 600, 1));
  assert.equal(tile.width, 300);
  assert.equal(tile.height, 300);
  assert.equal(tile.mimeType, 'image/jpeg');
  const meta = await sharp(tile.bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['jpeg', 300, 300, 3]);
  const url = toDataUrl(tile);
  assert.ok(url.startsWith('data:image/jpeg;base64,/9j/'));
  assert.deepEqual(Buffer.from(url.split(',')[1]!, 'base64'), tile.bytes);
});

test('max edge fits the long side; images are never upscaled', async () => {
  const src = await texturedJpeg(400, 200, 2);
  const fitted = await encodeTile(src, { maxEdge: 100 });
  assert.deepEqual([fitted.width, fitted.height], [100, 50]);
  const small = await encodeTile(src, { maxEdge: 1000 });
  assert.deepEqual([small.width, small.height], [400, 200]);
  assert.deepEqual(tileSize(10, 10, { scale: 1 }), { width: 10, height: 10 });
  assert.deepEqual(tileSize(601, 301, { scale: 0.5 }), { width: 301, height: 151 });
});

test('EXIF orientation is applied: a landscape file tagged "rotate 90°" comes out portrait, content rotated', async () => {
  // Left half red, right half blue, stored 40×20 with orientation 6 (display rotated 90° clockwise).
  const w = 40;
  const h = 20;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  const src = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const header = await readImageHeader(src);
  assert.deepEqual([header.width, header.height], [20, 40]);
  const tile = await encodeTile(src, { scale: 1, format: 'png' });
  assert.deepEqual([tile.width, tile.height], [20, 40]);
  // Rotated clockwise: the left (red) half is now on top, blue at the bottom.
  assert.ok(near(await pixelAt(tile.bytes, 10, 5), [255, 0, 0], 40));
  assert.ok(near(await pixelAt(tile.bytes, 10, 35), [0, 0, 255], 40));
  assert.equal((await sharp(tile.bytes).metadata()).orientation, undefined, 'no orientation tag left to apply twice');
});

test('PNG with alpha is flattened onto white, in both output formats', async () => {
  const raw = Buffer.alloc(8 * 8 * 4); // fully transparent black
  const src = await sharp(raw, { raw: { width: 8, height: 8, channels: 4 } }).png().toBuffer();
  for (const format of ['jpeg', 'png'] as const) {
    const tile = await encodeTile(src, { scale: 1, format });
    const meta = await sharp(tile.bytes).metadata();
    assert.equal(meta.channels, 3, `${format} has no alpha`);
    assert.ok(near(await pixelAt(tile.bytes, 4, 4), [255, 255, 255], 3), format);
  }
});

/** 16-bit fixtures are written by hand (sharp only writes 8-bit TIFF): orange, rgb(100%, 50%, 0%). */
function sixteenBit(format: 'png' | 'tiff'): Buffer {
  const orange = (): [number, number, number] => [65535, 32896, 0];
  return format === 'png' ? png16(16, 16, orange) : tiff16(16, 16, orange);
}

test('16-bit PNG and TIFF become 8-bit RGB with the right colour', async () => {
  const inputs = (['png', 'tiff'] as const).map((f) => [f, sixteenBit(f)] as const);
  for (const [name, src] of inputs) {
    const srcMeta = await sharp(src).metadata();
    assert.deepEqual([srcMeta.format, srcMeta.depth], [name, 'ushort'], `${name} fixture really is 16-bit`);
    for (const format of ['jpeg', 'png'] as const) {
      const tile = await encodeTile(src, { scale: 1, format });
      const meta = await sharp(tile.bytes).metadata();
      assert.deepEqual([meta.depth, meta.channels], ['uchar', 3], `${name} → ${format}`);
      if (format === 'png') assert.equal(meta.bitsPerSample, 8);
      const px = await pixelAt(tile.bytes, 8, 8);
      assert.ok(near(px, [255, 128, 0], format === 'jpeg' ? 10 : 2), `${name} → ${format} colour ${px}`);
    }
  }
});

test('greyscale input becomes three-channel RGB', async () => {
  const src = await sharp(Buffer.alloc(32 * 32, 100), { raw: { width: 32, height: 32, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(src).metadata()).channels, 1);
  for (const format of ['jpeg', 'png'] as const) {
    const tile = await encodeTile(src, { format });
    const meta = await sharp(tile.bytes).metadata();
    assert.equal(meta.channels, 3, format);
    assert.ok(near(await pixelAt(tile.bytes, 5, 5), [100, 100, 100], 3));
  }
});

test('images over the pixel limit are refused from the header alone', async () => {
  // A PNG that declares 60000×60000 but carries no pixel data: decoding would fail; the limit must trip first.
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
  const forged = Buffer.from(png);
  forged.writeUInt32BE(60000, 16);
  forged.writeUInt32BE(60000, 20);
  await assert.rejects(readImageHeader(forged), (err: unknown) => err instanceof ImageRejectedError && /over the limit/.test(err.reason));
  await assert.rejects(encodeTile(forged), (err: unknown) => err instanceof ImageRejectedError && /over the limit/.test(err.reason));
  await assert.rejects(encodeTile(await texturedJpeg(100, 100, 3), { pixelLimit: 5000 }), /over the limit of 5,000 pixels/);
});

test('corrupt, truncated and non-image inputs are rejected with a reason taken from the file', async () => {
  const reason = async (b: Buffer) => {
    try {
      await encodeTile(b);
    } catch (e) {
      assert.ok(e instanceof ImageRejectedError, String(e));
      return e.reason;
    }
    assert.fail('accepted');
  };
  assert.equal(await reason(Buffer.from('definitely not an image')), 'not an image file (its content is no known image format)');
  const jpeg = await texturedJpeg(200, 200, 4);
  assert.equal(await reason(jpeg.subarray(0, jpeg.length / 2)), 'truncated: the data ends before the image does');
  // Entropy data zeroed mid-file: libjpeg only warns and would decode grey blocks; it must be refused.
  const damaged = Buffer.from(jpeg);
  const sos = damaged.indexOf(Buffer.from([0xff, 0xda]));
  damaged.fill(0, sos + 40, sos + 540);
  assert.equal(await reason(damaged), 'damaged image data: the decoder reported corrupt data');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
  assert.match(await reason(svg), /unsupported image format "svg"/);
  // libvips shares one error buffer between images decoded at once: the reasons must not depend on it.
  const inputs = [Buffer.from('plain text'), jpeg.subarray(0, jpeg.length / 3), damaged, Buffer.from('more text')];
  for (let round = 0; round < 5; round++) {
    const reasons = await Promise.all(inputs.map(reason));
    assert.deepEqual(reasons, [
      'not an image file (its content is no known image format)',
      'truncated: the data ends before the image does',
      'damaged image data: the decoder reported corrupt data',
      'not an image file (its content is no known image format)',
    ]);
  }
});

test('PNG output and re-encoding are deterministic', async () => {
  const src = await texturedJpeg(120, 80, 5);
  const a = await encodeTile(src, { format: 'png' });
  const b = await encodeTile(src, { format: 'png' });
  assert.equal(a.mimeType, 'image/png');
  assert.deepEqual(a.bytes, b.bytes);
  assert.deepEqual((await encodeTile(src)).bytes, (await encodeTile(src)).bytes);
});
