// Small image fixtures generated at test time (never committed): textured "aerial-like" tiles
// whose content depends on a seed, so different seeds give perceptually different images.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Dataset } from '../../../src/core/dataset/types';
import { mulberry32 } from '../../../src/core/training/seededRandom';
import { tempFolder } from '../support/tempFolder';

/** Raw RGB pixels: a few random blobs on a random gradient, so dHashes differ between seeds. */
export function texturedPixels(width: number, height: number, seed: number): Buffer {
  const rnd = mulberry32(seed);
  const px = Buffer.alloc(width * height * 3);
  const base = [rnd() * 255, rnd() * 255, rnd() * 255];
  const gx = (rnd() - 0.5) * 2;
  const gy = (rnd() - 0.5) * 2;
  const blobs = Array.from({ length: 6 }, () => ({ x: rnd() * width, y: rnd() * height, r: (0.1 + rnd() * 0.25) * width, c: [rnd() * 255, rnd() * 255, rnd() * 255] }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c = base.map((b) => b + gx * x + gy * y);
      for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2) c = b.c;
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) px[o + k] = Math.max(0, Math.min(255, c[k]! + (rnd() - 0.5) * 20));
    }
  }
  return px;
}

export async function texturedJpeg(width: number, height: number, seed: number, quality = 90): Promise<Buffer> {
  return sharp(texturedPixels(width, height, seed), { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/** A temp folder removed when the test process exits (support/tempFolder). */
export function tempDir(prefix = 'pixtune-training-'): Promise<string> {
  return tempFolder(prefix);
}

/** Writes `perClass` JPEGs per class under a fresh temp root and returns the Dataset describing them. */
export async function makeDataset(classes: string[], perClass: number, size = 64, seed = 1): Promise<Dataset> {
  const root = await tempDir();
  const ds: Dataset = { root, classes: [], skipped: [], problems: [] };
  let s = seed * 1000;
  for (const name of classes) {
    await mkdir(join(root, name), { recursive: true });
    const images = [];
    for (let i = 0; i < perClass; i++) {
      const path = `${name}/${name}_${String(i).padStart(3, '0')}.jpg`;
      await writeFile(join(root, path), await texturedJpeg(size, size, s++));
      images.push({ path });
    }
    ds.classes.push({ name, images });
  }
  return ds;
}
