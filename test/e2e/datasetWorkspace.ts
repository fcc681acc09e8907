// The workspace the dataset e2e and integration tests open: a small generated AID-like dataset under `aid/`,
// plus what a user's real folders contain sooner or later — a corrupt JPEG and a class folder whose name is HTML.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { generateDataset } from '../fixtures/generateDataset';

/** A valid folder name on Linux that would run script if some view rendered it as HTML. */
export const HOSTILE_CLASS = '<img src=x onerror=alert(1)>';
export const CORRUPT_IMAGE = 'forest/forest_corrupt.jpg';
export const DATASET_FOLDER = 'aid';
const CLASSES = ['airport', 'beach', 'forest'];
const PER_CLASS = 6;
const SIZE = 64;
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp']);

export interface DatasetWorkspace {
  workspace: string;
  datasetRoot: string;
  /** Images per class folder as a scanner should count them (the corrupt JPEG included: it has a .jpg name). */
  classCounts: Record<string, number>;
  totalImages: number;
}

/** JPEG start-of-image and JFIF header followed by garbage: every decoder rejects it. */
export function corruptJpeg(): Buffer {
  const header = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const garbage = Buffer.alloc(2048);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
  return Buffer.concat([header, garbage]);
}

export async function prepareDatasetWorkspace(workspace: string): Promise<DatasetWorkspace> {
  const datasetRoot = join(workspace, DATASET_FOLDER);
  await mkdir(datasetRoot, { recursive: true });
  // The hostile class is generated like the others: its images are ordinary, only its name (and theirs) is HTML.
  await generateDataset(datasetRoot, { classes: [...CLASSES, HOSTILE_CLASS], perClass: PER_CLASS, size: SIZE, format: 'jpeg', seed: 7 });
  await writeFile(join(datasetRoot, CORRUPT_IMAGE), corruptJpeg());

  const classCounts: Record<string, number> = {};
  for (const entry of await readdir(datasetRoot, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const files = await readdir(join(datasetRoot, entry.name));
    classCounts[entry.name] = files.filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).length;
  }
  const totalImages = Object.values(classCounts).reduce((a, b) => a + b, 0);
  return { workspace, datasetRoot, classCounts, totalImages };
}
